#pragma once
// Ed25519 (RFC 8032) keys, signatures and verification over libsodium.
//
// Distinct types per role (STYLE.md): Ed25519PublicKey and Ed25519Signature are public
// values and may be printed or copied; Ed25519SecretKey holds its material only in
// SecretBytes and can neither be printed nor copied. All classes are immutable after
// construction and safe to share between threads for reading, except Ed25519SecretKey
// whose Sign() must be serialised by the owner (SecretBytes is single-owner).

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/secret_bytes.h"
#include "notme/result.h"

namespace notme::crypto {

class Ed25519PublicKey {
 public:
  static constexpr size_t kSize = 32;
  // Accepts exactly 32 bytes. Errors: kInvalidKey on a wrong length or a small-order /
  // non-canonical point (rejected up front so verification never runs against it).
  static Result<Ed25519PublicKey> FromBytes(std::span<const uint8_t> bytes);

  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  bool operator==(const Ed25519PublicKey&) const = default;

 private:
  explicit Ed25519PublicKey(const std::array<uint8_t, kSize>& b) : bytes_(b) {}
  friend class Ed25519SecretKey;
  std::array<uint8_t, kSize> bytes_;
};

class Ed25519Signature {
 public:
  static constexpr size_t kSize = 64;
  // Errors: kMalformed unless exactly 64 bytes.
  static Result<Ed25519Signature> FromBytes(std::span<const uint8_t> bytes);
  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }

 private:
  explicit Ed25519Signature(const std::array<uint8_t, kSize>& b) : bytes_(b) {}
  friend class Ed25519SecretKey;
  std::array<uint8_t, kSize> bytes_;
};

class Ed25519SecretKey {
 public:
  static constexpr size_t kSeedSize = 32;
  // A fresh key from the CSPRNG. Errors: guarded memory unavailable.
  static Result<Ed25519SecretKey> Generate();
  // A fresh key for exactly one operation on this thread (an SSH signature's one-time
  // key), in SecretBytes::AllocateScratch memory: no mmap/mprotect per key; wiped when
  // destroyed, which the caller does right after the signature. Errors: as Generate.
  static Result<Ed25519SecretKey> GenerateOneTime();
  // Deterministic key from a 32-byte seed (RFC 8032 "private key"), for keys restored
  // from the keyring and for test vectors. Errors: kInvalidKey on a wrong size.
  static Result<Ed25519SecretKey> FromSeed(const SecretBytes& seed);

  Ed25519SecretKey(Ed25519SecretKey&&) noexcept = default;
  Ed25519SecretKey& operator=(Ed25519SecretKey&&) noexcept = default;

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // For a long-lived key signing on every request (token key, SSH CA): see
  // SecretBytes::KeepReadOnly.
  void KeepReadOnly() { secret_.KeepReadOnly(); }
  Ed25519Signature Sign(std::span<const uint8_t> message) const;
  Ed25519Signature Sign(std::string_view message) const;
  // The 32-byte seed, copied into new guarded memory, for storing in the keyring only.
  Result<SecretBytes> ExportSeedForKeyring() const;

 private:
  Ed25519SecretKey(SecretBytes sk, Ed25519PublicKey pk)
      : secret_(std::move(sk)), public_key_(pk) {}
  SecretBytes secret_;  // libsodium's 64-byte form: seed || public key
  Ed25519PublicKey public_key_;
};

// Strict RFC 8032 verification (libsodium rejects non-canonical S and small-order keys).
// Errors: kBadSignature.
Result<void> Ed25519Verify(const Ed25519PublicKey& key, std::span<const uint8_t> message,
                           const Ed25519Signature& signature);
Result<void> Ed25519Verify(const Ed25519PublicKey& key, std::string_view message,
                           const Ed25519Signature& signature);

}  // namespace notme::crypto
