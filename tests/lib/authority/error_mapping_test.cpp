#include "authority/error_mapping.h"

#include <doctest/doctest.h>

namespace notme::authority {
namespace {

TEST_SUITE("ErrorMapping") {
  TEST_CASE("token endpoint errors map to RFC 6749 and RFC 9449 codes") {
    struct Row {
      ErrorCode code;
      int status;
      std::string_view error;
    };
    const Row rows[] = {
        {ErrorCode::kInvalidDpopProof, 400, "invalid_dpop_proof"},
        {ErrorCode::kReplay, 400, "invalid_dpop_proof"},
        {ErrorCode::kUseDpopNonce, 400, "use_dpop_nonce"},
        {ErrorCode::kInvalidClient, 401, "invalid_client"},
        {ErrorCode::kInvalidScope, 400, "invalid_scope"},
        {ErrorCode::kInvalidTarget, 400, "invalid_target"},
        {ErrorCode::kInvalidRequest, 400, "invalid_request"},
        {ErrorCode::kMalformed, 400, "invalid_request"},
        {ErrorCode::kTooLarge, 400, "invalid_request"},
        {ErrorCode::kUnsupportedGrantType, 400, "unsupported_grant_type"},
        {ErrorCode::kInvalidToken, 401, "invalid_token"},
        {ErrorCode::kExpired, 401, "invalid_token"},
        {ErrorCode::kBadSignature, 401, "invalid_token"},
        {ErrorCode::kPermissionDenied, 403, "permission_denied"},
        {ErrorCode::kNotFound, 404, "not_found"},
        {ErrorCode::kAlreadyExists, 409, "already_exists"},
        {ErrorCode::kUnavailable, 503, "temporarily_unavailable"},
        {ErrorCode::kInternal, 500, "server_error"},
        {ErrorCode::kIo, 500, "server_error"},
        {ErrorCode::kConfig, 500, "server_error"},
    };
    for (const Row& row : rows) {
      CAPTURE(ErrorCodeName(row.code));
      const HttpError mapped = MapError(row.code);
      CHECK(mapped.status == row.status);
      CHECK(mapped.error == row.error);
    }
  }

  TEST_CASE("only invalid_token asks for a challenge at the token endpoint") {
    CHECK(MapError(ErrorCode::kInvalidToken).www_authenticate);
    CHECK_FALSE(MapError(ErrorCode::kInvalidDpopProof).www_authenticate);
    CHECK_FALSE(MapError(ErrorCode::kUseDpopNonce).www_authenticate);
    CHECK_FALSE(MapError(ErrorCode::kInvalidClient).www_authenticate);
  }

  TEST_CASE("a protected resource answers proof and nonce problems with 401 and a challenge") {
    for (ErrorCode code : {ErrorCode::kInvalidDpopProof, ErrorCode::kUseDpopNonce,
                           ErrorCode::kInvalidToken, ErrorCode::kExpired}) {
      const HttpError mapped = MapError(code, ErrorContext::kProtectedResource);
      CHECK(mapped.status == 401);
      CHECK(mapped.www_authenticate);
    }
  }

  TEST_CASE("a protected resource answers a missing scope with 403 insufficient_scope") {
    const HttpError mapped = MapError(ErrorCode::kInvalidScope, ErrorContext::kProtectedResource);
    CHECK(mapped.status == 403);
    CHECK(mapped.error == "insufficient_scope");
    CHECK(mapped.www_authenticate);
  }

  TEST_CASE("every error code maps to a status between 400 and 599") {
    for (int i = 0; i <= static_cast<int>(ErrorCode::kDaemonUnreachable); ++i) {
      const HttpError mapped = MapError(static_cast<ErrorCode>(i));
      CHECK(mapped.status >= 400);
      CHECK(mapped.status < 600);
      CHECK_FALSE(mapped.error.empty());
    }
  }

  TEST_CASE("the error body carries error and a sanitised description") {
    const Error e(ErrorCode::kInvalidScope, "scope \"x\\y\" not allowed\r\nSet-Cookie: a");
    const nlohmann::json body = ErrorResponseJson(e);
    CHECK(body.size() == 2);
    CHECK(body["error"] == "invalid_scope");
    const std::string description = body["error_description"];
    CHECK(description.find('"') == std::string::npos);
    CHECK(description.find('\\') == std::string::npos);
    CHECK(description.find('\r') == std::string::npos);
    CHECK(description.find('\n') == std::string::npos);
  }

  TEST_CASE("a long description is cut to 200 characters") {
    const Error e(ErrorCode::kInvalidRequest, std::string(1000, 'a'));
    CHECK(ErrorDescription(e).size() == 200);
  }

  TEST_CASE("an internal error's detail is not sent to the client") {
    const Error e(ErrorCode::kInternal, "assertion at /home/u/notme/x.cpp:12");
    const std::string description = ErrorResponseJson(e)["error_description"];
    CHECK(description.find("x.cpp") == std::string::npos);
  }

  TEST_CASE("the challenge names the error and the accepted algorithms") {
    const Error e(ErrorCode::kUseDpopNonce, "nonce required");
    CHECK(WwwAuthenticate(e) ==
          "DPoP error=\"use_dpop_nonce\", error_description=\"nonce required\", "
          "algs=\"EdDSA ES256\"");
    CHECK(WwwAuthenticateNoCredentials() == "DPoP algs=\"EdDSA ES256\"");
  }

  TEST_CASE("a hostile message cannot break out of the challenge's quoted string") {
    const Error e(ErrorCode::kInvalidToken, "a\", x=\"y\r\nInjected: 1");
    const std::string header = WwwAuthenticate(e);
    CHECK(header.find('\r') == std::string::npos);
    CHECK(header.find('\n') == std::string::npos);
    CHECK(header.find("x=\"y") == std::string::npos);
  }
}

}  // namespace
}  // namespace notme::authority
