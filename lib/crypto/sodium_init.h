#pragma once
// libsodium initialisation. Every program calls InitCrypto() first; a failure is a
// startup failure (clear message, non-zero exit).

#include "notme/result.h"

namespace notme::crypto {

// Initialises libsodium once (thread-safe, idempotent). Errors: kInternal.
Result<void> InitCrypto();

}  // namespace notme::crypto
