#include "ssh/sshsig.h"

#include "crypto/sha256.h"
#include "notme/check.h"
#include "ssh/base64.h"
#include "ssh/public_key.h"
#include "ssh/wire.h"

namespace notme::ssh {
namespace {

constexpr std::string_view kMagic = "SSHSIG";
constexpr uint32_t kVersion = 1;
constexpr std::string_view kSha512 = "sha512";
constexpr std::string_view kSha256 = "sha256";

// PROTOCOL.sshsig "Signed Data": what the key actually signs.
std::vector<uint8_t> SignedData(std::string_view ns, std::string_view hash_algorithm,
                                std::span<const uint8_t> message) {
  WireWriter w;
  w.Raw(kMagic);
  w.String(ns);
  w.String(std::string_view());  // reserved
  w.String(hash_algorithm);
  if (hash_algorithm == kSha512) {
    w.String(crypto::Sha512(message));
  } else {
    w.String(crypto::Sha256(message));
  }
  return w.Take();
}

std::vector<uint8_t> Create(const crypto::Ed25519SecretKey& key,
                            std::span<const uint8_t> public_key_blob, std::string_view ns,
                            std::span<const uint8_t> message) {
  NOTME_CHECK(!ns.empty(), "sshsig namespace must not be empty");
  auto signature = key.Sign(std::span<const uint8_t>(SignedData(ns, kSha512, message)));
  WireWriter w;
  w.Raw(kMagic);
  w.U32(kVersion);
  w.String(public_key_blob);
  w.String(ns);
  w.String(std::string_view());
  w.String(kSha512);
  w.String(EncodeEd25519SignatureBlob(signature));
  return w.Take();
}

}  // namespace

std::vector<uint8_t> CreateSshsig(const crypto::Ed25519SecretKey& key, const Certificate& cert,
                                  std::string_view ns, std::span<const uint8_t> message) {
  NOTME_CHECK(cert.subject_key() == key.public_key(), "sshsig: key is not the certificate's");
  return Create(key, cert.blob(), ns, message);
}

std::vector<uint8_t> CreateSshsig(const crypto::Ed25519SecretKey& key, std::string_view ns,
                                  std::span<const uint8_t> message) {
  return Create(key, EncodeEd25519PublicKeyBlob(key.public_key()), ns, message);
}

std::string ArmorSshsig(std::span<const uint8_t> blob) {
  std::string b64 = Base64Encode(blob);
  std::string out(kSshsigBegin);
  out += '\n';
  for (size_t i = 0; i < b64.size(); i += kSshsigLineWidth) {
    out.append(b64, i, kSshsigLineWidth);
    out += '\n';
  }
  out += kSshsigEnd;
  out += '\n';
  return out;
}

Result<std::vector<uint8_t>> DearmorSshsig(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  if (lines.size() < 3 || lines.front() != kSshsigBegin || lines.back() != kSshsigEnd) {
    return Fail(ErrorCode::kMalformed, "sshsig: missing armor lines");
  }
  std::string b64;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    if (lines[i].empty() || lines[i].size() > 76) {
      return Fail(ErrorCode::kMalformed, "sshsig: bad armor line");
    }
    b64 += lines[i];
  }
  return Base64Decode(b64);
}

Result<Sshsig> ParseSshsig(std::span<const uint8_t> blob) {
  WireReader r(blob);
  NOTME_TRY(auto magic, r.Raw(kMagic.size()));
  if (AsText(magic) != kMagic) return Fail(ErrorCode::kMalformed, "sshsig: bad magic");
  NOTME_TRY(uint32_t version, r.U32());
  if (version != kVersion) return Fail(ErrorCode::kUnsupported, "sshsig: unsupported version");
  NOTME_TRY(auto public_key, r.String());
  NOTME_TRY(std::string_view ns, r.Text());
  NOTME_TRY(auto reserved, r.String());
  NOTME_TRY(std::string_view hash, r.Text());
  NOTME_TRY(auto signature_blob, r.String());
  NOTME_TRY_VOID(r.ExpectEnd("sshsig"));
  (void)reserved;  // PROTOCOL.sshsig: ignored by verifiers
  if (ns.empty()) return Fail(ErrorCode::kMalformed, "sshsig: empty namespace");
  if (hash != kSha512 && hash != kSha256) {
    return Fail(ErrorCode::kUnsupported, "sshsig: unsupported hash algorithm");
  }
  NOTME_TRY(auto signature, ParseEd25519SignatureBlob(signature_blob));
  return Sshsig{std::vector<uint8_t>(public_key.begin(), public_key.end()), std::string(ns),
                std::string(hash), signature};
}

Result<SshsigSigner> VerifySshsig(const Sshsig& sig, std::string_view ns,
                                  std::span<const uint8_t> message) {
  if (sig.ns != ns) return Fail(ErrorCode::kPermissionDenied, "sshsig: namespace mismatch");
  WireReader r(sig.public_key_blob);
  NOTME_TRY(std::string_view type, r.Text());
  std::optional<Certificate> cert;
  std::optional<crypto::Ed25519PublicKey> key;
  if (type == kEd25519KeyType) {
    NOTME_TRY(auto k, ParseEd25519PublicKeyBlob(sig.public_key_blob));
    key = k;
  } else if (type == kEd25519CertType) {
    NOTME_TRY(auto c, Certificate::Parse(sig.public_key_blob));
    key = c.subject_key();
    cert = std::move(c);
  } else {
    return Fail(ErrorCode::kUnsupported, "sshsig: only ssh-ed25519 keys and certificates");
  }
  auto data = SignedData(sig.ns, sig.hash_algorithm, message);
  NOTME_TRY_VOID(crypto::Ed25519Verify(*key, std::span<const uint8_t>(data), sig.signature));
  return SshsigSigner{*key, std::move(cert)};
}

}  // namespace notme::ssh
