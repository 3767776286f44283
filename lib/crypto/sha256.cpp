#include "crypto/sha256.h"

#include <sodium.h>

#include <cstring>

namespace notme::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "state buffer too small");

Sha256Digest Sha256(std::span<const uint8_t> data) {
  Sha256Digest out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Sha256Digest Sha256(std::string_view data) {
  return Sha256(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

Digest256 Blake2b256(std::string_view data) {
  static_assert(crypto_generichash_BYTES == 32, "crypto_generichash default output is 32 bytes");
  Digest256 out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  return out;
}

Sha256Hasher::Sha256Hasher() {
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(),
                            data.size());
}

void Sha256Hasher::Update(std::string_view data) {
  Update(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

Sha256Digest Sha256Hasher::Finish() {
  Sha256Digest out{};
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), out.data());
  return out;
}

Sha512Digest Sha512(std::span<const uint8_t> data) {
  Sha512Digest out{};
  crypto_hash_sha512(out.data(), data.data(), data.size());
  return out;
}

}  // namespace notme::crypto
