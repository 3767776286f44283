#include "registration/service_response.h"

#include <doctest/doctest.h>

#include <string>

using notme::ErrorCode;
using namespace notme::registration;

namespace {
std::string Reveal(const notme::crypto::SecretBytes& s) {
  return s.RevealForCrypto([](std::span<const uint8_t> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  });
}
}  // namespace

TEST_SUITE("RegistrationResponse") {
  TEST_CASE("an anonymous answer yields the credential and the claim token") {
    auto r = ParseRegistrationResponse(R"({
      "registration_id": "reg_1", "registration_type": "anonymous",
      "credential_type": "api_key", "credential": "sk_test_abc", "credential_expires": null,
      "scopes": ["api.read"], "claim_url": "https://auth.example/agent/auth/claim",
      "claim_token": "clm_xyz", "claim_token_expires": "2026-05-21T17:26:32.915Z",
      "post_claim_scopes": ["api.read", "api.write"]})");
    REQUIRE(r);
    CHECK(r->registration_id == "reg_1");
    CHECK(Reveal(*r->credential) == "sk_test_abc");
    CHECK(Reveal(*r->claim_token) == "clm_xyz");
    CHECK_FALSE(r->credential_expires);
    CHECK(*r->claim_token_expires == 1779384392);
    CHECK(r->post_claim_scopes.size() == 2);
  }

  TEST_CASE("an email answer has a claim token and no credential") {
    auto r = ParseRegistrationResponse(R"({"registration_id":"reg_2","registration_type":"email-verification",
      "claim_token":"clm_1","claim_token_expires":"2026-05-21T17:31:25+02:00"})");
    REQUIRE(r);
    CHECK_FALSE(r->credential);
    CHECK(*r->claim_token_expires == 1779377485);
  }

  TEST_CASE("an answer with neither credential nor claim token is refused") {
    auto r = ParseRegistrationResponse(R"({"registration_id":"reg_3"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kMalformed);
  }

  TEST_CASE("an identity_assertion-only answer is reported as unsupported") {
    auto r = ParseRegistrationResponse(R"({"registration_id":"reg_3","identity_assertion":"eyJ.x.y"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
  }

  TEST_CASE("a credential that could inject a header is refused without echoing it") {
    for (const char* cred : {"sk\\r\\nX-Evil: 1", "sk with space", "", "sk\\u0000"}) {
      CAPTURE(cred);
      auto r = ParseRegistrationResponse(std::string(R"({"registration_id":"r","credential_type":"api_key","credential":")") +
                                         cred + "\"}");
      REQUIRE_FALSE(r);
      CHECK(r.error().message().find("sk") == std::string::npos);
    }
  }

  TEST_CASE("an oversized credential is refused") {
    auto r = ParseRegistrationResponse(R"({"registration_id":"r","credential_type":"api_key","credential":")" +
                                       std::string(5000, 'k') + "\"}");
    CHECK_FALSE(r);
  }

  TEST_CASE("a credential without a type is refused") {
    CHECK_FALSE(ParseRegistrationResponse(R"({"registration_id":"r","credential":"k"})"));
  }

  TEST_CASE("malformed and oversized answers are refused") {
    for (std::string bad : {std::string("not json"), std::string("[]"), std::string(R"({"registration_id":5,"credential":"k","credential_type":"api_key"})"),
                            std::string(R"({"registration_id":"r","credential":7,"credential_type":"api_key"})"),
                            std::string(R"({"registration_id":"r","credential":"k","credential_type":"api_key","credential_expires":"tomorrow"})"),
                            std::string(R"({"registration_id":"r","credential":"k","credential_type":"api_key","scopes":"a"})"),
                            std::string(R"({"registration_id":"r","credential":"k","credential":"j","credential_type":"api_key"})"),
                            std::string(R"({"registration_id":"r","credential":"k","credential_type":"api_key","x":)") + std::string(70000, '1') + "}"}) {
      CAPTURE(bad.substr(0, 80));
      CHECK_FALSE(ParseRegistrationResponse(bad));
    }
  }
}

TEST_SUITE("ClaimResponses") {
  TEST_CASE("a claim start answer parses") {
    auto r = ParseClaimStartResponse(R"({"registration_id":"reg_1","claim_attempt_id":"cla_1","status":"initiated","expires_at":"2026-05-04T12:10:00.000Z"})");
    REQUIRE(r);
    CHECK(r->status == "initiated");
  }

  TEST_CASE("an anonymous claim completion upgrades in place") {
    auto r = ParseClaimCompleteResponse(R"({"registration_id":"reg_1","status":"claimed"})");
    REQUIRE(r);
    CHECK_FALSE(r->credential);
  }

  TEST_CASE("an email claim completion carries the credential") {
    auto r = ParseClaimCompleteResponse(R"({"registration_id":"reg_1","status":"claimed","credential_type":"access_token","credential":"at_1","scopes":["a"]})");
    REQUIRE(r);
    CHECK(Reveal(*r->credential) == "at_1");
  }

  TEST_CASE("a completion whose status is not claimed is refused") {
    CHECK_FALSE(ParseClaimCompleteResponse(R"({"registration_id":"reg_1","status":"pending"})"));
    CHECK_FALSE(ParseClaimCompleteResponse(R"({"registration_id":"reg_1"})"));
  }
}

TEST_SUITE("ServiceError") {
  TEST_CASE("documented error codes become plain words") {
    struct Case {
      const char* code;
      int status;
      ErrorCode expected;
      const char* word;
    };
    for (const Case& c : {Case{"otp_invalid", 401, ErrorCode::kInvalidArgument, "re-read"},
                          Case{"otp_expired", 410, ErrorCode::kExpired, "expired"},
                          Case{"claim_expired", 410, ErrorCode::kExpired, "register again"},
                          Case{"previously_claimed", 409, ErrorCode::kAlreadyExists, "already claimed"},
                          Case{"invalid_claim_token", 400, ErrorCode::kInvalidToken, "register again"},
                          Case{"replay_detected", 400, ErrorCode::kReplay, "before"},
                          Case{"audience_mismatch", 400, ErrorCode::kInvalidAudience, "someone else"},
                          Case{"rate_limited", 429, ErrorCode::kUnavailable, "rate-limiting"},
                          Case{"anonymous_not_enabled", 400, ErrorCode::kUnsupported, "anonymous"}}) {
      CAPTURE(c.code);
      auto e = ServiceErrorToError(ParseServiceError(c.status, std::string(R"({"error":")") + c.code + R"(","message":"x"})"));
      CHECK(e.code() == c.expected);
      CHECK(e.message().find(c.word) != std::string::npos);
      CHECK(e.message().find(c.code) != std::string::npos);
    }
  }

  TEST_CASE("a bare 429 is a rate limit") {
    auto e = ServiceErrorToError(ParseServiceError(429, ""));
    CHECK(e.code() == ErrorCode::kUnavailable);
  }

  TEST_CASE("an unknown or unparsable error keeps the status") {
    auto e = ServiceErrorToError(ParseServiceError(503, "<html>"));
    CHECK(e.code() == ErrorCode::kUpstream);
    CHECK(e.message().find("503") != std::string::npos);
  }

  TEST_CASE("an error description is cut and made printable") {
    auto se = ParseServiceError(400, R"({"error":"x","error_description":"a\u0001)" + std::string(500, 'b') + "\"}");
    CHECK(se.description.size() == 200);
    CHECK(se.description[1] == '?');
  }
}
