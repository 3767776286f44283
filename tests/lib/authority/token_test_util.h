#pragma once
// A complete authority stack on a FakeClock and a temporary config dir, plus DPoP proofs
// made and validated by lib/jose, for the token issuer and audit tests.

#include <memory>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "authority/agent_registry.h"
#include "authority/revocation.h"
#include "authority/signing_keys.h"
#include "authority/token_issuer.h"
#include "authority_test_util.h"
#include "jose/dpop.h"

namespace notme::authority::testing {

inline constexpr int64_t kNow = 1'700'000'000;
inline constexpr const char* kIssuer = "http://notme.localhost";
inline constexpr const char* kHuman = "user:alice@laptop";
inline constexpr const char* kTokenEndpoint = "http://notme.localhost/token";

struct Stack {
  explicit Stack(SigningKeyOptions key_options = {})
      : clock(kNow), replay(1000, clock), dpop({}, clock, replay), revocations(clock) {
    auto ring = SigningKeyRing::Create(clock, std::move(key_options));
    REQUIRE(ring);
    keys = std::move(*ring);
    auto registry = AgentRegistry::Load(dir.path(), clock);
    REQUIRE(registry);
    agents = std::move(*registry);
    auto made = TokenIssuer::Create({.issuer = kIssuer, .human = kHuman}, *keys, *agents,
                                    revocations, clock);
    REQUIRE(made);
    issuer = std::move(*made);
    auto client = crypto::Ed25519SecretKey::Generate();
    REQUIRE(client);
    client_key = std::make_unique<crypto::Ed25519SecretKey>(std::move(*client));
  }

  // A proof for POST /token from `key` (default: client_key), validated by jose.
  jose::VerifiedDpopProof TokenProof(const crypto::Ed25519SecretKey* key = nullptr) {
    return Proof("POST", kTokenEndpoint, std::nullopt, key);
  }

  jose::VerifiedDpopProof Proof(const std::string& method, const std::string& url,
                                std::optional<std::string> access_token,
                                const crypto::Ed25519SecretKey* key = nullptr) {
    auto proof = jose::CreateDpopProof(key ? *key : *client_key, method, url,
                                       clock.NowSeconds(), std::nullopt, access_token);
    REQUIRE_MESSAGE(proof, proof.error().ToString());
    auto verified = dpop.Validate(*proof, method, url,
                                  access_token ? std::optional<std::string_view>(*access_token)
                                               : std::nullopt);
    REQUIRE_MESSAGE(verified, verified.error().ToString());
    return std::move(*verified);
  }

  Result<IssuedToken> Mint(const std::string& agent, const std::string& scope = "",
                           std::optional<std::string> resource = std::nullopt) {
    return issuer->Mint(TokenRequest{agent, scope, std::move(resource), TokenProof()});
  }

  IssuedToken MintOk(const std::string& agent, const std::string& scope = "",
                     std::optional<std::string> resource = std::nullopt) {
    auto token = Mint(agent, scope, std::move(resource));
    REQUIRE_MESSAGE(token, token.error().ToString());
    return std::move(*token);
  }

  TempDir dir;
  FakeClock clock;
  jose::InMemoryReplayCache replay;
  jose::DpopValidator dpop;
  RevocationList revocations;
  std::unique_ptr<SigningKeyRing> keys;
  std::unique_ptr<AgentRegistry> agents;
  std::unique_ptr<TokenIssuer> issuer;
  std::unique_ptr<crypto::Ed25519SecretKey> client_key;
};

}  // namespace notme::authority::testing
