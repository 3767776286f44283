#pragma once
// Constant-time comparison for anything secret-derived (sodium_memcmp).

#include <cstdint>
#include <span>
#include <string_view>

namespace notme::crypto {

// True iff sizes match and contents are equal; time depends only on the size.
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace notme::crypto
