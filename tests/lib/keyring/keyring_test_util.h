#pragma once
// Helpers shared by the keyring tests.

#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "crypto/secret_bytes.h"

namespace notme::keyring::testing {

inline crypto::SecretBytes Secret(std::span<const uint8_t> bytes) {
  auto s = crypto::SecretBytes::CopyFrom(bytes);
  REQUIRE(s.has_value());
  return std::move(*s);
}

inline crypto::SecretBytes Secret(std::string_view text) {
  return Secret(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()),
                                         text.size()));
}

inline std::vector<uint8_t> Reveal(const crypto::SecretBytes& s) {
  return s.RevealForCrypto(
      [](std::span<const uint8_t> b) { return std::vector<uint8_t>(b.begin(), b.end()); });
}

inline std::vector<uint8_t> Bytes(std::string_view text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

}  // namespace notme::keyring::testing
