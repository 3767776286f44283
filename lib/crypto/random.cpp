#include "crypto/random.h"

#include <sodium.h>

namespace notme::crypto {

void RandomFill(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

std::vector<uint8_t> RandomBytes(size_t n) {
  std::vector<uint8_t> out(n);
  RandomFill(out);
  return out;
}

Result<SecretBytes> RandomSecret(size_t n) {
  NOTME_TRY(SecretBytes s, SecretBytes::Allocate(n));
  s.WriteForInit([](std::span<uint8_t> out) { RandomFill(out); });
  return s;
}

uint64_t RandomU64() {
  uint64_t v = 0;
  randombytes_buf(&v, sizeof(v));
  return v;
}

}  // namespace notme::crypto
