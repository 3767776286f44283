#include "registration/idjag_provider.h"

#include <vector>

#include "crypto/random.h"
#include "jose/base64url.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "jose/kid.h"

namespace notme::registration {
namespace {
constexpr std::string_view kKeyringLabel = "notme ID-JAG provider key";
}  // namespace

std::string IdJagJwksUri(std::string_view issuer) {
  std::string base(issuer);
  if (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/.well-known/jwks.json";
}

IdJagProvider::IdJagProvider(crypto::Ed25519SecretKey key, std::string issuer, const Clock& clock)
    : key_(std::move(key)), issuer_(std::move(issuer)), kid_(jose::KidForEd25519(key_.public_key())),
      clock_(clock) {}

Result<std::unique_ptr<IdJagProvider>> IdJagProvider::Open(keyring::Keyring& keyring, std::string issuer,
                                                           const Clock& clock) {
  auto seed = keyring.Lookup(keyring::kIdjagProviderName);
  if (!seed && seed.error().code() == ErrorCode::kNotFound) {
    NOTME_TRY(auto fresh, crypto::Ed25519SecretKey::Generate());
    NOTME_TRY(auto fresh_seed, fresh.ExportSeedForKeyring());
    NOTME_TRY_VOID(keyring.Store(keyring::kIdjagProviderName, fresh_seed, kKeyringLabel));
    seed = keyring.Lookup(keyring::kIdjagProviderName);
  }
  if (!seed) return Fail(seed.error());
  NOTME_TRY(auto key, crypto::Ed25519SecretKey::FromSeed(*seed));
  return std::unique_ptr<IdJagProvider>(new IdJagProvider(std::move(key), std::move(issuer), clock));
}

Result<std::string> IdJagProvider::Mint(const IdJagSubject& s) const {
  if (s.subject.empty() || s.audience.empty() || s.email.empty() || s.agent.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "an ID-JAG needs a subject, an email, an agent and an audience");
  }
  if (s.lifetime < 1 || s.lifetime > kMaxIdJagLifetime) {
    return Fail(ErrorCode::kInvalidArgument, "an ID-JAG lives at most 300 seconds");
  }
  const std::vector<uint8_t> jti_bytes = crypto::RandomBytes(16);
  const int64_t now = clock_.NowSeconds();
  nlohmann::json claims = {
      {"iss", issuer_},
      {"sub", s.subject},
      {"aud", s.audience},
      {"client_id", issuer_},
      {"jti", jose::Base64UrlEncode(std::span<const uint8_t>(jti_bytes))},
      {"iat", now},
      {"exp", now + s.lifetime},
      {"email", s.email},
      {"email_verified", true},
      {"agent_platform", "notme"},
      {"agent", s.agent},
  };
  return jose::SignJwt(claims, kIdJagTyp, kid_, key_);
}

nlohmann::json IdJagProvider::Jwks() const {
  nlohmann::json jwk = jose::PublicJwk::FromEd25519(key_.public_key()).ToJson();
  jwk["kid"] = kid_;
  jwk["alg"] = "EdDSA";
  jwk["use"] = "sig";
  return {{"keys", nlohmann::json::array({jwk})}};
}

nlohmann::json IdJagProvider::IssuerMetadata() const {
  return {{"issuer", issuer_},
          {"jwks_uri", IdJagJwksUri(issuer_)},
          {"id_jag_signing_alg_values_supported", {"EdDSA"}}};
}

}  // namespace notme::registration
