#include "jose/jwt.h"

#include <algorithm>

#include "base/json_dump.h"
#include "jose/json.h"
#include "jose/jws_internal.h"

namespace notme::jose {
namespace {

// Claim sets are small and flat (cnf is the only nested member).
constexpr int kMaxClaimsDepth = 4;

Result<std::optional<int64_t>> OptionalNumericDate(const nlohmann::json& claims,
                                                   const char* name) {
  // The object's map directly: g++ 12 warns (-Wnull-dereference) about nlohmann's
  // iterator here depending on how the caller is inlined.
  const auto& members = claims.get_ref<const nlohmann::json::object_t&>();
  const auto it = members.find(name);
  if (it == members.end()) return std::optional<int64_t>();
  const nlohmann::json& value = it->second;
  // NumericDate (RFC 7519 §2). notme issues integers and refuses fractions and values
  // outside int64 rather than rounding them.
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return std::optional<int64_t>(value.get<int64_t>());
  }
  if (value.is_number_unsigned() && value.get<uint64_t>() <= uint64_t{INT64_MAX}) {
    return std::optional<int64_t>(static_cast<int64_t>(value.get<uint64_t>()));
  }
  return Fail(ErrorCode::kMalformed, std::string("jwt: ") + name + " is not an integer");
}

Result<std::string> OptionalString(const nlohmann::json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return std::string();
  const auto* s = it->get_ptr<const std::string*>();
  if (s == nullptr) return Fail(ErrorCode::kMalformed, std::string("jwt: ") + name + " is not a string");
  return *s;
}

Result<std::vector<std::string>> Audience(const nlohmann::json& claims) {
  std::vector<std::string> out;
  const auto it = claims.find("aud");
  if (it == claims.end()) return out;
  if (const auto* s = it->get_ptr<const std::string*>()) {
    out.push_back(*s);
    return out;
  }
  if (!it->is_array()) return Fail(ErrorCode::kMalformed, "jwt: aud is not a string or array");
  for (const auto& v : *it) {
    const auto* s = v.get_ptr<const std::string*>();
    if (s == nullptr) return Fail(ErrorCode::kMalformed, "jwt: aud holds a non-string");
    out.push_back(*s);
  }
  return out;
}

Result<std::optional<std::string>> CnfJkt(const nlohmann::json& claims) {
  const auto it = claims.find("cnf");
  if (it == claims.end()) return std::optional<std::string>();
  if (!it->is_object()) return Fail(ErrorCode::kMalformed, "jwt: cnf is not an object");
  const auto jkt = it->find("jkt");
  if (jkt == it->end()) return std::optional<std::string>();
  const auto* s = jkt->get_ptr<const std::string*>();
  if (s == nullptr) return Fail(ErrorCode::kMalformed, "jwt: cnf.jkt is not a string");
  return std::optional<std::string>(*s);
}

// Every typed claim, checked once; Validate and VerifyJwt share it.
struct TypedClaims {
  std::optional<int64_t> exp, nbf, iat;
  std::string iss, sub, jti, scope, client_id;
  std::vector<std::string> aud;
  std::optional<std::string> cnf_jkt;
};

Result<TypedClaims> ExtractClaims(const nlohmann::json& claims) {
  if (!claims.is_object()) return Fail(ErrorCode::kMalformed, "jwt: claims are not an object");
  TypedClaims t;
  NOTME_TRY(t.exp, OptionalNumericDate(claims, "exp"));
  NOTME_TRY(t.nbf, OptionalNumericDate(claims, "nbf"));
  NOTME_TRY(t.iat, OptionalNumericDate(claims, "iat"));
  NOTME_TRY(t.iss, OptionalString(claims, "iss"));
  NOTME_TRY(t.sub, OptionalString(claims, "sub"));
  NOTME_TRY(t.jti, OptionalString(claims, "jti"));
  NOTME_TRY(t.scope, OptionalString(claims, "scope"));
  NOTME_TRY(t.client_id, OptionalString(claims, "client_id"));
  NOTME_TRY(t.aud, Audience(claims));
  NOTME_TRY(t.cnf_jkt, CnfJkt(claims));
  return t;
}

Result<void> CheckTyped(const TypedClaims& t, const ClaimsOptions& options, int64_t now) {
  // Written so that no attacker-chosen value takes part in an arithmetic overflow: now
  // is the real clock and skew is clamped.
  const int64_t skew = std::clamp<int64_t>(options.max_skew_seconds, 0, kMaxSkewSeconds);
  if (!t.exp) {
    if (options.require_exp) return Fail(ErrorCode::kMalformed, "jwt: missing exp");
  } else if (*t.exp <= now - skew) {
    return Fail(ErrorCode::kExpired, "jwt: token expired");
  }
  if (t.nbf && *t.nbf > now + skew) {
    return Fail(ErrorCode::kNotYetValid, "jwt: token not yet valid (nbf)");
  }
  if (t.iat && *t.iat > now + skew) {
    return Fail(ErrorCode::kNotYetValid, "jwt: token issued in the future (iat)");
  }
  if (!options.issuer.empty() && t.iss != options.issuer) {
    return Fail(ErrorCode::kInvalidIssuer, "jwt: unexpected issuer");
  }
  if (!options.audience.empty() &&
      std::find(t.aud.begin(), t.aud.end(), options.audience) == t.aud.end()) {
    return Fail(ErrorCode::kInvalidAudience, "jwt: token not meant for this audience");
  }
  return Ok();
}

}  // namespace

ClaimsValidator::ClaimsValidator(const Clock& clock, ClaimsOptions options)
    : clock_(clock), options_(std::move(options)) {
  options_.max_skew_seconds = std::clamp<int64_t>(options_.max_skew_seconds, 0, kMaxSkewSeconds);
}

Result<void> ClaimsValidator::Validate(const nlohmann::json& claims) const {
  NOTME_TRY(const TypedClaims typed, ExtractClaims(claims));
  return CheckTyped(typed, options_, clock_.NowSeconds());
}

Result<VerifiedJwt> VerifyJwt(std::string_view compact, const KeySet& keys,
                              std::string_view expected_typ, const ClaimsValidator& validator,
                              const SignedHere* signed_here) {
  NOTME_TRY(
      VerifiedJws jws,
      VerifyCompact(compact, keys, {JwsAlgorithm::kEdDSA, std::string(expected_typ)}, signed_here));
  // Claims are parsed only now, after the signature verified.
  NOTME_TRY(nlohmann::json claims, ParseStrictJsonObject(jws.payload(), "jwt claims",
                                                         kMaxCompactJwsBytes, kMaxClaimsDepth));
  NOTME_TRY(TypedClaims typed, ExtractClaims(claims));
  NOTME_TRY_VOID(CheckTyped(typed, validator.options(), validator.clock().NowSeconds()));
  VerifiedJwt jwt;
  jwt.header_ = jws.header();
  jwt.claims_ = std::move(claims);
  jwt.kid_ = jws.kid();
  jwt.issuer_ = std::move(typed.iss);
  jwt.subject_ = std::move(typed.sub);
  jwt.jti_ = std::move(typed.jti);
  jwt.scope_ = std::move(typed.scope);
  jwt.client_id_ = std::move(typed.client_id);
  jwt.audience_ = std::move(typed.aud);
  jwt.exp_ = typed.exp;
  jwt.iat_ = typed.iat;
  jwt.nbf_ = typed.nbf;
  jwt.cnf_jkt_ = std::move(typed.cnf_jkt);
  return jwt;
}

Result<std::string> SignJwt(const nlohmann::json& claims, std::string_view typ,
                            std::string_view kid, const crypto::Ed25519SecretKey& key) {
  if (!claims.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "jwt: claims must be a JSON object");
  }
  return SignJwtText(DumpCompact(claims), typ, kid, key);
}

Result<std::string> SignJwtText(std::string_view claims_json, std::string_view typ,
                                std::string_view kid, const crypto::Ed25519SecretKey& key) {
  if (claims_json.size() < 2 || claims_json.front() != '{' || claims_json.back() != '}') {
    return Fail(ErrorCode::kInvalidArgument, "jwt: claims must be a JSON object");
  }
  // The members in DumpCompact's (sorted) order, so the header is byte for byte what
  // SignJwt's tree would give; typ and kid are the issuer's own values.
  JsonObjectWriter header(96);
  header.String("alg", "EdDSA");
  if (!kid.empty()) header.String("kid", kid);
  if (!typ.empty()) header.String("typ", typ);
  return internal::SignCompactEdDsaText(header.Finish(), claims_json, key);
}

}  // namespace notme::jose
