#include "jose/jwt.h"

#include <doctest/doctest.h>

#include "jose/json.h"
#include "jose/kid.h"
#include "jose_test_util.h"

namespace notme::jose {
namespace {

using testing::KeyFromSeedHex;
using testing::SignRaw;

constexpr int64_t kNow = 1'800'000'000;
constexpr const char* kIssuer = "http://notme.localhost";
constexpr const char* kAudience = "https://api.example.com";

struct Fixture {
  FakeClock clock{kNow};
  crypto::Ed25519SecretKey key = KeyFromSeedHex(testing::kRfc8037SeedHex);
  crypto::Ed25519SecretKey other = KeyFromSeedHex(testing::kOtherSeedHex);
  std::string kid = KidForEd25519(key.public_key());
  KeySet keys;
  ClaimsValidator validator{clock, {kIssuer, kAudience, 60, true}};

  Fixture() { keys.Add(kid, PublicJwk::FromEd25519(key.public_key())); }

  nlohmann::json Claims() const {
    return {{"iss", kIssuer},
            {"sub", "human@example.com"},
            {"client_id", "agent-1"},
            {"aud", kAudience},
            {"scope", "repo:read"},
            {"iat", kNow},
            {"nbf", kNow},
            {"exp", kNow + 300},
            {"jti", "j1"},
            {"cnf", {{"jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}}};
  }
  std::string Token(const nlohmann::json& claims) const {
    auto t = SignJwt(claims, "at+jwt", kid, key);
    REQUIRE(t);
    return *t;
  }
  Result<VerifiedJwt> Verify(const std::string& token) const {
    return VerifyJwt(token, keys, "at+jwt", validator);
  }
  ErrorCode CodeOf(const nlohmann::json& claims) const {
    const auto r = Verify(Token(claims));
    REQUIRE_FALSE(r);
    return r.error().code();
  }
  std::string RawHeader() const { return R"({"alg":"EdDSA","kid":")" + kid + R"(","typ":"at+jwt"})"; }
};

TEST_SUITE("Jwt") {
  TEST_CASE_FIXTURE(Fixture, "a valid access token verifies and exposes typed claims") {
    const auto jwt = Verify(Token(Claims()));
    REQUIRE(jwt);
    CHECK(jwt->issuer() == kIssuer);
    CHECK(jwt->subject() == "human@example.com");
    CHECK(jwt->client_id() == "agent-1");
    CHECK(jwt->audience() == std::vector<std::string>{kAudience});
    CHECK(jwt->scope() == "repo:read");
    CHECK(jwt->jti() == "j1");
    CHECK(jwt->exp() == kNow + 300);
    CHECK(jwt->iat() == kNow);
    CHECK(jwt->nbf() == kNow);
    CHECK(jwt->cnf_jkt() == "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    CHECK(jwt->kid() == kid);
    CHECK(jwt->header()["typ"] == "at+jwt");
  }

  TEST_CASE_FIXTURE(Fixture, "an audience array containing ours is accepted") {
    auto c = Claims();
    c["aud"] = {"https://other.example", kAudience};
    const auto jwt = Verify(Token(c));
    REQUIRE(jwt);
    CHECK(jwt->audience().size() == 2);
  }

  TEST_CASE_FIXTURE(Fixture, "expiry within the skew is still accepted") {
    auto c = Claims();
    c["exp"] = kNow - 59;
    CHECK(Verify(Token(c)));
  }

  TEST_CASE_FIXTURE(Fixture, "an expired token is rejected") {
    auto c = Claims();
    c["exp"] = kNow - 60;
    CHECK(CodeOf(c) == ErrorCode::kExpired);
    c["exp"] = kNow - 100000;
    CHECK(CodeOf(c) == ErrorCode::kExpired);
  }

  TEST_CASE_FIXTURE(Fixture, "a token becomes expired as the clock advances") {
    const std::string token = Token(Claims());
    CHECK(Verify(token));
    clock.Advance(360);
    const auto r = Verify(token);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kExpired);
  }

  TEST_CASE_FIXTURE(Fixture, "a missing exp is rejected") {
    auto c = Claims();
    c.erase("exp");
    CHECK(CodeOf(c) == ErrorCode::kMalformed);
  }

  TEST_CASE_FIXTURE(Fixture, "a missing exp is accepted only when the validator allows it") {
    auto c = Claims();
    c.erase("exp");
    ClaimsValidator lax(clock, {kIssuer, kAudience, 60, /*require_exp=*/false});
    CHECK(VerifyJwt(Token(c), keys, "at+jwt", lax));
  }

  TEST_CASE_FIXTURE(Fixture, "nbf in the future beyond the skew is rejected") {
    auto c = Claims();
    c["nbf"] = kNow + 61;
    CHECK(CodeOf(c) == ErrorCode::kNotYetValid);
    c["nbf"] = kNow + 60;
    CHECK(Verify(Token(c)));
  }

  TEST_CASE_FIXTURE(Fixture, "iat in the future beyond the skew is rejected") {
    auto c = Claims();
    c["iat"] = kNow + 3600;
    CHECK(CodeOf(c) == ErrorCode::kNotYetValid);
  }

  TEST_CASE_FIXTURE(Fixture, "a wrong issuer is rejected") {
    auto c = Claims();
    c["iss"] = "http://evil.localhost";
    CHECK(CodeOf(c) == ErrorCode::kInvalidIssuer);
    c.erase("iss");
    CHECK(CodeOf(c) == ErrorCode::kInvalidIssuer);
  }

  TEST_CASE_FIXTURE(Fixture, "a wrong or missing audience is rejected") {
    auto c = Claims();
    c["aud"] = "https://other.example";
    CHECK(CodeOf(c) == ErrorCode::kInvalidAudience);
    c["aud"] = nlohmann::json::array();
    CHECK(CodeOf(c) == ErrorCode::kInvalidAudience);
    c.erase("aud");
    CHECK(CodeOf(c) == ErrorCode::kInvalidAudience);
  }

  TEST_CASE_FIXTURE(Fixture, "claims of the wrong JSON type are rejected") {
    for (const char* name : {"exp", "nbf", "iat"}) {
      auto c = Claims();
      c[name] = std::to_string(kNow + 100);
      CHECK(CodeOf(c) == ErrorCode::kMalformed);
    }
    auto fractional = Claims();
    fractional["exp"] = static_cast<double>(kNow) + 300.5;
    CHECK(CodeOf(fractional) == ErrorCode::kMalformed);
    auto huge = Claims();
    huge["exp"] = UINT64_MAX;
    CHECK(CodeOf(huge) == ErrorCode::kMalformed);
    for (const char* name : {"iss", "sub", "jti", "scope", "client_id"}) {
      auto c = Claims();
      c[name] = 7;
      CHECK(CodeOf(c) == ErrorCode::kMalformed);
    }
    auto aud = Claims();
    aud["aud"] = {kAudience, 1};
    CHECK(CodeOf(aud) == ErrorCode::kMalformed);
    auto cnf = Claims();
    cnf["cnf"] = "jkt";
    CHECK(CodeOf(cnf) == ErrorCode::kMalformed);
    cnf["cnf"] = {{"jkt", 1}};
    CHECK(CodeOf(cnf) == ErrorCode::kMalformed);
  }

  TEST_CASE_FIXTURE(Fixture, "extreme NumericDates do not overflow into acceptance") {
    auto c = Claims();
    c["exp"] = INT64_MIN;
    CHECK(CodeOf(c) == ErrorCode::kExpired);
    c = Claims();
    c["nbf"] = INT64_MAX;
    CHECK(CodeOf(c) == ErrorCode::kNotYetValid);
  }

  TEST_CASE_FIXTURE(Fixture, "a wrong typ is rejected") {
    auto t = SignJwt(Claims(), "JWT", kid, key);
    REQUIRE(t);
    CHECK(Verify(*t).error().code() == ErrorCode::kInvalidToken);
    auto dpop = SignJwt(Claims(), "dpop+jwt", kid, key);
    CHECK_FALSE(Verify(*dpop));
  }

  TEST_CASE_FIXTURE(Fixture, "a token signed by an unknown key is rejected") {
    auto forged = SignJwt(Claims(), "at+jwt", kid, other);
    REQUIRE(forged);
    CHECK(Verify(*forged).error().code() == ErrorCode::kBadSignature);
    auto unknown = SignJwt(Claims(), "at+jwt", KidForEd25519(other.public_key()), other);
    CHECK(Verify(*unknown).error().code() == ErrorCode::kInvalidToken);
  }

  TEST_CASE_FIXTURE(Fixture, "duplicate claims are rejected") {
    const std::string token = SignRaw(
        RawHeader(),
        R"({"iss":"http://notme.localhost","aud":"https://api.example.com","exp":1800000300,)"
        R"("exp":1900000000})",
        key);
    const auto r = Verify(token);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kMalformed);
    CHECK(r.error().message().find("duplicate member \"exp\"") != std::string::npos);
  }

  TEST_CASE_FIXTURE(Fixture, "duplicate nested claims are rejected") {
    const std::string token = SignRaw(
        RawHeader(),
        R"({"iss":"http://notme.localhost","aud":"https://api.example.com","exp":1800000300,)"
        R"("cnf":{"jkt":"a","jkt":"b"}})",
        key);
    CHECK_FALSE(Verify(token));
  }

  TEST_CASE_FIXTURE(Fixture, "claims that are not a JSON object are rejected") {
    CHECK_FALSE(Verify(SignRaw(RawHeader(), "[1,2]", key)));
    CHECK_FALSE(Verify(SignRaw(RawHeader(), "", key)));
    CHECK_FALSE(Verify(SignRaw(RawHeader(), R"({"exp":1800000300} trailing)", key)));
    CHECK_FALSE(Verify(SignRaw(RawHeader(), "{\"sub\":\"\xc3\x28\"}", key)));
  }

  TEST_CASE_FIXTURE(Fixture, "deeply nested claims are rejected") {
    const auto r = Verify(SignRaw(
        RawHeader(),
        R"({"iss":"http://notme.localhost","aud":"https://api.example.com","exp":1800000300,)"
        R"("x":[[[[[[[[1]]]]]]]]})",
        key));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE_FIXTURE(Fixture, "the skew is capped at 300 seconds") {
    ClaimsValidator generous(clock, {kIssuer, kAudience, /*max_skew_seconds=*/86400, true});
    CHECK(generous.options().max_skew_seconds == kMaxSkewSeconds);
    auto c = Claims();
    c["exp"] = kNow - 301;
    CHECK_FALSE(VerifyJwt(Token(c), keys, "at+jwt", generous));
    c["exp"] = kNow - 299;
    CHECK(VerifyJwt(Token(c), keys, "at+jwt", generous));
  }

  TEST_CASE_FIXTURE(Fixture, "a negative skew is treated as zero") {
    ClaimsValidator strict(clock, {kIssuer, kAudience, -50, true});
    auto c = Claims();
    c["exp"] = kNow + 1;
    CHECK(VerifyJwt(Token(c), keys, "at+jwt", strict));
    c["exp"] = kNow;
    CHECK_FALSE(VerifyJwt(Token(c), keys, "at+jwt", strict));
  }

  TEST_CASE_FIXTURE(Fixture, "SignJwt refuses claims that are not an object") {
    CHECK(SignJwt(nlohmann::json::array(), "at+jwt", kid, key).error().code() ==
          ErrorCode::kInvalidArgument);
  }

  TEST_CASE_FIXTURE(Fixture, "SignJwtText gives SignJwt's token byte for byte") {
    // Its header is written member by member, not dumped from a tree: the bytes (and so
    // the signature, Ed25519 being deterministic) must not differ.
    const std::string claims = DumpCompact(Claims());
    for (const auto& [typ, k] : {std::pair<std::string, std::string>{"at+jwt", kid},
                                 {"", kid},
                                 {"at+jwt", ""},
                                 {"", ""},
                                 {"a\"b", "k\u00e9\n"}}) {
      const auto text = SignJwtText(claims, typ, k, key);
      const auto tree = SignJwt(Claims(), typ, k, key);
      REQUIRE(text);
      REQUIRE(tree);
      CHECK(*text == *tree);
    }
    CHECK(VerifyJwt(*SignJwtText(claims, "at+jwt", kid, key), keys, "at+jwt", validator));
  }

  TEST_CASE_FIXTURE(Fixture, "SignJwtText refuses text that is not delimited as an object") {
    for (const char* bad : {"", "{", "}", "[]", "\"{}\"", " {}", "{} ", "null"}) {
      CAPTURE(bad);
      const auto r = SignJwtText(bad, "at+jwt", kid, key);
      REQUIRE_FALSE(r);
      CHECK(r.error().code() == ErrorCode::kInvalidArgument);
    }
  }

  TEST_CASE_FIXTURE(Fixture, "SignJwtText refuses a token over the size limit") {
    const std::string claims = "{\"x\":\"" + std::string(kMaxCompactJwsBytes, 'a') + "\"}";
    const auto r = SignJwtText(claims, "at+jwt", kid, key);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kTooLarge);
  }
}

}  // namespace
}  // namespace notme::jose
