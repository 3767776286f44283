#pragma once
// ES256 (ECDSA P-256 with SHA-256) signature *verification* via OpenSSL libcrypto, for
// DPoP proofs made by clients with P-256 keys (RFC 9449 lists ES256). notme never signs
// with ES256. Immutable; thread-safe for concurrent Verify calls.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "notme/result.h"

namespace notme::crypto {

class P256PublicKey {
 public:
  static constexpr size_t kCoordinateSize = 32;
  // From the JWK's affine coordinates (RFC 7518 §6.2.1: each exactly 32 bytes).
  // Errors: kInvalidKey when a coordinate has the wrong length or the point is not on
  // the curve (invalid-curve attacks are refused here, before any verification).
  static Result<P256PublicKey> FromCoordinates(std::span<const uint8_t> x,
                                               std::span<const uint8_t> y);

  const std::array<uint8_t, kCoordinateSize>& x() const { return x_; }
  const std::array<uint8_t, kCoordinateSize>& y() const { return y_; }

  // Verifies a JOSE ES256 signature: exactly 64 bytes, big-endian r || s (RFC 7518
  // §3.4). DER-encoded signatures and r or s outside [1, n-1] are rejected.
  // Errors: kMalformed for a wrong shape, kBadSignature when it does not verify.
  Result<void> VerifyEs256(std::span<const uint8_t> message,
                           std::span<const uint8_t> signature) const;
  Result<void> VerifyEs256(std::string_view message, std::span<const uint8_t> signature) const;

 private:
  struct Impl;
  P256PublicKey(std::array<uint8_t, kCoordinateSize> x, std::array<uint8_t, kCoordinateSize> y,
                std::shared_ptr<const Impl> impl)
      : x_(x), y_(y), impl_(std::move(impl)) {}
  std::array<uint8_t, kCoordinateSize> x_;
  std::array<uint8_t, kCoordinateSize> y_;
  std::shared_ptr<const Impl> impl_;  // the parsed EVP_PKEY
};

}  // namespace notme::crypto
