#pragma once
// SSHSIG detached signatures (OpenSSH PROTOCOL.sshsig), what `ssh-keygen -Y sign` makes
// and git stores in commits with gpg.format=ssh.
//
//   blob:        "SSHSIG" || uint32 1 || string publickey || string namespace ||
//                string reserved || string hash_algorithm || string signature
//   signed data: "SSHSIG" || string namespace || string reserved ||
//                string hash_algorithm || string H(message)
//   armor:       "-----BEGIN SSH SIGNATURE-----", base64 in 70-column lines,
//                "-----END SSH SIGNATURE-----"
//
// Only Ed25519 signatures are made or verified; the public key may be a plain
// ssh-ed25519 key or an ssh-ed25519 certificate. Parse* functions take untrusted input;
// VerifySshsig checks the signature and returns what signed it (certificate trust is the
// caller's next step: CheckUserCertificate). Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "notme/result.h"
#include "ssh/certificate.h"

namespace notme::ssh {

inline constexpr std::string_view kSshsigBegin = "-----BEGIN SSH SIGNATURE-----";
inline constexpr std::string_view kSshsigEnd = "-----END SSH SIGNATURE-----";
inline constexpr size_t kSshsigLineWidth = 70;  // ssh-keygen's armor line length

// Signs `message` (hash sha512) as the subject of `cert`; `key` must be the certificate's
// subject key (NOTME_CHECK). `ns` must be non-empty (NOTME_CHECK: callers validate it).
std::vector<uint8_t> CreateSshsig(const crypto::Ed25519SecretKey& key, const Certificate& cert,
                                  std::string_view ns, std::span<const uint8_t> message);
// The same, carrying the plain public key of `key`.
std::vector<uint8_t> CreateSshsig(const crypto::Ed25519SecretKey& key, std::string_view ns,
                                  std::span<const uint8_t> message);

// The armored text, ending with a newline, byte-for-byte as ssh-keygen writes FILE.sig.
std::string ArmorSshsig(std::span<const uint8_t> blob);
// Strips the armor (lines may end in \n or \r\n; text after the END line is refused).
// Errors: kMalformed.
Result<std::vector<uint8_t>> DearmorSshsig(std::string_view text);

// The fields of a parsed (not yet verified) signature.
struct Sshsig {
  std::vector<uint8_t> public_key_blob;
  std::string ns;
  std::string hash_algorithm;  // "sha256" or "sha512"
  crypto::Ed25519Signature signature;
};

// Strict parse of one blob: magic, version 1, non-empty namespace, a supported hash, an
// Ed25519 signature, no trailing bytes. Errors: kMalformed, kUnsupported.
Result<Sshsig> ParseSshsig(std::span<const uint8_t> blob);

// Who made a verified signature.
struct SshsigSigner {
  crypto::Ed25519PublicKey key;
  std::optional<Certificate> certificate;  // set when the signature carried one
};

// Verifies `sig` over `message` under namespace `ns`. Errors: kPermissionDenied on a
// namespace mismatch, kUnsupported for a non-Ed25519 key, certificate parse errors,
// kBadSignature.
Result<SshsigSigner> VerifySshsig(const Sshsig& sig, std::string_view ns,
                                  std::span<const uint8_t> message);

}  // namespace notme::ssh
