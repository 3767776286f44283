#pragma once
// The one place an ErrorCode becomes an HTTP status, an OAuth / notme error string and,
// where RFC 6750 §3 and RFC 9449 §7.1 ask for it, a `WWW-Authenticate: DPoP` challenge
// (STYLE.md "Errors"). The server layer calls these; nothing else maps errors to HTTP.
//
// Two contexts differ on the wire:
//  - the authorization server (`/token`, `/introspect`, `/revoke`, `/v1` management):
//    RFC 6749 §5.2 / RFC 9449 §5 JSON errors, 400 for proof problems;
//  - a protected resource reached with `Authorization: DPoP <token>` (`/v1/ssh/sign`, the
//    proxy): token and proof problems are 401 with a `WWW-Authenticate: DPoP` challenge,
//    a missing scope is 403 `insufficient_scope` (RFC 6750 §3.1, RFC 9449 §7.1).
// Stateless and thread-safe.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "notme/result.h"

namespace notme::authority {

enum class ErrorContext {
  kAuthorizationServer,
  kProtectedResource,
};

struct HttpError {
  int status;
  // The `error` member: an RFC 6749/6750/7009/8707/9449 code, or notme's own name for
  // errors those RFCs do not cover ("not_found", "permission_denied", ...).
  std::string_view error;
  // True when the response must carry `WWW-Authenticate` (see WwwAuthenticate()).
  bool www_authenticate;
};

// The status, error string and challenge flag for `code` in `context`.
HttpError MapError(ErrorCode code, ErrorContext context = ErrorContext::kAuthorizationServer);

// The `error_description` sent to a client: the error's message restricted to the
// characters RFC 6749 §5.2 allows (%x20-21 / %x23-5B / %x5D-7E; others become '?'),
// cut to 200 characters. kInternal gets a fixed text instead: a bug's detail is for the
// daemon's log. (Messages never carry secrets — STYLE.md — so the rest may be shown.)
std::string ErrorDescription(const Error& error);

// {"error": MapError(...).error, "error_description": ErrorDescription(...)}.
nlohmann::json ErrorResponseJson(const Error& error,
                                 ErrorContext context = ErrorContext::kAuthorizationServer);

// The `WWW-Authenticate` value for a DPoP-protected resource (RFC 9449 §7.1):
// `DPoP error="<error>", error_description="<description>", algs="EdDSA ES256"`, or
// `DPoP algs="EdDSA ES256"` when no error string applies (no credentials were sent).
// The description is already restricted to characters that are safe inside a quoted
// string, so no header injection is possible.
std::string WwwAuthenticate(const Error& error,
                            ErrorContext context = ErrorContext::kProtectedResource);
std::string WwwAuthenticateNoCredentials();

}  // namespace notme::authority
