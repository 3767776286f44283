#include "registration/service_response.h"

#include <sodium.h>

#include <algorithm>
#include <span>

#include "registration/json_fields.h"

namespace notme::registration {
namespace {

constexpr std::string_view kReg = "registration response";
constexpr std::string_view kClaim = "claim response";
constexpr std::string_view kToken = "token response";
constexpr int64_t kMaxExpiresIn = int64_t{10} * 365 * 24 * 3600;
constexpr int kResponseDepth = 4;

bool IsVisibleAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Moves a secret member into SecretBytes and zeroes the JSON document's copy.
Result<std::optional<crypto::SecretBytes>> TakeSecret(nlohmann::json& doc, std::string_view what,
                                                      std::string_view name,
                                                      size_t max_len = kMaxCredentialBytes) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return std::optional<crypto::SecretBytes>();
  if (!it->is_string()) {
    return Fail(ErrorCode::kMalformed, std::string(what) + ": member '" + std::string(name) + "' must be a string");
  }
  auto& s = it->get_ref<std::string&>();
  if (s.empty() || s.size() > max_len || !IsVisibleAscii(s)) {
    WipeString(s);
    return Fail(ErrorCode::kMalformed, std::string(what) + ": member '" + std::string(name) + "' must be 1.." +
                                           std::to_string(max_len) + " visible ASCII characters");
  }
  auto secret = crypto::SecretBytes::CopyFrom(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  WipeString(s);
  if (!secret) return Fail(secret.error());
  return std::optional<crypto::SecretBytes>(std::move(*secret));
}

Result<std::string> RegistrationId(const nlohmann::json& doc, std::string_view what) {
  NOTME_TRY(auto id, RequiredString(doc, what, "registration_id", 256));
  if (!IsVisibleAscii(id)) return Fail(ErrorCode::kMalformed, std::string(what) + ": registration_id is not printable");
  return id;
}

Result<std::vector<std::string>> Scopes(const nlohmann::json& doc, std::string_view what,
                                        std::string_view name) {
  return StringArray(doc, what, name, 64, 256);
}

std::string Printable(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

}  // namespace

void WipeString(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

Result<RegistrationResponse> ParseRegistrationResponse(std::string_view body) {
  NOTME_TRY(auto doc, ParseJsonDocument(body, kReg, kMaxResponseBytes, kResponseDepth));
  // Take the secrets first so every early return below leaves no copy behind.
  NOTME_TRY(auto credential, TakeSecret(doc, kReg, "credential"));
  NOTME_TRY(auto claim_token, TakeSecret(doc, kReg, "claim_token"));
  NOTME_TRY(auto assertion, TakeSecret(doc, kReg, "identity_assertion", kMaxAssertionBytes));
  RegistrationResponse out;
  out.credential = std::move(credential);
  out.claim_token = std::move(claim_token);
  out.identity_assertion = std::move(assertion);
  NOTME_TRY(out.registration_id, RegistrationId(doc, kReg));
  NOTME_TRY(auto type, OptionalString(doc, kReg, "registration_type", 64));
  out.registration_type = type.value_or("");
  NOTME_TRY(auto ctype, OptionalString(doc, kReg, "credential_type", 64, /*allow_null=*/true));
  out.credential_type = ctype.value_or("");
  NOTME_TRY(out.credential_expires, OptionalTimestamp(doc, kReg, "credential_expires"));
  NOTME_TRY(out.scopes, Scopes(doc, kReg, "scopes"));
  if (out.scopes.empty()) {
    // The agent-services guide names the anonymous pre-claim set `pre_claim_scopes`.
    NOTME_TRY(out.scopes, Scopes(doc, kReg, "pre_claim_scopes"));
  }
  NOTME_TRY(out.claim_token_expires, OptionalTimestamp(doc, kReg, "claim_token_expires"));
  NOTME_TRY(out.post_claim_scopes, Scopes(doc, kReg, "post_claim_scopes"));
  NOTME_TRY(out.assertion_expires, OptionalTimestamp(doc, kReg, "assertion_expires"));
  if (out.credential && out.identity_assertion) {
    return Fail(ErrorCode::kMalformed, "registration response carries both a credential and an identity_assertion");
  }
  if (!out.credential && !out.claim_token && !out.identity_assertion) {
    return Fail(ErrorCode::kMalformed,
                "registration response carries neither a credential, an identity_assertion nor a claim_token");
  }
  if (out.credential && out.credential_type.empty()) {
    return Fail(ErrorCode::kMalformed, "registration response: credential without credential_type");
  }
  return out;
}

Result<ClaimStartResponse> ParseClaimStartResponse(std::string_view body) {
  NOTME_TRY(auto doc, ParseJsonDocument(body, kClaim, kMaxResponseBytes, kResponseDepth));
  ClaimStartResponse out;
  NOTME_TRY(out.registration_id, RegistrationId(doc, kClaim));
  NOTME_TRY(auto status, OptionalString(doc, kClaim, "status", 64));
  out.status = status.value_or("");
  NOTME_TRY(out.expires_at, OptionalTimestamp(doc, kClaim, "expires_at"));
  return out;
}

Result<ClaimCompleteResponse> ParseClaimCompleteResponse(std::string_view body) {
  NOTME_TRY(auto doc, ParseJsonDocument(body, kClaim, kMaxResponseBytes, kResponseDepth));
  NOTME_TRY(auto credential, TakeSecret(doc, kClaim, "credential"));
  NOTME_TRY(auto assertion, TakeSecret(doc, kClaim, "identity_assertion", kMaxAssertionBytes));
  ClaimCompleteResponse out;
  out.credential = std::move(credential);
  out.identity_assertion = std::move(assertion);
  NOTME_TRY(out.registration_id, RegistrationId(doc, kClaim));
  NOTME_TRY(out.status, RequiredString(doc, kClaim, "status", 64));
  if (out.status != "claimed") {
    return Fail(ErrorCode::kMalformed, "claim response: status is '" + Printable(out.status, 64) + "', not 'claimed'");
  }
  NOTME_TRY(auto ctype, OptionalString(doc, kClaim, "credential_type", 64, /*allow_null=*/true));
  out.credential_type = ctype.value_or("");
  if (out.credential && out.credential_type.empty()) {
    return Fail(ErrorCode::kMalformed, "claim response: credential without credential_type");
  }
  if (out.credential && out.identity_assertion) {
    return Fail(ErrorCode::kMalformed, "claim response carries both a credential and an identity_assertion");
  }
  NOTME_TRY(out.credential_expires, OptionalTimestamp(doc, kClaim, "credential_expires"));
  NOTME_TRY(out.assertion_expires, OptionalTimestamp(doc, kClaim, "assertion_expires"));
  NOTME_TRY(out.scopes, Scopes(doc, kClaim, "scopes"));
  return out;
}

Result<TokenResponse> ParseTokenResponse(std::string_view body) {
  NOTME_TRY(auto doc, ParseJsonDocument(body, kToken, kMaxResponseBytes, kResponseDepth));
  NOTME_TRY(auto token, TakeSecret(doc, kToken, "access_token"));
  if (!token) return Fail(ErrorCode::kMalformed, "token response: access_token is missing");
  TokenResponse out{.access_token = std::move(*token), .expires_in = std::nullopt, .scopes = {}};
  NOTME_TRY(auto type, RequiredString(doc, kToken, "token_type", 64));
  // RFC 6749 §7.1: the type is case-insensitive; notme injects only Bearer (RFC 6750).
  std::string lower;
  for (char c : type) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  if (lower != "bearer") {
    return Fail(ErrorCode::kUnsupported, "token response: token_type '" + Printable(type, 64) + "' is not Bearer");
  }
  if (auto it = doc.find("expires_in"); it != doc.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > kMaxExpiresIn) {
      return Fail(ErrorCode::kMalformed, "token response: expires_in must be a positive number of seconds");
    }
    out.expires_in = it->get<int64_t>();
  }
  NOTME_TRY(auto scope, OptionalString(doc, kToken, "scope", 4096));
  if (scope) {
    // RFC 6749 §3.3: space-delimited.
    size_t start = 0;
    while (start < scope->size() && out.scopes.size() < 64) {
      size_t end = scope->find(' ', start);
      if (end == std::string::npos) end = scope->size();
      if (end > start) out.scopes.push_back(Printable(std::string_view(*scope).substr(start, end - start), 256));
      start = end + 1;
    }
  }
  return out;
}

ServiceError ParseServiceError(int status, std::string_view body) {
  ServiceError out;
  out.status = status;
  auto doc = ParseJsonDocument(body, "error response", 16 * 1024, kResponseDepth);
  if (!doc) return out;
  auto code = OptionalString(*doc, "error response", "error", 64);
  if (code && *code && IsVisibleAscii(**code)) out.code = **code;
  for (std::string_view name : {"error_description", "message", "description"}) {
    auto d = OptionalString(*doc, "error response", name, 4096);
    if (d && *d) {
      out.description = Printable(**d, 200);
      break;
    }
  }
  return out;
}

Error ServiceErrorToError(const ServiceError& e) {
  struct Entry {
    std::string_view code;
    ErrorCode error;
    std::string_view words;
  };
  static constexpr Entry kTable[] = {
      {"otp_invalid", ErrorCode::kInvalidArgument,
       "that code did not match; re-read the 6-digit code on the claim page and try again"},
      {"otp_expired", ErrorCode::kExpired,
       "the code has expired; start the claim again with `notme claim REG --email E` for a fresh one"},
      {"claim_expired", ErrorCode::kExpired,
       "this registration can no longer be claimed (its claim window closed); register again"},
      {"previously_claimed", ErrorCode::kAlreadyExists,
       "this registration was already claimed; register again if you need a fresh credential"},
      {"claimed_or_in_flight", ErrorCode::kAlreadyExists,
       "this registration is already claimed or a claim is in progress"},
      {"invalid_claim_token", ErrorCode::kInvalidToken,
       "the service no longer recognises this registration's claim; register again"},
      {"invalid_signature", ErrorCode::kBadSignature,
       "the service could not verify notme's identity assertion (is notme on its trust list?)"},
      {"replay_detected", ErrorCode::kReplay,
       "the service saw this identity assertion before; retry to send a fresh one"},
      {"audience_mismatch", ErrorCode::kInvalidAudience,
       "the service says the identity assertion was meant for someone else"},
      {"invalid_audience", ErrorCode::kInvalidAudience,
       "the service says the identity assertion was meant for someone else"},
      {"credential_expired", ErrorCode::kExpired, "the identity assertion expired before the service checked it; retry"},
      {"expired", ErrorCode::kExpired, "the identity assertion expired before the service checked it; retry"},
      {"anonymous_not_enabled", ErrorCode::kUnsupported,
       "this service does not accept anonymous registration; choose --method email or id-jag"},
      {"verified_email_not_enabled", ErrorCode::kUnsupported,
       "this service does not accept email registration; choose another --method"},
      {"issuer_not_enabled", ErrorCode::kUnsupported,
       "this service does not trust notme as an identity provider; choose --method email or anonymous"},
      {"invalid_issuer", ErrorCode::kUnsupported,
       "this service does not trust notme as an identity provider; choose --method email or anonymous"},
      {"unsupported_credential_type", ErrorCode::kUnsupported,
       "the service does not offer the requested credential type for this method"},
      {"invalid_grant", ErrorCode::kInvalidToken,
       "the service no longer accepts this registration's identity assertion (expired or revoked); "
       "register again"},
      {"insufficient_user_authentication", ErrorCode::kPermissionDenied,
       "the service wants the human to finish the claim first (notme claim REG --otp)"},
      {"unsupported_grant_type", ErrorCode::kUnsupported,
       "the service's token endpoint does not accept the JWT-bearer grant (RFC 7523)"},
      {"rate_limited", ErrorCode::kUnavailable, "the service is rate-limiting registrations; wait and try again later"},
  };
  std::string words;
  ErrorCode code = ErrorCode::kUpstream;
  for (const auto& entry : kTable) {
    if (e.code == entry.code) {
      words = entry.words;
      code = entry.error;
      break;
    }
  }
  if (words.empty()) {
    if (e.status == 429) {
      code = ErrorCode::kUnavailable;
      words = "the service is rate-limiting registrations; wait and try again later";
    } else if (e.status >= 500) {
      words = "the service failed (HTTP " + std::to_string(e.status) + "); try again later";
    } else {
      words = "the service refused the request (HTTP " + std::to_string(e.status) +
              (e.code.empty() ? std::string() : ", " + e.code) + ")";
    }
  }
  if (!e.code.empty()) words += " [" + e.code + "]";
  return Error(code, words);
}

}  // namespace notme::registration
