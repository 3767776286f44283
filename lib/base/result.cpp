#include "notme/result.h"

namespace notme {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kBadSignature: return "bad_signature";
    case ErrorCode::kInvalidKey: return "invalid_key";
    case ErrorCode::kExpired: return "expired";
    case ErrorCode::kNotYetValid: return "not_yet_valid";
    case ErrorCode::kInvalidIssuer: return "invalid_issuer";
    case ErrorCode::kInvalidAudience: return "invalid_audience";
    case ErrorCode::kReplay: return "replay";
    case ErrorCode::kInvalidDpopProof: return "invalid_dpop_proof";
    case ErrorCode::kUseDpopNonce: return "use_dpop_nonce";
    case ErrorCode::kInvalidClient: return "invalid_client";
    case ErrorCode::kInvalidScope: return "invalid_scope";
    case ErrorCode::kInvalidTarget: return "invalid_target";
    case ErrorCode::kInvalidRequest: return "invalid_request";
    case ErrorCode::kInvalidToken: return "invalid_token";
    case ErrorCode::kUnsupportedGrantType: return "unsupported_grant_type";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kUnsafePath: return "unsafe_path";
    case ErrorCode::kConfig: return "config";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kUpstream: return "upstream";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kDaemonUnreachable: return "daemon_unreachable";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace notme
