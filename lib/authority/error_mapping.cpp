#include "authority/error_mapping.h"

#include <algorithm>
#include <cstddef>

namespace notme::authority {
namespace {

constexpr size_t kMaxDescription = 200;
constexpr std::string_view kDpopAlgs = "EdDSA ES256";

bool IsResource(ErrorContext context) { return context == ErrorContext::kProtectedResource; }

// RFC 6749 §5.2: error_description is restricted to %x20-21 / %x23-5B / %x5D-7E, which
// also keeps it safe inside an RFC 7235 quoted-string.
bool IsDescriptionChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u <= 0x7e && c != '"' && c != '\\';
}

}  // namespace

HttpError MapError(ErrorCode code, ErrorContext context) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kTooLarge:
    case ErrorCode::kUnsupported:
    case ErrorCode::kInvalidRequest:
      return {400, "invalid_request", false};
    // A token that fails verification for any reason is "invalid_token" (RFC 6750 §3.1);
    // the resource answers 401 with a challenge. On the authorization server only
    // introspection/revocation see tokens, and they answer without an error (RFC 7662
    // active:false, RFC 7009 200), so 401 there only reaches callers of /v1 endpoints.
    case ErrorCode::kBadSignature:
    case ErrorCode::kInvalidKey:
    case ErrorCode::kExpired:
    case ErrorCode::kNotYetValid:
    case ErrorCode::kInvalidIssuer:
    case ErrorCode::kInvalidAudience:
    case ErrorCode::kInvalidToken:
      return {401, "invalid_token", true};
    // RFC 9449 §5 (token endpoint: 400) and §7.1 (resource: 401 + challenge). A replayed
    // proof is an invalid proof (§11.1).
    case ErrorCode::kReplay:
    case ErrorCode::kInvalidDpopProof:
      return IsResource(context) ? HttpError{401, "invalid_dpop_proof", true}
                                 : HttpError{400, "invalid_dpop_proof", false};
    // RFC 9449 §8 (token endpoint: 400 + DPoP-Nonce) and §9 (resource: 401 + challenge).
    case ErrorCode::kUseDpopNonce:
      return IsResource(context) ? HttpError{401, "use_dpop_nonce", true}
                                 : HttpError{400, "use_dpop_nonce", false};
    // RFC 6749 §5.2. The client is identified by its socket, not an Authorization
    // header, so no challenge applies.
    case ErrorCode::kInvalidClient:
      return {401, "invalid_client", false};
    // At a resource, a token without the needed scope is RFC 6750 §3.1
    // insufficient_scope; at the token endpoint, RFC 6749 §5.2 invalid_scope.
    case ErrorCode::kInvalidScope:
      return IsResource(context) ? HttpError{403, "insufficient_scope", true}
                                 : HttpError{400, "invalid_scope", false};
    case ErrorCode::kInvalidTarget:  // RFC 8707 §2
      return {400, "invalid_target", false};
    case ErrorCode::kUnsupportedGrantType:
      return {400, "unsupported_grant_type", false};
    case ErrorCode::kPermissionDenied:
      return {403, "permission_denied", false};
    case ErrorCode::kNotFound:
      return {404, "not_found", false};
    case ErrorCode::kAlreadyExists:
      return {409, "already_exists", false};
    case ErrorCode::kUnavailable:  // RFC 6749 §4.1.2.1 name
    case ErrorCode::kDaemonUnreachable:
      return {503, "temporarily_unavailable", false};
    case ErrorCode::kUpstream:
      return {502, "bad_gateway", false};
    case ErrorCode::kTimeout:
      return {504, "gateway_timeout", false};
    case ErrorCode::kUnsafePath:
    case ErrorCode::kConfig:
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      return {500, "server_error", false};
  }
  return {500, "server_error", false};
}

std::string ErrorDescription(const Error& error) {
  // A bug's detail is for the daemon's log, not the caller.
  if (error.code() == ErrorCode::kInternal) return "internal error; see the daemon's log";
  std::string out;
  const std::string& message = error.message();
  out.reserve(std::min(message.size(), kMaxDescription));
  for (char c : message) {
    if (out.size() == kMaxDescription) break;
    out.push_back(IsDescriptionChar(c) ? c : '?');
  }
  return out;
}

nlohmann::json ErrorResponseJson(const Error& error, ErrorContext context) {
  nlohmann::json body = nlohmann::json::object();
  body["error"] = std::string(MapError(error.code(), context).error);
  body["error_description"] = ErrorDescription(error);
  return body;
}

std::string WwwAuthenticate(const Error& error, ErrorContext context) {
  std::string out = "DPoP error=\"";
  out += MapError(error.code(), context).error;
  out += "\", error_description=\"";
  out += ErrorDescription(error);
  out += "\", algs=\"";
  out += kDpopAlgs;
  out += '"';
  return out;
}

std::string WwwAuthenticateNoCredentials() {
  // RFC 6750 §3.1: no error code when the request carried no authentication.
  std::string out = "DPoP algs=\"";
  out += kDpopAlgs;
  out += '"';
  return out;
}

}  // namespace notme::authority
