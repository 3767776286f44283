#pragma once
// IdJagProvider: notme as an ID-JAG provider (draft-ietf-oauth-identity-assertion-authz-
// grant; AUTH.md "identity_assertion + id-jag"; docs/registration.md "notme as an
// identity provider"). It signs Identity Assertion JWT Authorization Grants with a
// persistent Ed25519 key kept in the keyring under "idjag-provider" (created on first
// use), and publishes the matching JWKS and issuer metadata.
//
// Header {"typ":"oauth-id-jag+jwt","alg":"EdDSA","kid"}; claims iss, sub (the human),
// aud (the service's resource), client_id (the issuer: notme has no CIMD), jti (128 random
// bits), iat, exp = iat + lifetime (at most 300 s), email, email_verified, and the agent
// as `agent_platform` ("notme") and `agent` (its name). Whether the human consented to an
// audience is the caller's check (RegistrationManager): this class only signs.
//
// Thread-safe: immutable after Open. The Clock must outlive it.

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "crypto/ed25519.h"
#include "keyring/keyring.h"
#include "notme/result.h"

namespace notme::registration {

inline constexpr std::string_view kIdJagTyp = "oauth-id-jag+jwt";
inline constexpr int64_t kMaxIdJagLifetime = 300;

struct IdJagSubject {
  std::string subject;   // stable opaque id of the human
  std::string email;     // the human's email, asserted as verified (the human typed it)
  std::string agent;     // the agent the assertion is minted for
  std::string audience;  // the service's resource identifier
  int64_t lifetime = kMaxIdJagLifetime;
};

class IdJagProvider {
 public:
  // Loads the key from `keyring` (or creates and stores it). `issuer` is the provider's
  // issuer URL (docs/registration.md). Errors: the keyring's, kInvalidKey.
  static Result<std::unique_ptr<IdJagProvider>> Open(keyring::Keyring& keyring, std::string issuer,
                                                     const Clock& clock);

  // Errors: kInvalidArgument (empty subject, audience or email, lifetime outside 1..300),
  // kTooLarge. The result is a bearer credential: never log it.
  Result<std::string> Mint(const IdJagSubject& subject) const;

  // {"keys":[<Ed25519 public JWK with kid, alg EdDSA, use sig>]}.
  nlohmann::json Jwks() const;
  // {"issuer", "jwks_uri"}: what a service puts on its trust list.
  nlohmann::json IssuerMetadata() const;
  const std::string& issuer() const { return issuer_; }
  const std::string& kid() const { return kid_; }

 private:
  IdJagProvider(crypto::Ed25519SecretKey key, std::string issuer, const Clock& clock);

  crypto::Ed25519SecretKey key_;
  std::string issuer_;
  std::string kid_;
  const Clock& clock_;
};

// "<issuer>/.well-known/jwks.json" (what the service guide fetches: {iss}/.well-known/jwks.json).
std::string IdJagJwksUri(std::string_view issuer);

}  // namespace notme::registration
