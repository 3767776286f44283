// The halves of PublicJwk that take untrusted input and may need ES256 (OpenSSL): parsing
// a JWK that a client sent, and verifying a signature with it. Kept apart from jwk.cpp so
// that a client that only makes Ed25519 proofs does not link OpenSSL (see
// lib/jose/CMakeLists.txt).
#include "jose/jwk.h"

#include <array>

#include "crypto/es256.h"
#include "jose/base64url.h"

namespace notme::jose {
namespace {

// Members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4;
// RFC 8037 §2). Their presence means the sender leaked a secret or sent the wrong key.
constexpr std::array<std::string_view, 8> kPrivateMembers = {"d",  "p",  "q",   "dp",
                                                             "dq", "qi", "oth", "k"};

Result<std::string_view> RequiredString(const nlohmann::json& jwk, std::string_view name) {
  const auto it = jwk.find(name);
  if (it == jwk.end()) {
    return Fail(ErrorCode::kMalformed, "jwk: missing \"" + std::string(name) + "\"");
  }
  const auto* s = it->get_ptr<const std::string*>();
  if (s == nullptr) {
    return Fail(ErrorCode::kMalformed, "jwk: \"" + std::string(name) + "\" is not a string");
  }
  return std::string_view(*s);
}

Result<std::vector<uint8_t>> DecodeCoordinate(const nlohmann::json& jwk, std::string_view name,
                                              size_t size) {
  NOTME_TRY(const std::string_view text, RequiredString(jwk, name));
  auto bytes = Base64UrlDecode(text);
  if (!bytes) {
    return Fail(ErrorCode::kMalformed,
                "jwk: \"" + std::string(name) + "\": " + bytes.error().message());
  }
  if (bytes->size() != size) {
    return Fail(ErrorCode::kInvalidKey, "jwk: \"" + std::string(name) + "\" has the wrong length");
  }
  return std::move(*bytes);
}

Result<void> CheckOptionalMembers(const nlohmann::json& jwk, JwsAlgorithm alg) {
  if (const auto it = jwk.find("alg"); it != jwk.end()) {
    const auto* s = it->get_ptr<const std::string*>();
    if (s == nullptr) return Fail(ErrorCode::kMalformed, "jwk: \"alg\" is not a string");
    if (*s != JwsAlgorithmName(alg)) {
      return Fail(ErrorCode::kInvalidKey, "jwk: \"alg\" does not match the key type");
    }
  }
  if (const auto it = jwk.find("use"); it != jwk.end()) {
    const auto* s = it->get_ptr<const std::string*>();
    if (s == nullptr) return Fail(ErrorCode::kMalformed, "jwk: \"use\" is not a string");
    if (*s != "sig") return Fail(ErrorCode::kInvalidKey, "jwk: \"use\" is not \"sig\"");
  }
  return Ok();
}

}  // namespace

Result<PublicJwk> PublicJwk::FromJson(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return Fail(ErrorCode::kMalformed, "jwk: not a JSON object");
  for (const std::string_view member : kPrivateMembers) {
    if (jwk.contains(member)) {
      return Fail(ErrorCode::kInvalidKey,
                  "jwk: private key member \"" + std::string(member) + "\" is not allowed");
    }
  }
  NOTME_TRY(const std::string_view kty, RequiredString(jwk, "kty"));
  NOTME_TRY(const std::string_view crv, RequiredString(jwk, "crv"));
  if (kty == "OKP") {
    if (crv != "Ed25519") return Fail(ErrorCode::kUnsupported, "jwk: unsupported OKP curve");
    NOTME_TRY_VOID(CheckOptionalMembers(jwk, JwsAlgorithm::kEdDSA));
    NOTME_TRY(const auto x, DecodeCoordinate(jwk, "x", crypto::Ed25519PublicKey::kSize));
    auto key = crypto::Ed25519PublicKey::FromBytes(x);
    if (!key) return Fail(ErrorCode::kInvalidKey, "jwk: " + key.error().message());
    return PublicJwk(*key);
  }
  if (kty == "EC") {
    if (crv != "P-256") return Fail(ErrorCode::kUnsupported, "jwk: unsupported EC curve");
    NOTME_TRY_VOID(CheckOptionalMembers(jwk, JwsAlgorithm::kES256));
    NOTME_TRY(const auto x, DecodeCoordinate(jwk, "x", crypto::P256PublicKey::kCoordinateSize));
    NOTME_TRY(const auto y, DecodeCoordinate(jwk, "y", crypto::P256PublicKey::kCoordinateSize));
    auto key = crypto::P256PublicKey::FromCoordinates(x, y);
    if (!key) return Fail(ErrorCode::kInvalidKey, "jwk: " + key.error().message());
    return PublicJwk(std::move(*key));
  }
  return Fail(ErrorCode::kUnsupported, "jwk: unsupported key type");
}

Result<void> PublicJwk::VerifySignature(std::string_view signing_input,
                                        std::span<const uint8_t> signature) const {
  if (const auto* ed = ed25519()) {
    auto sig = crypto::Ed25519Signature::FromBytes(signature);
    if (!sig) return Fail(ErrorCode::kMalformed, "jws: Ed25519 signature must be 64 bytes");
    return crypto::Ed25519Verify(*ed, signing_input, *sig);
  }
  return std::get<crypto::P256PublicKey>(key_).VerifyEs256(signing_input, signature);
}

}  // namespace notme::jose
