#pragma once
// The key identifier rule of CONTRACT.md ("Access tokens"): `kid` is the lowercase hex
// of the first 16 bytes of SHA-256 over the key's SubjectPublicKeyInfo DER
// (RFC 8410: 302a300506032b6570032100 || 32-byte key). Public key bytes 00..1f give
// "9408457aefd071cec127c1f985399308". Stateless and thread-safe.

#include <cstdint>
#include <span>
#include <string>

#include "crypto/ed25519.h"

namespace notme::jose {

// 32 lowercase hex characters.
std::string KidForEd25519(const crypto::Ed25519PublicKey& key);
// The same over raw key bytes (no point validation), e.g. for the CONTRACT.md vector
// whose bytes 00..1f are not a valid Ed25519 point.
std::string KidForEd25519(std::span<const uint8_t, 32> public_key_bytes);

}  // namespace notme::jose
