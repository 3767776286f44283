#include "jose/jws.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <string>

#include "jose/json.h"
#include "jose_test_util.h"

namespace notme::jose {
namespace {

using testing::B64;
using testing::KeyFromSeedHex;
using testing::SignRaw;

// RFC 8037 Appendix A.4: the JWS of "Example of Ed25519 signing" with the A.1 key.
constexpr const char* kRfc8037Jws =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 9449 §4.1 example DPoP proof (ES256).
constexpr const char* kRfc9449Proof =
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNo"
    "UklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERW"
    "clUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0"
    "dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-"
    "FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";

struct Fixture {
  crypto::Ed25519SecretKey key = KeyFromSeedHex(testing::kRfc8037SeedHex);
  crypto::Ed25519SecretKey other = KeyFromSeedHex(testing::kOtherSeedHex);
  PublicJwk jwk = PublicJwk::FromEd25519(key.public_key());
  ExpectedHeader eddsa{JwsAlgorithm::kEdDSA, ""};

  KeySet Keys() const {
    KeySet keys;
    keys.Add("k1", jwk);
    return keys;
  }
};

Error ErrorOf(const Result<VerifiedJws>& r) {
  REQUIRE_FALSE(r);
  return r.error();
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

TEST_SUITE("Jws") {
  TEST_CASE_FIXTURE(Fixture, "RFC 8037 A.4: signing the example gives the exact JWS") {
    const auto token = SignCompactEdDsa(nlohmann::json::object(), "Example of Ed25519 signing", key);
    REQUIRE(token);
    CHECK(*token == kRfc8037Jws);
  }

  TEST_CASE_FIXTURE(Fixture, "RFC 8037 A.5: the example JWS verifies") {
    const auto v = VerifyCompact(kRfc8037Jws, jwk, eddsa);
    REQUIRE(v);
    CHECK(v->payload() == "Example of Ed25519 signing");
    CHECK(v->algorithm() == JwsAlgorithm::kEdDSA);
    CHECK(v->kid().empty());
  }

  TEST_CASE("RFC 9449 example ES256 proof verifies with its jwk") {
    const auto unverified_header = nlohmann::json::parse(
        *Base64UrlDecodeToString(
            std::string_view(kRfc9449Proof).substr(0, std::string_view(kRfc9449Proof).find('.'))));
    const auto jwk = PublicJwk::FromJson(unverified_header["jwk"]);
    REQUIRE(jwk);
    const auto v = VerifyCompact(kRfc9449Proof, *jwk, {JwsAlgorithm::kES256, "dpop+jwt"});
    REQUIRE(v);
    const auto claims = ParseStrictJson(v->payload());
    REQUIRE(claims);
    CHECK((*claims)["jti"] == "-BwC3ESc6acc2lTc");
    CHECK((*claims)["htm"] == "POST");
    CHECK((*claims)["htu"] == "https://server.example.com/token");
    CHECK((*claims)["iat"] == 1562262616);
  }

  TEST_CASE_FIXTURE(Fixture, "a token verifies through a key set by kid") {
    const auto token = SignCompactEdDsa({{"kid", "k1"}, {"typ", "at+jwt"}}, "{}", key);
    REQUIRE(token);
    const auto v = VerifyCompact(*token, Keys(), {JwsAlgorithm::kEdDSA, "at+jwt"});
    REQUIRE(v);
    CHECK(v->kid() == "k1");
    CHECK(v->header()["typ"] == "at+jwt");
  }

  TEST_CASE_FIXTURE(Fixture, "typ compares case-insensitively and allows the application/ prefix") {
    for (const char* typ : {"AT+JWT", "application/at+jwt", "Application/At+Jwt"}) {
      const auto token = SignCompactEdDsa({{"kid", "k1"}, {"typ", typ}}, "{}", key);
      REQUIRE(token);
      CHECK(VerifyCompact(*token, Keys(), {JwsAlgorithm::kEdDSA, "at+jwt"}));
    }
  }

  TEST_CASE_FIXTURE(Fixture, "alg none is rejected") {
    const std::string unsigned_token = B64(R"({"alg":"none"})") + "." + B64("{}") + ".";
    CHECK(ErrorOf(VerifyCompact(unsigned_token, jwk, eddsa)).code() == ErrorCode::kMalformed);
    const std::string with_sig = SignRaw(R"({"alg":"none"})", "{}", key);
    CHECK(ErrorOf(VerifyCompact(with_sig, jwk, eddsa)).code() == ErrorCode::kUnsupported);
  }

  TEST_CASE_FIXTURE(Fixture, "HS256 keyed with the public key is rejected") {
    const std::string input = B64(R"({"alg":"HS256","kid":"k1"})") + "." + B64("{}");
    const std::string raw_key(reinterpret_cast<const char*>(key.public_key().bytes().data()), 32);
    for (const std::string& secret : {raw_key, DumpCompact(jwk.ToJson())}) {
      const std::string token = input + "." + B64(HmacSha256(secret, input));
      CHECK(ErrorOf(VerifyCompact(token, jwk, eddsa)).code() == ErrorCode::kUnsupported);
      CHECK(ErrorOf(VerifyCompact(token, Keys(), eddsa)).code() == ErrorCode::kUnsupported);
    }
  }

  TEST_CASE_FIXTURE(Fixture, "a header alg other than the verifier's is rejected") {
    const std::string token = SignRaw(R"({"alg":"ES256"})", "{}", key);
    CHECK(ErrorOf(VerifyCompact(token, jwk, eddsa)).code() == ErrorCode::kUnsupported);
    CHECK(ErrorOf(VerifyCompact(token, jwk, {JwsAlgorithm::kEdDSA, ""})).message().find("alg") !=
          std::string::npos);
  }

  TEST_CASE_FIXTURE(Fixture, "an ES256 verifier refuses an Ed25519 key") {
    const std::string token = SignRaw(R"({"alg":"ES256"})", "{}", key);
    CHECK(ErrorOf(VerifyCompact(token, jwk, {JwsAlgorithm::kES256, ""})).code() ==
          ErrorCode::kUnsupported);
  }

  TEST_CASE_FIXTURE(Fixture, "alg of the wrong case or type is rejected") {
    CHECK_FALSE(VerifyCompact(SignRaw(R"({"alg":"eddsa"})", "{}", key), jwk, eddsa));
    CHECK_FALSE(VerifyCompact(SignRaw(R"({"alg":["EdDSA"]})", "{}", key), jwk, eddsa));
    CHECK_FALSE(VerifyCompact(SignRaw(R"({"typ":"JWT"})", "{}", key), jwk, eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "a signature by another key is rejected") {
    const auto token = SignCompactEdDsa(nlohmann::json::object(), "x", other);
    REQUIRE(token);
    CHECK(ErrorOf(VerifyCompact(*token, jwk, eddsa)).code() == ErrorCode::kBadSignature);
  }

  TEST_CASE_FIXTURE(Fixture, "a tampered payload is rejected") {
    std::string token = kRfc8037Jws;
    token[25] = token[25] == 'A' ? 'B' : 'A';
    CHECK_FALSE(VerifyCompact(token, jwk, eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "a tampered signature is rejected") {
    std::string token = kRfc8037Jws;
    token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
    CHECK(ErrorOf(VerifyCompact(token, jwk, eddsa)).code() == ErrorCode::kBadSignature);
  }

  TEST_CASE_FIXTURE(Fixture, "a signature of the wrong length is rejected") {
    const std::string input = B64(R"({"alg":"EdDSA"})") + "." + B64("x");
    CHECK(ErrorOf(VerifyCompact(input + "." + B64(std::string(63, 'a')), jwk, eddsa)).code() ==
          ErrorCode::kMalformed);
    CHECK_FALSE(VerifyCompact(input + "." + B64(std::string(65, 'a')), jwk, eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "a kid missing from the key set is rejected") {
    const auto unknown = SignCompactEdDsa({{"kid", "nope"}}, "{}", key);
    REQUIRE(unknown);
    const auto e = ErrorOf(VerifyCompact(*unknown, Keys(), eddsa));
    CHECK(e.code() == ErrorCode::kInvalidToken);
    CHECK(e.message().find("unknown kid") != std::string::npos);
    const auto missing = SignCompactEdDsa(nlohmann::json::object(), "{}", key);
    CHECK(ErrorOf(VerifyCompact(*missing, Keys(), eddsa)).code() == ErrorCode::kInvalidToken);
    const std::string numeric = SignRaw(R"({"alg":"EdDSA","kid":1})", "{}", key);
    CHECK(ErrorOf(VerifyCompact(numeric, Keys(), eddsa)).code() == ErrorCode::kMalformed);
  }

  TEST_CASE_FIXTURE(Fixture, "a wrong or missing typ is rejected") {
    const auto jwt = SignCompactEdDsa({{"typ", "JWT"}}, "{}", key);
    REQUIRE(jwt);
    CHECK(ErrorOf(VerifyCompact(*jwt, jwk, {JwsAlgorithm::kEdDSA, "at+jwt"})).code() ==
          ErrorCode::kInvalidToken);
    const auto none = SignCompactEdDsa(nlohmann::json::object(), "{}", key);
    CHECK(ErrorOf(VerifyCompact(*none, jwk, {JwsAlgorithm::kEdDSA, "at+jwt"})).code() ==
          ErrorCode::kInvalidToken);
    const auto prefix_only = SignCompactEdDsa({{"typ", "application/"}}, "{}", key);
    CHECK_FALSE(VerifyCompact(*prefix_only, jwk, {JwsAlgorithm::kEdDSA, "at+jwt"}));
  }

  TEST_CASE_FIXTURE(Fixture, "any crit header is rejected") {
    const std::string token = SignRaw(R"({"alg":"EdDSA","crit":["exp"],"exp":1})", "{}", key);
    CHECK(ErrorOf(VerifyCompact(token, jwk, eddsa)).code() == ErrorCode::kUnsupported);
    const std::string b64 = SignRaw(R"({"alg":"EdDSA","b64":false,"crit":["b64"]})", "{}", key);
    CHECK_FALSE(VerifyCompact(b64, jwk, eddsa));
    const std::string empty = SignRaw(R"({"alg":"EdDSA","crit":[]})", "{}", key);
    CHECK_FALSE(VerifyCompact(empty, jwk, eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "a duplicate header member is rejected") {
    const std::string token = SignRaw(R"({"alg":"EdDSA","alg":"EdDSA"})", "{}", key);
    const auto e = ErrorOf(VerifyCompact(token, jwk, eddsa));
    CHECK(e.code() == ErrorCode::kMalformed);
    CHECK(e.message().find("duplicate") != std::string::npos);
    const std::string kid = SignRaw(R"({"alg":"EdDSA","kid":"k1","kid":"k2"})", "{}", key);
    CHECK_FALSE(VerifyCompact(kid, Keys(), eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "a deeply nested header is rejected") {
    const std::string token =
        SignRaw(R"({"alg":"EdDSA","x":[[[[[[1]]]]]]})", "{}", key);
    CHECK(ErrorOf(VerifyCompact(token, jwk, eddsa)).code() == ErrorCode::kTooLarge);
  }

  TEST_CASE_FIXTURE(Fixture, "a token over 8 KiB is rejected before decoding") {
    const auto token = SignCompactEdDsa(nlohmann::json::object(), std::string(6200, 'a'), key);
    REQUIRE_FALSE(token);
    CHECK(token.error().code() == ErrorCode::kTooLarge);
    const std::string big = SignRaw(R"({"alg":"EdDSA"})", std::string(7000, 'a'), key);
    CHECK(ErrorOf(VerifyCompact(big, jwk, eddsa)).code() == ErrorCode::kTooLarge);
  }

  TEST_CASE_FIXTURE(Fixture, "extra or missing dots are rejected") {
    const std::string t = kRfc8037Jws;
    CHECK(ErrorOf(VerifyCompact(t + ".", jwk, eddsa)).code() == ErrorCode::kMalformed);
    CHECK_FALSE(VerifyCompact(t + ".abc", jwk, eddsa));
    CHECK_FALSE(VerifyCompact("." + t, jwk, eddsa));
    CHECK_FALSE(VerifyCompact(t.substr(0, t.rfind('.')), jwk, eddsa));
    CHECK_FALSE(VerifyCompact("..", jwk, eddsa));
    CHECK_FALSE(VerifyCompact("", jwk, eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "trailing garbage and whitespace are rejected") {
    const std::string t = kRfc8037Jws;
    CHECK_FALSE(VerifyCompact(t + " ", jwk, eddsa));
    CHECK_FALSE(VerifyCompact(t + "\n", jwk, eddsa));
    CHECK_FALSE(VerifyCompact(t + "=", jwk, eddsa));
    CHECK_FALSE(VerifyCompact(" " + t, jwk, eddsa));
    CHECK_FALSE(VerifyCompact(t + "," + t, jwk, eddsa));
    CHECK_FALSE(VerifyCompact(std::string(t).append(1, '\0'), jwk, eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "a header that is not a JSON object is rejected") {
    CHECK_FALSE(VerifyCompact(SignRaw("[\"alg\",\"EdDSA\"]", "{}", key), jwk, eddsa));
    CHECK_FALSE(VerifyCompact(SignRaw("not json", "{}", key), jwk, eddsa));
    CHECK_FALSE(VerifyCompact(SignRaw(R"({"alg":"EdDSA"} x)", "{}", key), jwk, eddsa));
    CHECK_FALSE(VerifyCompact(SignRaw("", "{}", key), jwk, eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "a non-UTF-8 header is rejected") {
    const std::string token = SignRaw("{\"alg\":\"EdDSA\",\"x\":\"\xff\"}", "{}", key);
    const auto e = ErrorOf(VerifyCompact(token, jwk, eddsa));
    CHECK(e.code() == ErrorCode::kMalformed);
    CHECK(e.message().find("UTF-8") != std::string::npos);
  }

  TEST_CASE_FIXTURE(Fixture, "non-canonical base64url in any segment is rejected") {
    const std::string t = kRfc8037Jws;
    // The signature's last character 'g' leaves 4 unused bits at zero; 'h' sets one.
    std::string sig_bits = t;
    sig_bits.back() = 'h';
    CHECK(ErrorOf(VerifyCompact(sig_bits, jwk, eddsa)).code() == ErrorCode::kMalformed);
    std::string with_pad = SignRaw(R"({"alg":"EdDSA"})", "{}", key);
    with_pad.insert(with_pad.find('.'), "==");
    CHECK_FALSE(VerifyCompact(with_pad, jwk, eddsa));
  }

  TEST_CASE_FIXTURE(Fixture, "the payload is not decoded when the signature fails") {
    // A payload segment with a foreign character would be a decode error; with a bad
    // signature the failure must be the signature, showing the order of checks.
    const std::string input = B64(R"({"alg":"EdDSA"})") + ".Zh";
    const std::string token = input + "." + B64(std::string(64, 'a'));
    CHECK(ErrorOf(VerifyCompact(token, jwk, eddsa)).code() == ErrorCode::kBadSignature);
  }

  TEST_CASE_FIXTURE(Fixture, "signing refuses a non-EdDSA alg, crit or a non-object header") {
    CHECK(SignCompactEdDsa({{"alg", "none"}}, "x", key).error().code() ==
          ErrorCode::kInvalidArgument);
    CHECK_FALSE(SignCompactEdDsa({{"alg", "HS256"}}, "x", key));
    CHECK_FALSE(SignCompactEdDsa({{"crit", {"b64"}}}, "x", key));
    CHECK_FALSE(SignCompactEdDsa(nlohmann::json::array(), "x", key));
    CHECK(SignCompactEdDsa({{"alg", "EdDSA"}}, "x", key));
  }

  TEST_CASE("SplitCompact returns views of the three segments") {
    const auto parts = SplitCompact("aa.bb.cc");
    REQUIRE(parts);
    CHECK(parts->header_b64 == "aa");
    CHECK(parts->payload_b64 == "bb");
    CHECK(parts->signature_b64 == "cc");
    CHECK(parts->signing_input == "aa.bb");
    CHECK(SplitCompact("aa..cc"));  // an empty payload is legal JWS
    CHECK_FALSE(SplitCompact(".bb.cc"));
    CHECK_FALSE(SplitCompact("aa.bb."));
  }
}

}  // namespace
}  // namespace notme::jose
