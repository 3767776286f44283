#pragma once
// OAuth 2.0 DPoP (RFC 9449): proof creation (EdDSA) for clients, and complete §4.3 proof
// validation for the authorization/resource server, with a replay cache behind an
// interface.
//
// DpopValidator::Validate performs, in this order: size and shape (exactly one compact
// JWS; a comma-joined list of proofs fails the shape check), strict header parse,
// typ "dpop+jwt", alg in the allow-list (never "none" or HS*), a public `jwk` whose key
// type matches alg (any private member rejected), the signature with that jwk, then the
// claims: jti (1..kMaxJtiLength chars), htm (exact, case-sensitive), htu (compared after
// RFC 3986 §6.2.2/§6.2.3 normalisation; a proof htu with query or fragment is refused),
// iat within [now - max_age, now + max_future], nonce (when required, via the checker),
// ath = base64url(SHA-256(access token)) when an access token is presented (compared in
// constant time; a stray ath without a token is refused), and finally replay (jti+jkt)
// through the ReplayCache. Binding the proof to a token's cnf.jkt is the caller's
// comparison of VerifiedDpopProof::jkt() with VerifiedJwt::cnf_jkt().
//
// Errors: kInvalidDpopProof (message says which check failed, including "replayed jti"),
// kUseDpopNonce (nonce missing or not accepted), kUnavailable (replay cache full: fail
// closed), kInvalidArgument (the server's own htu is not a valid http(s) URL).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "jose/jwk.h"
#include "jose/jwk_cache.h"
#include "jose/jws.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"

namespace notme::jose {

inline constexpr std::string_view kDpopTyp = "dpop+jwt";
inline constexpr size_t kMaxJtiLength = 256;

// Creates a DPoP proof JWT (RFC 9449 §4.2) signed with `key`: header {"typ":"dpop+jwt",
// "alg":"EdDSA","jwk":<public key>}, claims {"jti":<22 random base64url chars>,"htm",
// "htu","iat"[,"nonce"][,"ath":base64url(SHA-256(access_token))]}.
// Errors: kInvalidArgument for an empty htm or htu.
Result<std::string> CreateDpopProof(const crypto::Ed25519SecretKey& key, std::string_view htm,
                                    std::string_view htu, int64_t iat,
                                    std::optional<std::string> nonce = std::nullopt,
                                    std::optional<std::string> access_token = std::nullopt);

// The `ath` claim value for `access_token`: base64url(SHA-256(access_token)) (RFC 9449
// §4.2).
std::string DpopAccessTokenHash(std::string_view access_token);

// Normalises an http(s) URL for htu comparison (RFC 9449 §4.3 point 9, RFC 3986 §6.2.2
// and §6.2.3): scheme and host lowercased, percent-encoding hex uppercased and
// unreserved characters decoded, dot segments removed, default port (80/443) and an empty
// port dropped, empty path → "/". Query and fragment are dropped (RFC 9449 §4.3 compares
// without them). Errors: kMalformed for anything that is not an absolute http/https URL
// with a host (userinfo is refused).
Result<std::string> NormalizeHtu(std::string_view url);

// Remembers proof identifiers until they expire. Implementations are thread-safe.
class ReplayCache {
 public:
  virtual ~ReplayCache() = default;
  // Records `key` until `expires_at` (Unix seconds). Errors: kReplay if `key` is already
  // recorded and not yet expired; kUnavailable if the cache cannot record it (full) —
  // callers fail closed.
  virtual Result<void> CheckAndRemember(std::string_view key, int64_t expires_at) = 0;
};

// A bounded in-memory ReplayCache. Keys are stored as SHA-256 digests (fixed 32 bytes
// each); expired entries are dropped on every call. At most `max_entries` live entries:
// when full of unexpired entries, CheckAndRemember fails with kUnavailable. Thread-safe
// (one mutex). The Clock must outlive the cache.
class InMemoryReplayCache final : public ReplayCache {
 public:
  InMemoryReplayCache(size_t max_entries, const Clock& clock);
  Result<void> CheckAndRemember(std::string_view key, int64_t expires_at) override
      EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);

 private:
  struct DigestHash {
    size_t operator()(const crypto::Digest256& d) const;
  };
  void DropExpired(int64_t now) REQUIRES(mu_);
  const size_t max_entries_;
  const Clock& clock_;
  mutable Mutex mu_;
  std::unordered_map<crypto::Digest256, int64_t, DigestHash> expiry_by_key_ GUARDED_BY(mu_);
  std::multimap<int64_t, crypto::Digest256> keys_by_expiry_ GUARDED_BY(mu_);
};

struct DpopOptions {
  // Accepted proof algorithms (RFC 9449 §4.3 point 5). Symmetric algorithms and "none"
  // cannot be expressed.
  std::vector<JwsAlgorithm> allowed_algs = {JwsAlgorithm::kEdDSA, JwsAlgorithm::kES256};
  // iat must be >= now - max_age_seconds and <= now + max_future_seconds.
  int64_t max_age_seconds = 60;
  int64_t max_future_seconds = 5;
  // When true, a proof without `nonce` fails with kUseDpopNonce.
  bool require_nonce = false;
  // Decides whether a presented nonce is current. Called whenever a proof carries a
  // nonce and this is set; returning false fails with kUseDpopNonce. When unset, a nonce
  // is accepted only if require_nonce is false.
  std::function<bool(std::string_view nonce)> nonce_checker;
};

class DpopValidator;

// A proof that passed every check of DpopValidator::Validate. Immutable.
class VerifiedDpopProof {
 public:
  const PublicJwk& jwk() const { return jwk_; }
  // RFC 7638 thumbprint of jwk() — the value a bound token's cnf.jkt must equal.
  const std::string& jkt() const { return jwk_.Thumbprint(); }
  JwsAlgorithm algorithm() const { return jwk_.algorithm(); }
  const std::string& jti() const { return jti_; }
  int64_t iat() const { return iat_; }
  const std::string& htm() const { return htm_; }
  // The htu claim as sent (before normalisation).
  const std::string& htu() const { return htu_; }
  const std::optional<std::string>& nonce() const { return nonce_; }

 private:
  friend class DpopValidator;
  VerifiedDpopProof(PublicJwk jwk, std::string jti, int64_t iat, std::string htm,
                    std::string htu, std::optional<std::string> nonce)
      : jwk_(std::move(jwk)), jti_(std::move(jti)), iat_(iat), htm_(std::move(htm)),
        htu_(std::move(htu)), nonce_(std::move(nonce)) {}
  PublicJwk jwk_;
  std::string jti_;
  int64_t iat_;
  std::string htm_;
  std::string htu_;
  std::optional<std::string> nonce_;
};

// Validates DPoP proofs. Thread-safe: its options are immutable, the replay cache is
// thread-safe, and it memoises parsed proof keys in a bounded JwkCache and accepted
// headers in a bounded ProofHeaderCache (both shared by copies) so a client reusing its
// key skips point validation and the header's parse. Clock and ReplayCache must outlive
// it.
class DpopValidator {
 public:
  DpopValidator(DpopOptions options, const Clock& clock, ReplayCache& replay_cache);

  // `method`: the request's HTTP method; `htu`: the server's own URL for this endpoint
  // (normalised here too); `access_token`: the token presented with the request, if any
  // (then `ath` is required and checked). See the file comment for the checks and errors.
  Result<VerifiedDpopProof> Validate(std::string_view proof, std::string_view method,
                                     std::string_view htu,
                                     std::optional<std::string_view> access_token) const;

 private:
  static constexpr size_t kJwkCacheEntries = 4096;
  static constexpr size_t kHeaderCacheEntries = 256;
  // Points 4-7 for a header not seen before: alg allowed, typ, crit, the jwk.
  Result<ProofHeaderCache::Entry> CheckHeader(const JwsParts& parts) const;

  DpopOptions options_;
  const Clock& clock_;
  ReplayCache& replay_cache_;
  std::shared_ptr<JwkCache> jwk_cache_;
  std::shared_ptr<ProofHeaderCache> header_cache_;
};

}  // namespace notme::jose
