#pragma once
// The answers of a registration service (AUTH.md "Step 3", "Step 4", "Errors"), parsed
// strictly. Credentials and claim tokens go straight into SecretBytes; the parser wipes
// its own copies, and the caller wipes the body it passed (WipeString). A credential or
// claim token must be 1..4096 visible ASCII characters: it is later put in an HTTP header,
// so CR, LF, spaces or controls would be header injection. Stateless and thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret_bytes.h"
#include "notme/result.h"

namespace notme::registration {

inline constexpr size_t kMaxResponseBytes = 64 * 1024;
inline constexpr size_t kMaxCredentialBytes = 4096;
inline constexpr size_t kMaxAssertionBytes = 8192;

struct RegistrationResponse {
  std::string registration_id;    // required, printable, at most 256 bytes
  std::string registration_type;  // "anonymous", "email-verification", "agent-provider", ...
  std::string credential_type;    // "api_key" / "access_token"; "" when no credential yet
  std::optional<crypto::SecretBytes> credential;
  std::optional<int64_t> credential_expires;  // Unix seconds; nullopt: none given / null
  std::vector<std::string> scopes;
  std::optional<crypto::SecretBytes> claim_token;
  std::optional<int64_t> claim_token_expires;
  std::vector<std::string> post_claim_scopes;
  // The agent-services guide's variant: a service-signed JWT (RFC 7523 assertion) to be
  // exchanged at the AS token_endpoint instead of a credential. 1..8192 visible ASCII.
  std::optional<crypto::SecretBytes> identity_assertion;
  std::optional<int64_t> assertion_expires;
};

// Parses a 200 answer of register_uri. A response must carry a credential, an
// identity_assertion or a claim token (a claim token may come with either, never both of
// the first two); a credential_type is required with a credential. `scopes` falls back to
// `pre_claim_scopes`. Errors: kTooLarge, kMalformed (message names the member, never a value).
Result<RegistrationResponse> ParseRegistrationResponse(std::string_view body);

struct ClaimStartResponse {
  std::string registration_id;
  std::string status;  // "initiated"
  std::optional<int64_t> expires_at;
};
Result<ClaimStartResponse> ParseClaimStartResponse(std::string_view body);

struct ClaimCompleteResponse {
  std::string registration_id;
  std::string status;  // must be "claimed"
  std::string credential_type;  // "" when the existing credential was upgraded in place
  std::optional<crypto::SecretBytes> credential;
  std::optional<int64_t> credential_expires;
  std::vector<std::string> scopes;
  std::optional<crypto::SecretBytes> identity_assertion;  // as in RegistrationResponse
  std::optional<int64_t> assertion_expires;
};
Result<ClaimCompleteResponse> ParseClaimCompleteResponse(std::string_view body);

// RFC 6749 §5.1 answer of the token endpoint to the RFC 7523 JWT-bearer grant.
struct TokenResponse {
  crypto::SecretBytes access_token;   // 1..4096 visible ASCII (it goes into a header)
  std::optional<int64_t> expires_in;  // seconds, > 0
  std::vector<std::string> scopes;    // `scope`, split on spaces
};
// Errors: kTooLarge, kMalformed (no access_token, bad expires_in), kUnsupported (a
// token_type other than Bearer: notme injects `Authorization: Bearer`).
Result<TokenResponse> ParseTokenResponse(std::string_view body);

// A non-2xx answer: `{"error": code, "message"|"error_description": text}`. Never fails:
// an unparsable or oversized body yields an empty code.
struct ServiceError {
  int status = 0;
  std::string code;         // e.g. "otp_invalid"; "" when the body named none
  std::string description;  // the service's text, cut to 200 printable characters
};
ServiceError ParseServiceError(int status, std::string_view body);

// The service's error in plain words with what to do next (AUTH.md "Errors"), as an
// Error: otp_invalid → kInvalidArgument, otp_expired/claim_expired/credential_expired →
// kExpired, previously_claimed → kAlreadyExists, replay_detected → kReplay,
// audience_mismatch/invalid_audience → kInvalidAudience, rate_limited/429 → kUnavailable,
// *_not_enabled/unsupported_credential_type/unsupported_grant_type → kUnsupported,
// invalid_grant → kInvalidToken, insufficient_user_authentication → kPermissionDenied,
// 5xx → kUpstream,
// anything else → kUpstream with the code and status.
Error ServiceErrorToError(const ServiceError& error);

// Overwrites a string's bytes with zeros (sodium_memzero) and clears it.
void WipeString(std::string& s);

}  // namespace notme::registration
