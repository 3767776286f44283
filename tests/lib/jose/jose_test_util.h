#pragma once
// Helpers for the jose tests: fixed keys and hand-built tokens (to craft hostile
// headers and claim sets that the library itself would never produce).

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "jose/base64url.h"
#include "test_util.h"

namespace notme::jose::testing {

// RFC 8037 Appendix A.1 private key ("d"), which is RFC 8032 §7.1 TEST 1's seed.
inline constexpr const char* kRfc8037SeedHex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
inline constexpr const char* kOtherSeedHex =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

inline crypto::Ed25519SecretKey KeyFromSeedHex(const char* hex) {
  const auto bytes = notme::testing::FromHex(hex);
  auto seed = crypto::SecretBytes::CopyFrom(bytes);
  REQUIRE(seed);
  auto key = crypto::Ed25519SecretKey::FromSeed(*seed);
  REQUIRE(key);
  return std::move(*key);
}

inline std::string B64(std::string_view s) { return Base64UrlEncode(s); }

// header_json and payload are used verbatim; signed with `key` over the exact bytes.
inline std::string SignRaw(std::string_view header_json, std::string_view payload,
                           const crypto::Ed25519SecretKey& key) {
  std::string token = B64(header_json) + "." + B64(payload);
  const auto sig = key.Sign(std::string_view(token));
  return token + "." + Base64UrlEncode(sig.bytes());
}

}  // namespace notme::jose::testing
