#include "ssh/ssh_ca.h"

#include "ssh/public_key.h"

namespace notme::ssh {

Result<void> SshCa::EnsureLoadedLocked() {
  if (key_) return Ok();
  auto seed = keyring_.Lookup(keyring::kSshCaName);
  if (!seed && seed.error().code() == ErrorCode::kNotFound) {
    NOTME_TRY(auto fresh, crypto::Ed25519SecretKey::Generate());
    NOTME_TRY(auto fresh_seed, fresh.ExportSeedForKeyring());
    NOTME_TRY_VOID(keyring_.Store(keyring::kSshCaName, fresh_seed, kCaKeyringLabel));
    // Read back what the keyring holds so that a racing creator (a second daemon) and we
    // end up with the same CA: the stored value wins.
    seed = keyring_.Lookup(keyring::kSshCaName);
  }
  if (!seed) return Fail(seed.error());
  auto key = crypto::Ed25519SecretKey::FromSeed(*seed);
  if (!key) return Fail(ErrorCode::kInvalidKey, "ssh-ca keyring entry is not an Ed25519 seed");
  // Signs a certificate for every signature for the daemon's life: read-only instead of
  // toggled around each use (docs/threat-model.md "Guarded memory").
  key->KeepReadOnly();
  key_.emplace(std::move(*key));
  return Ok();
}

Result<crypto::Ed25519PublicKey> SshCa::PublicKey() {
  MutexLock lock(&mu_);
  NOTME_TRY_VOID(EnsureLoadedLocked());
  return key_->public_key();
}

Result<Certificate> SshCa::Issue(const CertificateRequest& request) {
  MutexLock lock(&mu_);
  NOTME_TRY_VOID(EnsureLoadedLocked());
  return IssueCertificate(*key_, request);
}

std::string CaAuthorizedKey(const crypto::Ed25519PublicKey& ca) {
  return FormatAuthorizedKey(ca, kCaComment);
}

std::string CaAllowedSignersLine(const crypto::Ed25519PublicKey& ca, std::string_view principal) {
  return std::string(principal) + " cert-authority,namespaces=\"git\" " + CaAuthorizedKey(ca);
}

}  // namespace notme::ssh
