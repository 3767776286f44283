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

  TEST_CASE("a service-signed identity_assertion answer of the service guide parses") {
    auto r = ParseRegistrationResponse(R"({"registration_id":"reg_01","registration_type":"anonymous",
      "identity_assertion":"eyJ.x.y","assertion_expires":"2026-04-22T12:34:56.789Z",
      "pre_claim_scopes":["api.read"],"claim_url":"/agent/register/claim","claim_token":"clm_abc",
      "claim_token_expires":"2026-04-22T12:34:56.789Z","post_claim_scopes":["api.read","api.write"]})");
    REQUIRE(r);
    CHECK(Reveal(*r->identity_assertion) == "eyJ.x.y");
    CHECK_FALSE(r->credential);
    CHECK(*r->assertion_expires == 1776861296);
    CHECK(r->scopes == std::vector<std::string>{"api.read"});
  }

  TEST_CASE("an answer with both a credential and an identity_assertion is refused") {
    auto r = ParseRegistrationResponse(
        R"({"registration_id":"r","credential_type":"api_key","credential":"k","identity_assertion":"a.b.c"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kMalformed);
  }

  TEST_CASE("a bad identity_assertion is refused without echoing it") {
    for (std::string bad : {std::string(R"("ey\r\nX: 1")"), std::string(R"("")"), std::string("7"),
                            std::string(R"(["ey"])"), "\"" + std::string(kMaxAssertionBytes + 1, 'e') + "\""}) {
      CAPTURE(bad.substr(0, 40));
      auto r = ParseRegistrationResponse(R"({"registration_id":"r","identity_assertion":)" + bad + "}");
      REQUIRE_FALSE(r);
      CHECK(r.error().message().find("ey") == std::string::npos);
    }
  }

  TEST_CASE("a malformed assertion_expires is refused") {
    CHECK_FALSE(ParseRegistrationResponse(
        R"({"registration_id":"r","identity_assertion":"a.b.c","assertion_expires":"soon"})"));
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

  TEST_CASE("an email claim completion of the service guide carries an identity_assertion") {
    auto r = ParseClaimCompleteResponse(R"({"registration_id":"reg_1","status":"claimed",
      "identity_assertion":"a.b.c","assertion_expires":"2026-05-04T13:00:00.000Z"})");
    REQUIRE(r);
    CHECK(Reveal(*r->identity_assertion) == "a.b.c");
    CHECK(r->assertion_expires);
  }

  TEST_CASE("a completion with both a credential and an identity_assertion is refused") {
    CHECK_FALSE(ParseClaimCompleteResponse(R"({"registration_id":"reg_1","status":"claimed",
      "credential_type":"api_key","credential":"k","identity_assertion":"a.b.c"})"));
  }

  TEST_CASE("a completion whose status is not claimed is refused") {
    CHECK_FALSE(ParseClaimCompleteResponse(R"({"registration_id":"reg_1","status":"pending"})"));
    CHECK_FALSE(ParseClaimCompleteResponse(R"({"registration_id":"reg_1"})"));
  }
}

TEST_SUITE("TokenResponse") {
  TEST_CASE("an RFC 6749 token answer parses") {
    auto r = ParseTokenResponse(R"({"access_token":"at_1","token_type":"Bearer","expires_in":3600,"scope":"api.read  api.write"})");
    REQUIRE(r);
    CHECK(Reveal(r->access_token) == "at_1");
    CHECK(*r->expires_in == 3600);
    CHECK(r->scopes == std::vector<std::string>{"api.read", "api.write"});
  }

  TEST_CASE("the token type is case-insensitive and expiry optional") {
    auto r = ParseTokenResponse(R"({"access_token":"at_1","token_type":"bEaReR"})");
    REQUIRE(r);
    CHECK_FALSE(r->expires_in);
  }

  TEST_CASE("a token type other than Bearer is refused") {
    auto r = ParseTokenResponse(R"({"access_token":"at_1","token_type":"DPoP"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
  }

  TEST_CASE("a token that could inject a header is refused without echoing it") {
    auto r = ParseTokenResponse(R"({"access_token":"at\r\nX-Evil: 1","token_type":"Bearer"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("Evil") == std::string::npos);
  }

  TEST_CASE("malformed token answers are refused") {
    for (std::string bad : {std::string("{"), std::string("[]"), std::string(R"({"token_type":"Bearer"})"),
                            std::string(R"({"access_token":"a"})"),
                            std::string(R"({"access_token":5,"token_type":"Bearer"})"),
                            std::string(R"({"access_token":"a","token_type":"Bearer","expires_in":0})"),
                            std::string(R"({"access_token":"a","token_type":"Bearer","expires_in":-5})"),
                            std::string(R"({"access_token":"a","token_type":"Bearer","expires_in":"3600"})"),
                            std::string(R"({"access_token":"a","token_type":"Bearer","expires_in":1.5})"),
                            std::string(R"({"access_token":"a","token_type":"Bearer","expires_in":99999999999})"),
                            std::string(R"({"access_token":"a","token_type":"Bearer","scope":["a"]})"),
                            std::string(R"({"access_token":"a","access_token":"b","token_type":"Bearer"})"),
                            std::string(R"({"access_token":"a","token_type":"Bearer","x":")") + std::string(70000, 'x') + "\"}"}) {
      CAPTURE(bad.substr(0, 80));
      CHECK_FALSE(ParseTokenResponse(bad));
    }
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
                          Case{"anonymous_not_enabled", 400, ErrorCode::kUnsupported, "anonymous"},
                          Case{"verified_email_not_enabled", 400, ErrorCode::kUnsupported, "email"},
                          Case{"issuer_not_enabled", 400, ErrorCode::kUnsupported, "trust"},
                          Case{"invalid_signature", 400, ErrorCode::kBadSignature, "trust list"},
                          Case{"credential_expired", 400, ErrorCode::kExpired, "expired"},
                          Case{"unsupported_credential_type", 400, ErrorCode::kUnsupported, "credential type"},
                          Case{"claimed_or_in_flight", 409, ErrorCode::kAlreadyExists, "claim"},
                          Case{"invalid_grant", 400, ErrorCode::kInvalidToken, "register again"},
                          Case{"insufficient_user_authentication", 400, ErrorCode::kPermissionDenied, "--otp"},
                          Case{"unsupported_grant_type", 400, ErrorCode::kUnsupported, "JWT-bearer"}}) {
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
