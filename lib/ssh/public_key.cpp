#include "ssh/public_key.h"

#include "crypto/sha256.h"
#include "ssh/base64.h"
#include "ssh/wire.h"

namespace notme::ssh {

std::vector<uint8_t> EncodeEd25519PublicKeyBlob(const crypto::Ed25519PublicKey& key) {
  WireWriter w;
  w.String(kEd25519KeyType);
  w.String(key.bytes());
  return w.Take();
}

Result<crypto::Ed25519PublicKey> ParseEd25519PublicKeyBlob(std::span<const uint8_t> blob) {
  WireReader r(blob);
  NOTME_TRY_VOID(r.ExpectText(kEd25519KeyType));
  NOTME_TRY(auto key, r.String());
  NOTME_TRY_VOID(r.ExpectEnd("ssh-ed25519 key blob"));
  return crypto::Ed25519PublicKey::FromBytes(key);
}

std::string FormatAuthorizedKey(const crypto::Ed25519PublicKey& key, std::string_view comment) {
  std::string out(kEd25519KeyType);
  out += ' ';
  out += Base64Encode(EncodeEd25519PublicKeyBlob(key));
  if (!comment.empty()) {
    out += ' ';
    out += comment;
  }
  return out;
}

Result<crypto::Ed25519PublicKey> ParseAuthorizedKey(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return Fail(ErrorCode::kMalformed, "public key: missing key data");
  if (line.substr(0, sp) != kEd25519KeyType) {
    return Fail(ErrorCode::kUnsupported, "public key: only ssh-ed25519 is supported");
  }
  std::string_view b64 = line.substr(sp + 1);
  b64 = b64.substr(0, b64.find(' '));
  NOTME_TRY(auto blob, Base64Decode(b64));
  return ParseEd25519PublicKeyBlob(blob);
}

std::vector<uint8_t> EncodeEd25519SignatureBlob(const crypto::Ed25519Signature& sig) {
  WireWriter w;
  w.String(kEd25519KeyType);
  w.String(sig.bytes());
  return w.Take();
}

Result<crypto::Ed25519Signature> ParseEd25519SignatureBlob(std::span<const uint8_t> blob) {
  WireReader r(blob);
  NOTME_TRY_VOID(r.ExpectText(kEd25519KeyType));
  NOTME_TRY(auto sig, r.String());
  NOTME_TRY_VOID(r.ExpectEnd("ssh-ed25519 signature"));
  return crypto::Ed25519Signature::FromBytes(sig);
}

std::string Sha256Fingerprint(std::span<const uint8_t> key_blob) {
  auto digest = crypto::Sha256(key_blob);
  std::string b64 = Base64Encode(digest);
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

}  // namespace notme::ssh
