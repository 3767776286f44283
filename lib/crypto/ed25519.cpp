#include "crypto/ed25519.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "notme/check.h"

namespace notme::crypto {
namespace {

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Result<Ed25519PublicKey> Ed25519PublicKey::FromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kSize) return Fail(ErrorCode::kInvalidKey, "ed25519 public key must be 32 bytes");
  // A key that is not a valid point on the main subgroup can never verify a signature
  // from an honest signer; refusing it early gives a precise error.
  if (crypto_core_ed25519_is_valid_point(bytes.data()) != 1) {
    return Fail(ErrorCode::kInvalidKey, "ed25519 public key is not a valid curve point");
  }
  std::array<uint8_t, kSize> b{};
  std::copy(bytes.begin(), bytes.end(), b.begin());
  return Ed25519PublicKey(b);
}

Result<Ed25519Signature> Ed25519Signature::FromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kSize) return Fail(ErrorCode::kMalformed, "ed25519 signature must be 64 bytes");
  std::array<uint8_t, kSize> b{};
  std::copy(bytes.begin(), bytes.end(), b.begin());
  return Ed25519Signature(b);
}

namespace {

// Straight into one guarded buffer: a separate guarded seed would cost a second
// allocation. libsodium draws the seed on its own stack and wipes it (crypto_sign_keypair).
std::array<uint8_t, Ed25519PublicKey::kSize> KeypairInto(SecretBytes& sk) {
  std::array<uint8_t, Ed25519PublicKey::kSize> pk{};
  sk.WriteForInit([&](std::span<uint8_t> out) {
    int rc = crypto_sign_keypair(pk.data(), out.data());
    NOTME_CHECK(rc == 0, "crypto_sign_keypair cannot fail");
  });
  return pk;
}

}  // namespace

Result<Ed25519SecretKey> Ed25519SecretKey::Generate() {
  NOTME_TRY(SecretBytes sk, SecretBytes::Allocate(crypto_sign_SECRETKEYBYTES));
  const auto pk = KeypairInto(sk);
  return Ed25519SecretKey(std::move(sk), Ed25519PublicKey(pk));
}

Result<Ed25519SecretKey> Ed25519SecretKey::GenerateOneTime() {
  static_assert(crypto_sign_SECRETKEYBYTES <= SecretBytes::kScratchSize);
  NOTME_TRY(SecretBytes sk, SecretBytes::AllocateScratch(crypto_sign_SECRETKEYBYTES));
  const auto pk = KeypairInto(sk);
  return Ed25519SecretKey(std::move(sk), Ed25519PublicKey(pk));
}

Result<Ed25519SecretKey> Ed25519SecretKey::FromSeed(const SecretBytes& seed) {
  if (seed.size() != kSeedSize) return Fail(ErrorCode::kInvalidKey, "ed25519 seed must be 32 bytes");
  NOTME_TRY(SecretBytes sk, SecretBytes::Allocate(crypto_sign_SECRETKEYBYTES));
  std::array<uint8_t, Ed25519PublicKey::kSize> pk{};
  seed.RevealForCrypto([&](std::span<const uint8_t> s) {
    sk.WriteForInit([&](std::span<uint8_t> out) {
      int rc = crypto_sign_seed_keypair(pk.data(), out.data(), s.data());
      NOTME_CHECK(rc == 0, "crypto_sign_seed_keypair cannot fail");
    });
  });
  return Ed25519SecretKey(std::move(sk), Ed25519PublicKey(pk));
}

Ed25519Signature Ed25519SecretKey::Sign(std::span<const uint8_t> message) const {
  std::array<uint8_t, Ed25519Signature::kSize> sig{};
  secret_.RevealForCrypto([&](std::span<const uint8_t> sk) {
    int rc = crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data());
    NOTME_CHECK(rc == 0, "crypto_sign_detached cannot fail");
  });
  return Ed25519Signature(sig);
}

Ed25519Signature Ed25519SecretKey::Sign(std::string_view message) const {
  return Sign(AsBytes(message));
}

Result<SecretBytes> Ed25519SecretKey::ExportSeedForKeyring() const {
  NOTME_TRY(SecretBytes seed, SecretBytes::Allocate(kSeedSize));
  secret_.RevealForCrypto([&](std::span<const uint8_t> sk) {
    seed.WriteForInit([&](std::span<uint8_t> out) {
      int rc = crypto_sign_ed25519_sk_to_seed(out.data(), sk.data());
      NOTME_CHECK(rc == 0, "crypto_sign_ed25519_sk_to_seed cannot fail");
    });
  });
  return seed;
}

Result<void> Ed25519Verify(const Ed25519PublicKey& key, std::span<const uint8_t> message,
                           const Ed25519Signature& signature) {
  if (crypto_sign_verify_detached(signature.bytes().data(), message.data(), message.size(),
                                  key.bytes().data()) != 0) {
    return Fail(ErrorCode::kBadSignature, "ed25519 signature does not verify");
  }
  return Ok();
}

Result<void> Ed25519Verify(const Ed25519PublicKey& key, std::string_view message,
                           const Ed25519Signature& signature) {
  return Ed25519Verify(key, AsBytes(message), signature);
}

}  // namespace notme::crypto
