#pragma once
// SigningKeyRing: the daemon's Ed25519 access-token keys (issue 3 "Keys").
//
// One current key signs; each rotation moves it to "retired": its secret half is wiped at
// once (SecretBytes frees and zeroes it) and only the public key stays, for verifying the
// tokens it already signed, until retired_at + token lifetime + skew — after which no
// token it signed can still be live and it is pruned from verification and the JWKS.
// RevokeAllByRotation() rotates and drops every retired key at once, so every token
// issued before it stops verifying immediately.
//
// Keys are generated in guarded memory at construction and never leave it: there is no
// accessor for secret bytes; callers get signatures (SignJwt) and public keys.
// All time comes from the injected Clock. Thread-safe: one reader/writer mutex guards all
// state (signing takes it shared, so workers sign in parallel); the Clock must outlive the
// ring.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "crypto/ed25519.h"
#include "jose/jws.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"

namespace notme::authority {

// Access-token lifetime (CONTRACT.md: exp = iat + 300).
inline constexpr int64_t kTokenLifetimeSeconds = 300;

struct SigningKeyOptions {
  // The current key is rotated once it is this old (MaybeRotate). Must be > 0.
  int64_t rotation_interval_seconds = 3600;
  // Longest lifetime of a token signed by these keys.
  int64_t token_lifetime_seconds = kTokenLifetimeSeconds;
  // Clock skew verifiers tolerate past exp (jose::ClaimsOptions::max_skew_seconds).
  int64_t skew_seconds = 60;
  // Upper bound on retired keys kept at once (only reached by rotating far more often
  // than tokens expire); beyond it the oldest is dropped, failing closed.
  size_t max_retired_keys = 16;
  // Makes each new key (called without the ring's lock: must be thread-safe); empty
  // means crypto::Ed25519SecretKey::Generate. Tests inject known seeds here to prove
  // key bytes never reach files or responses.
  std::function<Result<crypto::Ed25519SecretKey>()> generate_key = nullptr;
};

// Public facts about one key, for `/v1/status` and the audit log.
struct SigningKeyInfo {
  std::string kid;
  int64_t created_at = 0;
  std::optional<int64_t> retired_at;  // absent for the current key
};

// A JWT signed by the ring, with the kid of the key that signed it.
struct SignedJwt {
  std::string compact;
  std::string kid;
};

// What a rotation did, for the audit log.
struct RotationResult {
  std::string old_kid;
  std::string new_kid;
};

class SigningKeyRing {
 public:
  // Generates the first key. Errors: kInvalidArgument for nonsensical options, kInternal
  // when guarded memory is unavailable.
  static Result<std::unique_ptr<SigningKeyRing>> Create(const Clock& clock,
                                                        SigningKeyOptions options = {});

  SigningKeyRing(const SigningKeyRing&) = delete;
  SigningKeyRing& operator=(const SigningKeyRing&) = delete;

  // Signs `claims_json` (the compact text of a JSON object the caller wrote) as a compact
  // JWT with the current key: header {"alg":"EdDSA","kid":<current kid>,"typ":typ}. The
  // kid and the signature come from the same key even if another thread rotates
  // concurrently. Errors: those of jose::SignJwt.
  Result<SignedJwt> SignJwt(std::string_view claims_json, std::string_view typ) EXCLUDES(mu_);

  // Generates a new current key; the old one becomes retired (secret wiped now, public
  // key kept for the retention window). Errors: kInternal (guarded memory); on error the
  // ring is unchanged.
  Result<RotationResult> Rotate() EXCLUDES(mu_);
  // Rotates when the current key is at least rotation_interval old; prunes expired
  // retired keys either way. Returns the rotation if one happened. Call it from a timer
  // (e.g. every 30 s); signing never rotates by itself.
  Result<std::optional<RotationResult>> MaybeRotate() EXCLUDES(mu_);
  // Rotates and forgets every retired key: every token signed before this call fails
  // verification from now on, and none of the old keys is published any more.
  Result<RotationResult> RevokeAllByRotation() EXCLUDES(mu_);

  // The lookups below first prune retired keys whose window has passed.
  // The public key that verifies tokens with this kid: the current key or a retired key
  // still inside its window. Errors: kInvalidToken ("unknown kid") otherwise.
  Result<crypto::Ed25519PublicKey> VerificationKey(std::string_view kid) EXCLUDES(mu_);
  // The verification keys (current + live retired) as a jose::KeySet snapshot. The
  // snapshot is immutable and stays valid after rotations; take a fresh one per request.
  std::shared_ptr<const jose::KeySet> VerificationKeys() EXCLUDES(mu_);

  // The JWKS document (RFC 7517 §5): {"keys":[{"kty":"OKP","crv":"Ed25519","x",
  // "kid","alg":"EdDSA","use":"sig"}, ...]}, current key first.
  nlohmann::json Jwks() EXCLUDES(mu_);
  // Current key first, then live retired keys newest first.
  std::vector<SigningKeyInfo> Keys() EXCLUDES(mu_);
  std::string CurrentKid() const EXCLUDES(mu_);

 private:
  struct CurrentKey {
    crypto::Ed25519SecretKey secret;
    std::string kid;
    int64_t created_at;
  };
  struct RetiredKey {
    crypto::Ed25519PublicKey public_key;
    std::string kid;
    int64_t created_at;
    int64_t retired_at;
  };

  SigningKeyRing(const Clock& clock, SigningKeyOptions options);
  Result<CurrentKey> NewKey(int64_t now) const;

  // Drops retired keys past retired_at + lifetime + skew; rebuilds the snapshot if any.
  void PruneLocked(int64_t now) REQUIRES(mu_);
  // Installs `next` as current, retiring the old one. Returns the rotation.
  RotationResult InstallLocked(CurrentKey next, int64_t now) REQUIRES(mu_);
  void RebuildSnapshotLocked() REQUIRES(mu_);
  bool IsLive(const RetiredKey& key, int64_t now) const;

  const Clock& clock_;
  const SigningKeyOptions options_;
  mutable SharedMutex mu_;
  std::unique_ptr<CurrentKey> current_ GUARDED_BY(mu_);
  std::vector<RetiredKey> retired_ GUARDED_BY(mu_);  // newest first
  std::shared_ptr<const jose::KeySet> snapshot_ GUARDED_BY(mu_);
};

}  // namespace notme::authority
