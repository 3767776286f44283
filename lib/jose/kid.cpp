#include "jose/kid.h"

#include <array>

#include "crypto/sha256.h"

namespace notme::jose {

std::string KidForEd25519(const crypto::Ed25519PublicKey& key) {
  return KidForEd25519(std::span<const uint8_t, 32>(key.bytes()));
}

std::string KidForEd25519(std::span<const uint8_t, 32> public_key_bytes) {
  // RFC 8410 §4 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID 1.3.101.112 },
  // BIT STRING (0 unused bits) key }.
  static constexpr std::array<uint8_t, 12> kSpkiPrefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                         0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  std::array<uint8_t, kSpkiPrefix.size() + crypto::Ed25519PublicKey::kSize> spki{};
  std::copy(kSpkiPrefix.begin(), kSpkiPrefix.end(), spki.begin());
  std::copy(public_key_bytes.begin(), public_key_bytes.end(), spki.begin() + kSpkiPrefix.size());
  const crypto::Sha256Digest digest = crypto::Sha256(spki);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string kid;
  kid.reserve(32);
  for (size_t i = 0; i < 16; ++i) {
    kid.push_back(kHex[digest[i] >> 4]);
    kid.push_back(kHex[digest[i] & 15]);
  }
  return kid;
}

}  // namespace notme::jose
