#include "authority/signing_keys.h"

#include <algorithm>
#include <utility>

#include "jose/base64url.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "jose/kid.h"

namespace notme::authority {

Result<std::unique_ptr<SigningKeyRing>> SigningKeyRing::Create(const Clock& clock,
                                                               SigningKeyOptions options) {
  if (options.rotation_interval_seconds <= 0 || options.token_lifetime_seconds <= 0 ||
      options.skew_seconds < 0 || options.max_retired_keys == 0) {
    return Fail(ErrorCode::kInvalidArgument, "signing keys: invalid rotation options");
  }
  std::unique_ptr<SigningKeyRing> ring(new SigningKeyRing(clock, std::move(options)));
  NOTME_TRY(CurrentKey first, ring->NewKey(clock.NowSeconds()));
  WriterLock lock(&ring->mu_);
  ring->current_ = std::make_unique<CurrentKey>(std::move(first));
  ring->RebuildSnapshotLocked();
  return ring;
}

SigningKeyRing::SigningKeyRing(const Clock& clock, SigningKeyOptions options)
    : clock_(clock), options_(std::move(options)) {}

Result<SigningKeyRing::CurrentKey> SigningKeyRing::NewKey(int64_t now) const {
  NOTME_TRY(crypto::Ed25519SecretKey secret, options_.generate_key
                                                 ? options_.generate_key()
                                                 : crypto::Ed25519SecretKey::Generate());
  // Signs every token for up to an hour: read-only instead of toggled around each use
  // (docs/threat-model.md "Guarded memory").
  secret.KeepReadOnly();
  std::string kid = jose::KidForEd25519(secret.public_key());
  return CurrentKey{std::move(secret), std::move(kid), now};
}

Result<SignedJwt> SigningKeyRing::SignJwt(std::string_view claims_json, std::string_view typ) {
  // Shared: workers sign in parallel (the key is KeepReadOnly, so SecretBytes allows
  // concurrent reads); Rotate's exclusive lock waits for signatures in progress, so once
  // it returns no token is signed with the old key, whose memory is wiped at once. The
  // lock also ties the header's kid to the key that signs.
  ReaderLock lock(&mu_);
  NOTME_TRY(std::string compact,
            jose::SignJwtText(claims_json, typ, current_->kid, current_->secret));
  return SignedJwt{std::move(compact), current_->kid};
}

RotationResult SigningKeyRing::InstallLocked(CurrentKey next, int64_t now) {
  RotationResult result{current_->kid, next.kid};
  retired_.insert(retired_.begin(), RetiredKey{current_->secret.public_key(), current_->kid,
                                               current_->created_at, now});
  // Replacing the unique_ptr destroys the old Ed25519SecretKey now, which wipes and frees
  // its guarded memory: a retired key can verify but never sign again.
  current_ = std::make_unique<CurrentKey>(std::move(next));
  if (retired_.size() > options_.max_retired_keys) {
    retired_.erase(retired_.begin() + static_cast<std::ptrdiff_t>(options_.max_retired_keys),
                   retired_.end());
  }
  PruneLocked(now);
  RebuildSnapshotLocked();
  return result;
}

Result<RotationResult> SigningKeyRing::Rotate() {
  const int64_t now = clock_.NowSeconds();
  // Generate outside the lock: signing continues with the old key meanwhile.
  NOTME_TRY(CurrentKey next, NewKey(now));
  WriterLock lock(&mu_);
  return InstallLocked(std::move(next), now);
}

Result<std::optional<RotationResult>> SigningKeyRing::MaybeRotate() {
  const int64_t now = clock_.NowSeconds();
  {
    WriterLock lock(&mu_);
    PruneLocked(now);
    if (now - current_->created_at < options_.rotation_interval_seconds) {
      return std::optional<RotationResult>();
    }
  }
  NOTME_TRY(CurrentKey next, NewKey(now));
  WriterLock lock(&mu_);
  // Another thread may have rotated while the key was generated; rotate only once.
  if (now - current_->created_at < options_.rotation_interval_seconds) {
    return std::optional<RotationResult>();
  }
  return std::optional<RotationResult>(InstallLocked(std::move(next), now));
}

Result<RotationResult> SigningKeyRing::RevokeAllByRotation() {
  const int64_t now = clock_.NowSeconds();
  NOTME_TRY(CurrentKey next, NewKey(now));
  WriterLock lock(&mu_);
  RotationResult result = InstallLocked(std::move(next), now);
  retired_.clear();
  RebuildSnapshotLocked();
  return result;
}

bool SigningKeyRing::IsLive(const RetiredKey& key, int64_t now) const {
  // A token signed at retired_at at the latest expires at retired_at + lifetime;
  // verifiers accept it for `skew` more seconds.
  return now <= key.retired_at + options_.token_lifetime_seconds + options_.skew_seconds;
}

void SigningKeyRing::PruneLocked(int64_t now) {
  const auto dead = [&](const RetiredKey& k) { return !IsLive(k, now); };
  const size_t before = retired_.size();
  std::erase_if(retired_, dead);
  if (retired_.size() != before) RebuildSnapshotLocked();
}

void SigningKeyRing::RebuildSnapshotLocked() {
  auto keys = std::make_shared<jose::KeySet>();
  keys->Add(current_->kid, jose::PublicJwk::FromEd25519(current_->secret.public_key()));
  for (const RetiredKey& k : retired_) {
    keys->Add(k.kid, jose::PublicJwk::FromEd25519(k.public_key));
  }
  snapshot_ = std::move(keys);
}

Result<crypto::Ed25519PublicKey> SigningKeyRing::VerificationKey(std::string_view kid) {
  WriterLock lock(&mu_);
  PruneLocked(clock_.NowSeconds());
  if (current_->kid == kid) return current_->secret.public_key();
  for (const RetiredKey& k : retired_) {
    if (k.kid == kid) return k.public_key;
  }
  return Fail(ErrorCode::kInvalidToken, "unknown kid");
}

std::shared_ptr<const jose::KeySet> SigningKeyRing::VerificationKeys() {
  WriterLock lock(&mu_);
  PruneLocked(clock_.NowSeconds());
  return snapshot_;
}

namespace {
nlohmann::json JwkEntry(const crypto::Ed25519PublicKey& key, const std::string& kid) {
  nlohmann::json jwk = jose::PublicJwk::FromEd25519(key).ToJson();
  jwk["kid"] = kid;
  jwk["alg"] = "EdDSA";
  jwk["use"] = "sig";
  return jwk;
}
}  // namespace

nlohmann::json SigningKeyRing::Jwks() {
  WriterLock lock(&mu_);
  PruneLocked(clock_.NowSeconds());
  nlohmann::json keys = nlohmann::json::array();
  keys.push_back(JwkEntry(current_->secret.public_key(), current_->kid));
  for (const RetiredKey& k : retired_) keys.push_back(JwkEntry(k.public_key, k.kid));
  nlohmann::json doc = nlohmann::json::object();
  doc["keys"] = std::move(keys);
  return doc;
}

std::vector<SigningKeyInfo> SigningKeyRing::Keys() {
  WriterLock lock(&mu_);
  PruneLocked(clock_.NowSeconds());
  std::vector<SigningKeyInfo> out;
  out.push_back({current_->kid, current_->created_at, std::nullopt});
  for (const RetiredKey& k : retired_) out.push_back({k.kid, k.created_at, k.retired_at});
  return out;
}

std::string SigningKeyRing::CurrentKid() const {
  ReaderLock lock(&mu_);
  return current_->kid;
}

}  // namespace notme::authority
