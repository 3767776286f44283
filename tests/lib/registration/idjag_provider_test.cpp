#include "registration/idjag_provider.h"

#include <doctest/doctest.h>

#include "jose/jwk.h"
#include "jose/jwt.h"
#include "keyring/ephemeral_keyring.h"

using notme::ErrorCode;
using notme::FakeClock;
using namespace notme::registration;
namespace jose = notme::jose;

namespace {
IdJagSubject Subject() {
  return IdJagSubject{.subject = "human:1", .email = "h@example.com", .agent = "claude",
                      .audience = "https://api.example.com/", .lifetime = 300};
}
jose::KeySet KeysOf(const IdJagProvider& p) {
  jose::KeySet keys;
  const nlohmann::json jwks = p.Jwks();
  const auto& jwk = jwks["keys"][0];
  auto key = jose::PublicJwk::FromJson(jwk);
  REQUIRE_MESSAGE(key, key.error().ToString());
  keys.Add(jwk["kid"].get<std::string>(), *key);
  return keys;
}
}  // namespace

TEST_SUITE("IdJagProvider") {
  TEST_CASE("a minted ID-JAG verifies against the published JWKS with every required claim") {
    FakeClock clock{1700000000};
    notme::keyring::EphemeralKeyring kr{clock};
    auto p = IdJagProvider::Open(kr, "https://notme.localhost/idjag", clock).value();
    auto jwt = p->Mint(Subject());
    REQUIRE(jwt);
    jose::ClaimsValidator v(clock, {.issuer = "https://notme.localhost/idjag", .audience = "https://api.example.com/"});
    auto verified = jose::VerifyJwt(*jwt, KeysOf(*p), kIdJagTyp, v);
    REQUIRE_MESSAGE(verified, verified.error().ToString());
    const auto& c = verified->claims();
    CHECK(c["sub"] == "human:1");
    CHECK(c["client_id"] == "https://notme.localhost/idjag");
    CHECK(c["email"] == "h@example.com");
    CHECK(c["email_verified"] == true);
    CHECK(c["agent"] == "claude");
    CHECK(c["exp"].get<int64_t>() - c["iat"].get<int64_t>() == 300);
    CHECK(verified->header()["typ"] == "oauth-id-jag+jwt");
  }

  TEST_CASE("every ID-JAG has a fresh jti") {
    FakeClock clock{1700000000};
    notme::keyring::EphemeralKeyring kr{clock};
    auto p = IdJagProvider::Open(kr, "https://n.example", clock).value();
    jose::ClaimsValidator v(clock, {});
    auto a = jose::VerifyJwt(*p->Mint(Subject()), KeysOf(*p), kIdJagTyp, v).value();
    auto b = jose::VerifyJwt(*p->Mint(Subject()), KeysOf(*p), kIdJagTyp, v).value();
    CHECK(a.jti() != b.jti());
  }

  TEST_CASE("the provider key persists in the keyring") {
    FakeClock clock{1700000000};
    notme::keyring::EphemeralKeyring kr{clock};
    auto a = IdJagProvider::Open(kr, "https://n.example", clock).value();
    auto b = IdJagProvider::Open(kr, "https://n.example", clock).value();
    CHECK(a->kid() == b->kid());
    CHECK(kr.Lookup(notme::keyring::kIdjagProviderName));
  }

  TEST_CASE("a lifetime over five minutes or a missing claim is refused") {
    FakeClock clock{1700000000};
    notme::keyring::EphemeralKeyring kr{clock};
    auto p = IdJagProvider::Open(kr, "https://n.example", clock).value();
    auto s = Subject();
    s.lifetime = 301;
    CHECK(p->Mint(s).error().code() == ErrorCode::kInvalidArgument);
    s = Subject();
    s.audience.clear();
    CHECK_FALSE(p->Mint(s));
    s = Subject();
    s.email.clear();
    CHECK_FALSE(p->Mint(s));
  }

  TEST_CASE("the issuer metadata names the JWKS") {
    FakeClock clock{1700000000};
    notme::keyring::EphemeralKeyring kr{clock};
    auto p = IdJagProvider::Open(kr, "https://n.example/idjag/", clock).value();
    CHECK(p->IssuerMetadata()["jwks_uri"] == "https://n.example/idjag/.well-known/jwks.json");
  }
}
