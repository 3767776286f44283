#include "crypto/constant_time.h"

#include <sodium.h>

namespace notme::crypto {

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return ConstantTimeEquals(std::span(reinterpret_cast<const uint8_t*>(a.data()), a.size()),
                            std::span(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
}

}  // namespace notme::crypto
