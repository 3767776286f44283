#pragma once
// SHA-256 (libsodium crypto_hash_sha256). Thread-safe.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace notme::crypto {

// Any 32-byte digest; SHA-256's is one.
using Digest256 = std::array<uint8_t, 32>;
using Sha256Digest = Digest256;

Sha256Digest Sha256(std::span<const uint8_t> data);
Sha256Digest Sha256(std::string_view data);

// Incremental hashing for data that arrives in pieces (SSHSIG over a file).
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  Sha256Digest Finish();

 private:
  alignas(64) unsigned char state_[128];
};

// BLAKE2b with a 32-byte output (libsodium crypto_generichash): as collision resistant as
// SHA-256 and several times cheaper in libsodium (vectorised; its SHA-256 is portable C).
// For digests that never leave the process and need no particular algorithm: the keys of
// the minted-token memo and the DPoP replay cache (~36 k instructions per token with
// SHA-256, docs/benchmarks.md "Session 4").
Digest256 Blake2b256(std::string_view data);

// SHA-512 (SSHSIG's default hash; Ed25519 internals).
using Sha512Digest = std::array<uint8_t, 64>;
Sha512Digest Sha512(std::span<const uint8_t> data);

}  // namespace notme::crypto
