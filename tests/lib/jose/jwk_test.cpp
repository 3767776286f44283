#include "jose/jwk.h"

#include <doctest/doctest.h>

#include "jose/json.h"
#include "jose_test_util.h"

namespace notme::jose {
namespace {

// RFC 8037 Appendix A.2 (public key) and A.3 (its RFC 7638 thumbprint).
constexpr const char* kRfc8037X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr const char* kRfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
// RFC 9449 §4.1 example proof key and its §6.1 thumbprint (cross-checked with jwcrypto:
// `JWK(kty='EC', crv='P-256', x=..., y=...).thumbprint()`).
constexpr const char* kRfc9449X = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
constexpr const char* kRfc9449Y = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";
constexpr const char* kRfc9449Jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
// RFC 7515 Appendix A.3 P-256 key; thumbprint computed by jwcrypto 1.1.
constexpr const char* kRfc7515X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr const char* kRfc7515Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr const char* kRfc7515Thumbprint = "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U";

using testing::B64;

nlohmann::json OkpJwk() { return {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", kRfc8037X}}; }
nlohmann::json EcJwk() {
  return {{"kty", "EC"}, {"crv", "P-256"}, {"x", kRfc9449X}, {"y", kRfc9449Y}};
}

ErrorCode CodeOf(const nlohmann::json& j) {
  const auto r = PublicJwk::FromJson(j);
  REQUIRE_FALSE(r);
  return r.error().code();
}

TEST_SUITE("PublicJwk") {
  TEST_CASE("RFC 8037 A.2 public key parses and A.3 thumbprint matches") {
    const auto jwk = PublicJwk::FromJson(OkpJwk());
    REQUIRE(jwk);
    CHECK(jwk->Thumbprint() == kRfc8037Thumbprint);
    CHECK(jwk->Algorithm() == "EdDSA");
    CHECK(jwk->ed25519() != nullptr);
    CHECK(jwk->p256() == nullptr);
  }

  TEST_CASE("RFC 8037 A.1 private key derives the A.2 public key") {
    const auto key = testing::KeyFromSeedHex(testing::kRfc8037SeedHex);
    const PublicJwk jwk = PublicJwk::FromEd25519(key.public_key());
    CHECK(jwk.ToJson() == OkpJwk());
    CHECK(jwk.Thumbprint() == kRfc8037Thumbprint);
  }

  TEST_CASE("RFC 9449 example EC key has the section 6.1 jkt") {
    const auto jwk = PublicJwk::FromJson(EcJwk());
    REQUIRE(jwk);
    CHECK(jwk->Thumbprint() == kRfc9449Jkt);
    CHECK(jwk->Algorithm() == "ES256");
    CHECK(jwk->p256() != nullptr);
  }

  TEST_CASE("RFC 7515 A.3 EC key thumbprint matches jwcrypto") {
    const auto jwk = PublicJwk::FromJson(
        {{"kty", "EC"}, {"crv", "P-256"}, {"x", kRfc7515X}, {"y", kRfc7515Y}});
    REQUIRE(jwk);
    CHECK(jwk->Thumbprint() == kRfc7515Thumbprint);
  }

  TEST_CASE("optional kid, use sig, matching alg and key_ops are accepted and not thumbprinted") {
    auto j = OkpJwk();
    j["kid"] = "k1";
    j["use"] = "sig";
    j["alg"] = "EdDSA";
    j["key_ops"] = {"verify"};
    const auto jwk = PublicJwk::FromJson(j);
    REQUIRE(jwk);
    CHECK(jwk->Thumbprint() == kRfc8037Thumbprint);
    CHECK(jwk->ToJson() == OkpJwk());
  }

  TEST_CASE("ToJson round-trips through FromJson for EC keys") {
    const auto jwk = PublicJwk::FromJson(EcJwk());
    REQUIRE(jwk);
    const auto again = PublicJwk::FromJson(jwk->ToJson());
    REQUIRE(again);
    CHECK(*again == *jwk);
  }

  TEST_CASE("an OKP private key member d is rejected") {
    auto j = OkpJwk();
    j["d"] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const auto r = PublicJwk::FromJson(j);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidKey);
    CHECK(r.error().message().find("\"d\"") != std::string::npos);
    // The secret itself never appears in the error.
    CHECK(r.error().message().find("nWGxne") == std::string::npos);
  }

  TEST_CASE("an EC private key member d is rejected even when null") {
    auto j = EcJwk();
    j["d"] = nullptr;
    CHECK(CodeOf(j) == ErrorCode::kInvalidKey);
  }

  TEST_CASE("RSA and symmetric private members are rejected") {
    for (const char* member : {"p", "q", "dp", "dq", "qi", "oth", "k"}) {
      auto j = OkpJwk();
      j[member] = "AQAB";
      CHECK(CodeOf(j) == ErrorCode::kInvalidKey);
    }
  }

  TEST_CASE("unknown kty and crv are unsupported") {
    CHECK(CodeOf({{"kty", "RSA"}, {"crv", "x"}, {"n", "AQAB"}, {"e", "AQAB"}}) ==
          ErrorCode::kUnsupported);
    CHECK(CodeOf({{"kty", "oct"}, {"crv", "x"}}) == ErrorCode::kUnsupported);
    auto ed448 = OkpJwk();
    ed448["crv"] = "Ed448";
    CHECK(CodeOf(ed448) == ErrorCode::kUnsupported);
    auto x25519 = OkpJwk();
    x25519["crv"] = "X25519";
    CHECK(CodeOf(x25519) == ErrorCode::kUnsupported);
    auto p384 = EcJwk();
    p384["crv"] = "P-384";
    CHECK(CodeOf(p384) == ErrorCode::kUnsupported);
    auto lower = OkpJwk();
    lower["kty"] = "okp";
    CHECK(CodeOf(lower) == ErrorCode::kUnsupported);
  }

  TEST_CASE("wrong coordinate lengths are rejected") {
    auto shortx = OkpJwk();
    shortx["x"] = B64(std::string(31, 'a'));
    CHECK(CodeOf(shortx) == ErrorCode::kInvalidKey);
    auto longx = OkpJwk();
    longx["x"] = B64(std::string(33, 'a'));
    CHECK(CodeOf(longx) == ErrorCode::kInvalidKey);
    auto shorty = EcJwk();
    shorty["y"] = B64(std::string(31, 'a'));
    CHECK(CodeOf(shorty) == ErrorCode::kInvalidKey);
  }

  TEST_CASE("an EC point not on the curve is rejected") {
    auto j = EcJwk();
    j["y"] = kRfc9449X;
    CHECK(CodeOf(j) == ErrorCode::kInvalidKey);
  }

  TEST_CASE("a small-order Ed25519 point is rejected") {
    auto j = OkpJwk();
    j["x"] = B64(std::string("\x01", 1) + std::string(31, '\0'));  // the identity point
    CHECK(CodeOf(j) == ErrorCode::kInvalidKey);
  }

  TEST_CASE("missing members and wrong JSON types are malformed") {
    CHECK(CodeOf({{"kty", "OKP"}, {"crv", "Ed25519"}}) == ErrorCode::kMalformed);
    CHECK(CodeOf({{"crv", "Ed25519"}, {"x", kRfc8037X}}) == ErrorCode::kMalformed);
    CHECK(CodeOf({{"kty", "OKP"}, {"crv", 1}, {"x", kRfc8037X}}) == ErrorCode::kMalformed);
    CHECK(CodeOf({{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", 5}}) == ErrorCode::kMalformed);
    CHECK(CodeOf(nlohmann::json::array()) == ErrorCode::kMalformed);
    CHECK(CodeOf("OKP") == ErrorCode::kMalformed);
  }

  TEST_CASE("a coordinate in padded or standard base64 is malformed") {
    auto padded = OkpJwk();
    padded["x"] = std::string(kRfc8037X) + "=";
    CHECK(CodeOf(padded) == ErrorCode::kMalformed);
    auto standard = EcJwk();
    standard["x"] = "l8tFrhx+34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
    CHECK(CodeOf(standard) == ErrorCode::kMalformed);
  }

  TEST_CASE("an alg that does not fit the key is rejected") {
    auto j = OkpJwk();
    j["alg"] = "ES256";
    CHECK(CodeOf(j) == ErrorCode::kInvalidKey);
    auto e = EcJwk();
    e["alg"] = "HS256";
    CHECK(CodeOf(e) == ErrorCode::kInvalidKey);
  }

  TEST_CASE("use other than sig is rejected") {
    auto j = OkpJwk();
    j["use"] = "enc";
    CHECK(CodeOf(j) == ErrorCode::kInvalidKey);
  }

  TEST_CASE("ParseJwsAlgorithm accepts only EdDSA and ES256") {
    CHECK(ParseJwsAlgorithm("EdDSA"));
    CHECK(ParseJwsAlgorithm("ES256"));
    for (const char* alg : {"none", "HS256", "RS256", "eddsa", "ES384", "Ed25519", ""}) {
      const auto r = ParseJwsAlgorithm(alg);
      REQUIRE_FALSE(r);
      CHECK(r.error().code() == ErrorCode::kUnsupported);
    }
  }
}

}  // namespace
}  // namespace notme::jose
