#include "crypto/sodium_init.h"

#include <sodium.h>

namespace notme::crypto {

Result<void> InitCrypto() {
  // sodium_init returns 0 on first success, 1 if already initialised.
  if (sodium_init() < 0) return Fail(ErrorCode::kInternal, "libsodium failed to initialise");
  return Ok();
}

}  // namespace notme::crypto
