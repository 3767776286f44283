#pragma once
// SshCa: the user's SSH certificate authority (issue 5), an Ed25519 key that lives in the
// OS keyring under the entry "ssh-ca" (keyring.h) and nowhere else.
//
// Created on first use: the first call that needs the key reads the 32-byte seed from
// the keyring into guarded memory (SecretBytes); when the entry does not exist a fresh
// key is generated and stored. There is deliberately no way to get the private key out:
// callers ask it to issue certificates and read the public key. With an ephemeral keyring
// the CA lives only as long as the daemon (docs/ssh-signing.md explains what that means
// for verifying commits later).
//
// Thread-safe: a mutex serialises loading and signing (SecretBytes has one owner at a
// time). The keyring must outlive the SshCa.

#include <optional>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "keyring/keyring.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "ssh/certificate.h"

namespace notme::ssh {

inline constexpr std::string_view kCaComment = "notme-ca";
inline constexpr std::string_view kCaKeyringLabel = "notme SSH certificate authority";

class SshCa {
 public:
  explicit SshCa(keyring::Keyring& keyring) : keyring_(keyring) {}
  SshCa(const SshCa&) = delete;
  SshCa& operator=(const SshCa&) = delete;

  // The CA's public key, loading or creating the CA on first use. Errors: the keyring's
  // (kUnavailable, kTimeout, ...), kInvalidKey when the stored entry is not a 32-byte seed.
  Result<crypto::Ed25519PublicKey> PublicKey() EXCLUDES(mu_);

  // Issues a certificate for `request` (IssueCertificate). Errors: as PublicKey() and
  // IssueCertificate.
  Result<Certificate> Issue(const CertificateRequest& request) EXCLUDES(mu_);

 private:
  Result<void> EnsureLoadedLocked() REQUIRES(mu_);

  keyring::Keyring& keyring_;
  Mutex mu_;
  std::optional<crypto::Ed25519SecretKey> key_ GUARDED_BY(mu_);
};

// "ssh-ed25519 AAAA... notme-ca".
std::string CaAuthorizedKey(const crypto::Ed25519PublicKey& ca);
// The allowed-signers line trusting `ca` for `principal` in the git namespace:
// `<principal> cert-authority,namespaces="git" ssh-ed25519 AAAA... notme-ca`.
std::string CaAllowedSignersLine(const crypto::Ed25519PublicKey& ca, std::string_view principal);

}  // namespace notme::ssh
