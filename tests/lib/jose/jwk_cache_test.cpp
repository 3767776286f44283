#include "jose/jwk_cache.h"

#include <doctest/doctest.h>

#include "jose_test_util.h"

namespace notme::jose {
namespace {

nlohmann::json JwkOf(const char* seed_hex) {
  const auto key = testing::KeyFromSeedHex(seed_hex);
  return PublicJwk::FromEd25519(key.public_key()).ToJson();
}

TEST_SUITE("JwkCache") {
  TEST_CASE("a cached key equals a freshly parsed one") {
    JwkCache cache(8);
    const auto jwk = JwkOf(testing::kRfc8037SeedHex);
    const auto first = cache.FromJson(jwk);
    const auto second = cache.FromJson(jwk);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(*first == *second);
    CHECK(second->Thumbprint() == PublicJwk::FromJson(jwk)->Thumbprint());
    CHECK(cache.size() == 1);
  }

  TEST_CASE("a private member is rejected even when the public part is cached") {
    JwkCache cache(8);
    auto jwk = JwkOf(testing::kRfc8037SeedHex);
    REQUIRE(cache.FromJson(jwk));
    jwk["d"] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const auto r = cache.FromJson(jwk);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidKey);
  }

  TEST_CASE("a different alg or use is judged afresh, not served from the cache") {
    JwkCache cache(8);
    auto jwk = JwkOf(testing::kRfc8037SeedHex);
    REQUIRE(cache.FromJson(jwk));
    jwk["alg"] = "ES256";
    CHECK_FALSE(cache.FromJson(jwk));
    jwk["alg"] = "EdDSA";
    jwk["use"] = "enc";
    CHECK_FALSE(cache.FromJson(jwk));
  }

  TEST_CASE("failures are not cached") {
    JwkCache cache(8);
    CHECK_FALSE(cache.FromJson({{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}}));
    CHECK_FALSE(cache.FromJson(nlohmann::json::array()));
    CHECK(cache.size() == 0);
  }

  TEST_CASE("members that are not strings bypass the cache but parse the same") {
    JwkCache cache(8);
    auto jwk = JwkOf(testing::kRfc8037SeedHex);
    jwk["key_ops"] = {"verify"};
    CHECK(cache.FromJson(jwk));
    CHECK(cache.size() == 0);
  }

  TEST_CASE("the cache never holds more than its bound") {
    JwkCache cache(1);
    CHECK(cache.FromJson(JwkOf(testing::kRfc8037SeedHex)));
    CHECK(cache.FromJson(JwkOf(testing::kOtherSeedHex)));
    CHECK(cache.size() == 1);
  }
}

TEST_SUITE("ProofHeaderCache") {
  TEST_CASE("a header is found only by its exact bytes") {
    ProofHeaderCache cache(8);
    const auto jwk = PublicJwk::FromJson(JwkOf(testing::kRfc8037SeedHex));
    REQUIRE(jwk);
    cache.Remember("eyJhIjoxfQ", {JwsAlgorithm::kEdDSA, *jwk});
    const auto hit = cache.Find("eyJhIjoxfQ");
    REQUIRE(hit);
    CHECK(hit->alg == JwsAlgorithm::kEdDSA);
    CHECK(hit->jwk.Thumbprint() == jwk->Thumbprint());
    CHECK_FALSE(cache.Find("eyJhIjoxfq"));
    CHECK_FALSE(cache.Find("eyJhIjoxf"));
    CHECK_FALSE(cache.Find(""));
  }

  TEST_CASE("the cache never holds more than its bound, and skips long headers") {
    ProofHeaderCache cache(2);
    const auto jwk = PublicJwk::FromJson(JwkOf(testing::kRfc8037SeedHex));
    REQUIRE(jwk);
    for (const char* h : {"a", "b", "c"}) cache.Remember(h, {JwsAlgorithm::kEdDSA, *jwk});
    CHECK(cache.size() <= 2);
    cache.Remember(std::string(1025, 'x'), {JwsAlgorithm::kEdDSA, *jwk});
    CHECK_FALSE(cache.Find(std::string(1025, 'x')));
    ProofHeaderCache none(0);
    none.Remember("a", {JwsAlgorithm::kEdDSA, *jwk});
    CHECK(none.size() == 0);
  }
}

}  // namespace
}  // namespace notme::jose
