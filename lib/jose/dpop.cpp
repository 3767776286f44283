#include "jose/dpop.h"

#include <algorithm>

#include "crypto/constant_time.h"
#include "jose/json.h"
#include "jose/jws.h"
#include "jose/jws_internal.h"

namespace notme::jose {
namespace {

constexpr int kMaxClaimsDepth = 4;

Unexpected Invalid(std::string_view why) {
  return Fail(ErrorCode::kInvalidDpopProof, "dpop: " + std::string(why));
}
Unexpected Invalid(std::string_view prefix, const Error& e) {
  return Fail(ErrorCode::kInvalidDpopProof, "dpop: " + std::string(prefix) + e.message());
}

Result<const std::string*> RequiredString(const nlohmann::json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return Invalid(std::string("missing ") + name);
  const auto* s = it->get_ptr<const std::string*>();
  if (s == nullptr) return Invalid(std::string(name) + " is not a string");
  return s;
}

Result<int64_t> RequiredIat(const nlohmann::json& claims) {
  const auto it = claims.find("iat");
  if (it == claims.end()) return Invalid("missing iat");
  if (it->is_number_integer() && !it->is_number_unsigned()) return it->get<int64_t>();
  if (it->is_number_unsigned() && it->get<uint64_t>() <= uint64_t{INT64_MAX}) {
    return static_cast<int64_t>(it->get<uint64_t>());
  }
  return Invalid("iat is not an integer");
}

}  // namespace

DpopValidator::DpopValidator(DpopOptions options, const Clock& clock, ReplayCache& replay_cache)
    : options_(std::move(options)),
      clock_(clock),
      replay_cache_(replay_cache),
      jwk_cache_(std::make_shared<JwkCache>(kJwkCacheEntries)),
      header_cache_(std::make_shared<ProofHeaderCache>(kHeaderCacheEntries)) {}

Result<ProofHeaderCache::Entry> DpopValidator::CheckHeader(const JwsParts& parts) const {
  auto decoded = internal::DecodeHeader(parts);
  if (!decoded) return Invalid("", decoded.error());
  const nlohmann::json& header = *decoded;

  // Points 4-5: typ and an asymmetric algorithm from the allow-list; the algorithm named
  // by the header must also match the jwk's key type (checked with the signature).
  const auto alg_member = header.find("alg");
  if (alg_member == header.end() || !alg_member->is_string()) return Invalid("missing alg");
  const auto alg = ParseJwsAlgorithm(alg_member->get_ref<const std::string&>());
  if (!alg || std::find(options_.allowed_algs.begin(), options_.allowed_algs.end(), *alg) ==
                  options_.allowed_algs.end()) {
    return Invalid("alg not allowed");
  }
  if (auto checked = CheckProtectedHeader(header, *alg, kDpopTyp); !checked) {
    return Invalid("", checked.error());
  }
  // Point 7: a public jwk (FromJson refuses private members).
  const auto jwk_member = header.find("jwk");
  if (jwk_member == header.end()) return Invalid("missing jwk");
  auto jwk = jwk_cache_->FromJson(*jwk_member);
  if (!jwk) return Invalid("", jwk.error());
  return ProofHeaderCache::Entry{*alg, std::move(*jwk)};
}

Result<VerifiedDpopProof> DpopValidator::Validate(
    std::string_view proof, std::string_view method, std::string_view htu,
    std::optional<std::string_view> access_token) const {
  // RFC 9449 §4.3 points 1-2: one well-formed JWT. A comma-joined pair of DPoP headers
  // fails here because ',' and ' ' are not in the compact alphabet.
  auto parts = SplitCompact(proof);
  if (!parts) return Invalid("", parts.error());
  // Points 4-7 once per distinct header (ProofHeaderCache: an agent repeats its header).
  std::optional<ProofHeaderCache::Entry> header = header_cache_->Find(parts->header_b64);
  if (!header) {
    NOTME_TRY(header, CheckHeader(*parts));
    header_cache_->Remember(parts->header_b64, *header);
  }
  auto& jwk = header->jwk;
  // Point 6: the signature verifies with the header's jwk.
  auto payload = internal::VerifySignatureAndDecodePayload(*parts, jwk, header->alg);
  if (!payload) return Invalid("", payload.error());

  // Only now, after the signature, are the claims parsed.
  auto parsed = ParseStrictJsonObject(*payload, "claims", kMaxCompactJwsBytes, kMaxClaimsDepth);
  if (!parsed) return Invalid("", parsed.error());
  const nlohmann::json& claims = *parsed;

  // Point 3 with 8-9: required claims, htm exact, htu normalised.
  NOTME_TRY(const std::string* jti, RequiredString(claims, "jti"));
  if (jti->empty() || jti->size() > kMaxJtiLength) return Invalid("jti length out of range");
  NOTME_TRY(const std::string* htm, RequiredString(claims, "htm"));
  if (*htm != method) return Invalid("htm does not match the request method");
  NOTME_TRY(const std::string* htu_claim, RequiredString(claims, "htu"));
  if (htu_claim->find_first_of("?#") != std::string::npos) {
    return Invalid("htu must not contain a query or fragment");
  }
  const auto proof_htu = NormalizeHtu(*htu_claim);
  if (!proof_htu) return Invalid("", proof_htu.error());
  const auto server_htu = NormalizeHtu(htu);
  if (!server_htu) return Fail(ErrorCode::kInvalidArgument, "dpop: server " + server_htu.error().message());
  if (*proof_htu != *server_htu) return Invalid("htu does not match the request URI");

  // Point 11: iat within the window.
  NOTME_TRY(const int64_t iat, RequiredIat(claims));
  const int64_t now = clock_.NowSeconds();
  if (iat < now - options_.max_age_seconds) return Invalid("iat too old");
  if (iat > now + options_.max_future_seconds) return Invalid("iat in the future");

  // Point 10: server-provided nonce.
  std::optional<std::string> nonce;
  if (const auto it = claims.find("nonce"); it != claims.end()) {
    const auto* s = it->get_ptr<const std::string*>();
    if (s == nullptr) return Invalid("nonce is not a string");
    nonce = *s;
  }
  if (!nonce) {
    if (options_.require_nonce) return Fail(ErrorCode::kUseDpopNonce, "dpop: nonce required");
  } else if (options_.nonce_checker ? !options_.nonce_checker(*nonce) : options_.require_nonce) {
    return Fail(ErrorCode::kUseDpopNonce, "dpop: nonce not accepted");
  }

  // Point 12: ath binds the proof to the presented access token.
  const auto ath = claims.find("ath");
  if (access_token) {
    if (ath == claims.end()) return Invalid("missing ath");
    const auto* ath_value = ath->get_ptr<const std::string*>();
    if (ath_value == nullptr) return Invalid("ath is not a string");
    if (!crypto::ConstantTimeEquals(*ath_value, DpopAccessTokenHash(*access_token))) {
      return Invalid("ath does not match the access token");
    }
  } else if (ath != claims.end()) {
    return Invalid("ath without an access token");
  }

  // Replay last, so invalid proofs never occupy the cache. Keyed by key and jti: two
  // clients choosing the same jti do not collide.
  const std::string replay_key = jwk.Thumbprint() + "." + *jti;
  if (auto fresh = replay_cache_.CheckAndRemember(replay_key, iat + options_.max_age_seconds + 1);
      !fresh) {
    if (fresh.error().code() == ErrorCode::kReplay) return Invalid("replayed jti");
    return Fail(fresh.error());
  }
  return VerifiedDpopProof(std::move(jwk), *jti, iat, *htm, *htu_claim, std::move(nonce));
}

}  // namespace notme::jose
