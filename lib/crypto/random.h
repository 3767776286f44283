#pragma once
// CSPRNG access (libsodium randombytes: getrandom(2) on Linux). Thread-safe.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "crypto/secret_bytes.h"
#include "notme/result.h"

namespace notme::crypto {

// Fills `out` with cryptographically secure random bytes. Cannot fail after InitCrypto.
void RandomFill(std::span<uint8_t> out);
// `n` random public bytes (nonces, jti, serials).
std::vector<uint8_t> RandomBytes(size_t n);
// `n` random secret bytes in guarded memory (key seeds). Errors: see SecretBytes.
Result<SecretBytes> RandomSecret(size_t n);
// A uniformly random 64-bit value (SSH certificate serials).
uint64_t RandomU64();

}  // namespace notme::crypto
