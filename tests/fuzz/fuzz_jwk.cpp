// JWK parsing from strict JSON: never crashes; an accepted key re-serialises to a JWK
// that parses to the same key, and never carries a private member.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/sodium_init.h"
#include "jose/json.h"
#include "jose/jwk.h"
#include "jose/jwk_cache.h"
#include "notme/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool initialised = notme::crypto::InitCrypto().has_value();
  NOTME_CHECK(initialised, "libsodium init");
  static notme::jose::JwkCache cache(64);
  const auto json = notme::jose::ParseStrictJson(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  const auto jwk = notme::jose::PublicJwk::FromJson(*json);
  const auto cached = cache.FromJson(*json);
  NOTME_CHECK(jwk.has_value() == cached.has_value(), "cache disagrees with FromJson");
  if (!jwk) return 0;
  NOTME_CHECK(!json->contains("d"), "private key accepted");
  NOTME_CHECK(*jwk == *cached, "cache returned another key");
  const auto again = notme::jose::PublicJwk::FromJson(jwk->ToJson());
  NOTME_CHECK(again && *again == *jwk, "ToJson does not round-trip");
  return 0;
}
