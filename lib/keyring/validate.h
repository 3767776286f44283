#pragma once
// Argument checks every Keyring implementation applies to Store() before touching its
// backend, so that the backends agree on what is accepted. Internal to lib/keyring.

#include <string_view>

#include "crypto/secret_bytes.h"
#include "keyring/keyring.h"
#include "notme/result.h"

namespace notme::keyring {

// The entry's kind when `name`, `value` and `label` are acceptable.
// Errors: kInvalidArgument (name, empty value, label too long or not
// printable ASCII), kTooLarge (value over kMaxValueSize).
Result<Kind> ValidateStore(std::string_view name, const crypto::SecretBytes& value,
                           std::string_view label);

}  // namespace notme::keyring
