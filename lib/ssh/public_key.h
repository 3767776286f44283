#pragma once
// Ed25519 public keys in OpenSSH's encodings (RFC 8709 §4, PROTOCOL.key):
//   blob:  string "ssh-ed25519" || string key(32)
//   text:  "ssh-ed25519 <base64(blob)> [comment]"  (authorized_keys / allowed_signers)
// and the SHA256 fingerprint ssh-keygen prints. Pure functions; thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "notme/result.h"

namespace notme::ssh {

inline constexpr std::string_view kEd25519KeyType = "ssh-ed25519";

std::vector<uint8_t> EncodeEd25519PublicKeyBlob(const crypto::Ed25519PublicKey& key);

// Parses exactly one ed25519 key blob. Errors: kUnsupported for another key type,
// kMalformed on truncation or trailing bytes, kInvalidKey for a bad point.
Result<crypto::Ed25519PublicKey> ParseEd25519PublicKeyBlob(std::span<const uint8_t> blob);

// "ssh-ed25519 AAAA... comment" (no comment → no trailing space).
std::string FormatAuthorizedKey(const crypto::Ed25519PublicKey& key, std::string_view comment);

// Parses "ssh-ed25519 <base64> [comment]"; the type word must match the blob's.
// Errors: kMalformed, kUnsupported, kInvalidKey.
Result<crypto::Ed25519PublicKey> ParseAuthorizedKey(std::string_view line);

// Ed25519 signature blob (RFC 8709 §6): string "ssh-ed25519" || string sig(64).
std::vector<uint8_t> EncodeEd25519SignatureBlob(const crypto::Ed25519Signature& sig);
// Errors: kUnsupported for another algorithm, kMalformed otherwise.
Result<crypto::Ed25519Signature> ParseEd25519SignatureBlob(std::span<const uint8_t> blob);

// "SHA256:<unpadded base64 of sha256(blob)>", as ssh-keygen -l prints.
std::string Sha256Fingerprint(std::span<const uint8_t> key_blob);

}  // namespace notme::ssh
