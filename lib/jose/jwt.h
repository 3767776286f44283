#pragma once
// JSON Web Tokens (RFC 7519) signed with EdDSA: signing, and verification plus claims
// validation with an injected Clock (RFC 8725, RFC 9068 access tokens "at+jwt").
//
// ClaimsValidator has safe defaults (STYLE.md "Tokens"): `exp` required, `iss` and `aud`
// must match when configured, skew capped at kMaxSkewSeconds. NumericDate claims must be
// JSON integers. ClaimsValidator is immutable and thread-safe; the Clock must outlive it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/ed25519.h"
#include "jose/jws.h"
#include "notme/result.h"
#include "base/clock.h"

namespace notme::jose {

// The largest clock skew a validator accepts; larger requests are clamped to it.
inline constexpr int64_t kMaxSkewSeconds = 300;

struct ClaimsOptions {
  // Required `iss` value (exact match). Empty: `iss` is not checked.
  std::string issuer;
  // Required audience: `aud` (string, or array of strings) must contain it. Empty: `aud`
  // is not checked.
  std::string audience;
  // Tolerance for exp/nbf/iat, clamped to [0, kMaxSkewSeconds].
  int64_t max_skew_seconds = 60;
  // Reject tokens without `exp` (the default; RFC 9068 §2.2 requires it).
  bool require_exp = true;
};

class ClaimsValidator {
 public:
  ClaimsValidator(const Clock& clock, ClaimsOptions options);

  // Validates a claim set (a JSON object). With now = clock.NowSeconds() and skew s:
  // exp: required unless !require_exp; rejected when now >= exp + s (kExpired).
  // nbf: when present, rejected when now + s < nbf (kNotYetValid).
  // iat: when present, rejected when iat > now + s (kNotYetValid).
  // iss/aud as configured (kInvalidIssuer / kInvalidAudience).
  // Types: exp/nbf/iat integers, iss/sub/jti/scope/client_id strings, aud string or
  // array of strings, cnf an object with string jkt when present (kMalformed otherwise).
  Result<void> Validate(const nlohmann::json& claims) const;

  const ClaimsOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }

 private:
  const Clock& clock_;
  ClaimsOptions options_;
};

class VerifiedJwt;
Result<VerifiedJwt> VerifyJwt(std::string_view compact, const KeySet& keys,
                              std::string_view expected_typ, const ClaimsValidator& validator,
                              const SignedHere* signed_here = nullptr);

// A JWT whose signature verified and whose claims passed a ClaimsValidator. Only
// VerifyJwt can create one. Immutable.
class VerifiedJwt {
 public:
  const nlohmann::json& header() const { return header_; }
  const nlohmann::json& claims() const { return claims_; }
  // The header's kid (which key of the KeySet verified it).
  const std::string& kid() const { return kid_; }

  // Typed getters over validated claims; empty/nullopt when the claim is absent.
  const std::string& issuer() const { return issuer_; }
  const std::string& subject() const { return subject_; }
  const std::string& jti() const { return jti_; }
  const std::string& scope() const { return scope_; }
  const std::string& client_id() const { return client_id_; }
  // The `aud` values (a single string becomes one element).
  const std::vector<std::string>& audience() const { return audience_; }
  std::optional<int64_t> exp() const { return exp_; }
  std::optional<int64_t> iat() const { return iat_; }
  std::optional<int64_t> nbf() const { return nbf_; }
  // `cnf.jkt` (RFC 9449 §6.1), the thumbprint of the DPoP key the token is bound to.
  const std::optional<std::string>& cnf_jkt() const { return cnf_jkt_; }

 private:
  VerifiedJwt() = default;
  friend Result<VerifiedJwt> VerifyJwt(std::string_view, const KeySet&, std::string_view,
                                       const ClaimsValidator&, const SignedHere*);
  nlohmann::json header_;
  nlohmann::json claims_;
  std::string kid_;
  std::string issuer_, subject_, jti_, scope_, client_id_;
  std::vector<std::string> audience_;
  std::optional<int64_t> exp_, iat_, nbf_;
  std::optional<std::string> cnf_jkt_;
};

// VerifyJwt: VerifyCompact(compact, keys, {EdDSA, expected_typ}, signed_here) (see jws.h;
// the header must carry a known kid), then strict parse of the payload as a JSON object (duplicate
// members rejected, kMalformed), then validator.Validate(claims).
// Errors: those of VerifyCompact, ParseStrictJsonObject and ClaimsValidator::Validate.

// Signs a claim set as a JWT: header {"alg":"EdDSA","typ":typ,"kid":kid} (typ/kid
// omitted when empty). Errors: kInvalidArgument when `claims` is not an object,
// kTooLarge when the token would exceed kMaxCompactJwsBytes.
Result<std::string> SignJwt(const nlohmann::json& claims, std::string_view typ,
                            std::string_view kid, const crypto::Ed25519SecretKey& key);
// The same for a claim set the caller wrote as compact JSON text (JsonObjectWriter);
// kInvalidArgument unless it is delimited as an object ('{' ... '}').
Result<std::string> SignJwtText(std::string_view claims_json, std::string_view typ,
                                std::string_view kid, const crypto::Ed25519SecretKey& key);

}  // namespace notme::jose
