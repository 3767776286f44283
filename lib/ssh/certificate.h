#pragma once
// OpenSSH certificates for Ed25519 keys signed by an Ed25519 CA (PROTOCOL.certkeys,
// "ssh-ed25519-cert-v01@openssh.com").
//
// `Certificate` is a verified type: it is only produced by Certificate::Parse (which
// verifies the CA signature over the body with the embedded signature key before
// returning) or by IssueCertificate. Trusting it is a separate step:
// CheckUserCertificate compares the signing key with the CA the caller trusts and checks
// type, principal and validity window, as `ssh-keygen -Y verify` does with a
// `cert-authority` allowed-signers line. Values are immutable and safe to share.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/ed25519.h"
#include "notme/result.h"

namespace notme::ssh {

inline constexpr std::string_view kEd25519CertType = "ssh-ed25519-cert-v01@openssh.com";

enum class CertType : uint32_t { kUser = 1, kHost = 2 };

// What the CA certifies. Extensions are flag extensions (empty data), e.g.
// "permit-pty"; they are written sorted, as the format requires. Critical options are
// never issued (none is meaningful for signing).
struct CertificateRequest {
  crypto::Ed25519PublicKey subject_key;
  uint64_t serial = 0;
  CertType type = CertType::kUser;
  std::string key_id;
  std::vector<std::string> principals;
  uint64_t valid_after = 0;
  uint64_t valid_before = 0;
  std::vector<std::string> extensions;
};

class Certificate {
 public:
  // One name/data pair of the critical-options or extensions field. `data` is the
  // payload inside its string wrapper (empty for flags).
  struct Option {
    std::string name;
    std::string data;
  };

  // Parses one certificate blob and verifies its signature with its own signature key.
  // Strict: unknown certificate type, truncation, trailing bytes (in the blob or in any
  // nested field), unsorted or duplicate options, a non-Ed25519 CA and a bad signature
  // are all errors (kMalformed, kUnsupported, kInvalidKey, kBadSignature).
  static Result<Certificate> Parse(std::span<const uint8_t> blob);
  // The same from "ssh-ed25519-cert-v01@openssh.com <base64> [comment]".
  static Result<Certificate> ParseText(std::string_view line);

  const std::vector<uint8_t>& blob() const { return blob_; }
  const crypto::Ed25519PublicKey& subject_key() const { return subject_key_; }
  const crypto::Ed25519PublicKey& signature_key() const { return signature_key_; }
  uint64_t serial() const { return serial_; }
  CertType type() const { return type_; }
  const std::string& key_id() const { return key_id_; }
  const std::vector<std::string>& principals() const { return principals_; }
  uint64_t valid_after() const { return valid_after_; }
  uint64_t valid_before() const { return valid_before_; }
  const std::vector<Option>& critical_options() const { return critical_options_; }
  const std::vector<Option>& extensions() const { return extensions_; }
  // "ssh-ed25519-cert-v01@openssh.com AAAA... [comment]" (what ssh-keygen -L reads).
  std::string ToText(std::string_view comment) const;

 private:
  friend Result<Certificate> IssueCertificate(const crypto::Ed25519SecretKey& ca,
                                              const CertificateRequest& request);
  Certificate(std::vector<uint8_t> blob, crypto::Ed25519PublicKey subject,
              crypto::Ed25519PublicKey ca)
      : blob_(std::move(blob)), subject_key_(subject), signature_key_(ca) {}

  std::vector<uint8_t> blob_;
  crypto::Ed25519PublicKey subject_key_;
  crypto::Ed25519PublicKey signature_key_;
  uint64_t serial_ = 0;
  CertType type_ = CertType::kUser;
  std::string key_id_;
  std::vector<std::string> principals_;
  uint64_t valid_after_ = 0;
  uint64_t valid_before_ = 0;
  std::vector<Option> critical_options_;
  std::vector<Option> extensions_;
};

// Signs `request` with `ca` (fresh 32-byte random nonce). The result is the certificate
// Parse would read from its blob (built from the request, not re-parsed). Errors:
// kInvalidArgument when the type is neither user nor host, the window is empty
// (valid_before <= valid_after), a principal is empty, an extension is empty or repeated,
// or the key id, a principal or an extension contains a NUL byte.
Result<Certificate> IssueCertificate(const crypto::Ed25519SecretKey& ca,
                                     const CertificateRequest& request);

// Accepts `cert` as a user certificate from `trusted_ca` for `principal` at `now`
// (Unix seconds; valid_after <= now < valid_before, as OpenSSH checks). Any critical
// option is refused (fail closed: none is understood here). Errors: kPermissionDenied
// (wrong CA, type or principal, critical option), kNotYetValid, kExpired.
Result<void> CheckUserCertificate(const Certificate& cert, const crypto::Ed25519PublicKey& trusted_ca,
                                  std::string_view principal, int64_t now);

}  // namespace notme::ssh
