#include "jose/jwk.h"

namespace notme::jose {
std::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kEdDSA ? "EdDSA" : "ES256";
}
Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
PublicJwk::PublicJwk(Key key) : key_(std::move(key)) {}
Result<PublicJwk> PublicJwk::FromJson(const nlohmann::json&) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
PublicJwk PublicJwk::FromEd25519(const crypto::Ed25519PublicKey& key) { return PublicJwk(key); }
PublicJwk PublicJwk::FromP256(const crypto::P256PublicKey& key) { return PublicJwk(key); }
JwsAlgorithm PublicJwk::algorithm() const {
  return key_.index() == 0 ? JwsAlgorithm::kEdDSA : JwsAlgorithm::kES256;
}
nlohmann::json PublicJwk::ToJson() const { return {}; }
const crypto::Ed25519PublicKey* PublicJwk::ed25519() const {
  return std::get_if<crypto::Ed25519PublicKey>(&key_);
}
const crypto::P256PublicKey* PublicJwk::p256() const {
  return std::get_if<crypto::P256PublicKey>(&key_);
}
Result<void> PublicJwk::VerifySignature(std::string_view, std::span<const uint8_t>) const {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
}  // namespace notme::jose
