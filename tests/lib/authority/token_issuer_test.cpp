#include "authority/token_issuer.h"

#include <atomic>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "jose/base64url.h"
#include "jose/jwt.h"
#include "token_test_util.h"

namespace notme::authority {
namespace {

using testing::kHuman;
using testing::kIssuer;
using testing::kNow;
using testing::Stack;

nlohmann::json DecodePart(const std::string& token, int index) {
  size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  const size_t end = token.find('.', start);
  auto text = jose::Base64UrlDecodeToString(token.substr(start, end - start));
  REQUIRE(text);
  return nlohmann::json::parse(*text);
}

void AddAgents(Stack& s) {
  REQUIRE(s.agents->Add("claude", {"git:sign", "repo.read"}, {"https://api.example.com/"}));
  REQUIRE(s.agents->Add("codex", {"repo.read"}, {}));
}

TEST_SUITE("TokenIssuer") {
  TEST_CASE("a minted token has exactly the documented header and claims") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude", "git:sign");
    const nlohmann::json header = DecodePart(token.access_token, 0);
    CHECK(header == nlohmann::json{{"typ", "at+jwt"}, {"alg", "EdDSA"},
                                   {"kid", s.keys->CurrentKid()}});
    const nlohmann::json claims = DecodePart(token.access_token, 1);
    std::set<std::string> names;
    for (const auto& [k, v] : claims.items()) names.insert(k);
    CHECK(names == std::set<std::string>{"iss", "sub", "act", "client_id", "aud", "scope", "iat",
                                         "nbf", "exp", "jti", "cnf"});
    CHECK(claims["iss"] == kIssuer);
    CHECK(claims["sub"] == kHuman);
    CHECK(claims["act"] == nlohmann::json{{"sub", "agent:claude"}});
    CHECK(claims["client_id"] == "claude");
    CHECK(claims["aud"] == kIssuer);
    CHECK(claims["scope"] == "git:sign");
    CHECK(claims["iat"] == kNow);
    CHECK(claims["nbf"] == kNow);
    CHECK(claims["exp"] == kNow + 300);
    CHECK(claims["cnf"] == nlohmann::json{{"jkt", s.TokenProof().jkt()}});
    const std::string jti = claims["jti"];
    auto jti_bytes = jose::Base64UrlDecode(jti);
    REQUIRE(jti_bytes);
    CHECK(jti_bytes->size() == 16);
    CHECK(token.jti == jti);
    CHECK(token.kid == s.keys->CurrentKid());
  }

  TEST_CASE("the token response has the RFC 9449 shape") {
    Stack s;
    AddAgents(s);
    const nlohmann::json body =
        nlohmann::json::parse(s.MintOk("claude", "repo.read").ResponseBody());
    CHECK(body["token_type"] == "DPoP");
    CHECK(body["expires_in"] == 300);
    CHECK(body["scope"] == "repo.read");
    CHECK(body["access_token"].is_string());
    CHECK(body.size() == 4);
  }

  TEST_CASE("every minted token has a fresh jti") {
    Stack s;
    AddAgents(s);
    std::set<std::string> jtis;
    for (int i = 0; i < 50; ++i) jtis.insert(s.MintOk("claude").jti);
    CHECK(jtis.size() == 50);
  }

  TEST_CASE("an empty scope request grants all the agent's scopes") {
    Stack s;
    AddAgents(s);
    CHECK(s.MintOk("claude").scope == "git:sign repo.read");
  }

  TEST_CASE("a scope the agent does not have is refused") {
    Stack s;
    AddAgents(s);
    for (const char* scope : {"admin", "git:sign admin", "repo.read git:sign x"}) {
      auto token = s.Mint("claude", scope);
      REQUIRE_FALSE(token);
      CHECK(token.error().code() == ErrorCode::kInvalidScope);
    }
    auto other = s.Mint("codex", "git:sign");
    REQUIRE_FALSE(other);
    CHECK(other.error().code() == ErrorCode::kInvalidScope);
  }

  TEST_CASE("a malformed scope parameter is refused") {
    Stack s;
    AddAgents(s);
    for (const char* scope : {" git:sign", "git:sign ", "git:sign  repo.read",
                              "git:sign git:sign", "git:sign\trepo.read"}) {
      CAPTURE(scope);
      auto token = s.Mint("claude", scope);
      REQUIRE_FALSE(token);
      CHECK(token.error().code() == ErrorCode::kInvalidScope);
    }
  }

  TEST_CASE("an unknown agent is refused as invalid_client") {
    Stack s;
    AddAgents(s);
    for (const char* agent : {"nobody", "", "CLAUDE", "../claude"}) {
      auto token = s.Mint(agent);
      REQUIRE_FALSE(token);
      CHECK(token.error().code() == ErrorCode::kInvalidClient);
    }
  }

  TEST_CASE("a removed agent can no longer mint and its tokens stop verifying") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude");
    REQUIRE(s.agents->Remove("claude"));
    CHECK(s.Mint("claude").error().code() == ErrorCode::kInvalidClient);
    CHECK(s.issuer->VerifyAccessToken(token.access_token).error().code() ==
          ErrorCode::kInvalidToken);
  }

  TEST_CASE("a resource in the agent's audiences becomes the aud") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude", "", "https://api.example.com/");
    CHECK(token.audience == "https://api.example.com/");
    CHECK(DecodePart(token.access_token, 1)["aud"] == "https://api.example.com/");
  }

  TEST_CASE("the issuer is always an allowed resource") {
    Stack s;
    AddAgents(s);
    CHECK(s.MintOk("codex", "", kIssuer).audience == kIssuer);
  }

  TEST_CASE("a resource outside the allow-list is refused as invalid_target") {
    Stack s;
    AddAgents(s);
    for (const char* resource : {"https://api.example.com", "https://api.example.com/x",
                                 "https://evil.example/", "HTTPS://api.example.com/",
                                 "not a uri", "https://api.example.com/#x", ""}) {
      CAPTURE(resource);
      auto token = s.Mint("claude", "", std::string(resource));
      REQUIRE_FALSE(token);
      CHECK(token.error().code() == ErrorCode::kInvalidTarget);
    }
    CHECK(s.Mint("codex", "", "https://api.example.com/").error().code() ==
          ErrorCode::kInvalidTarget);
  }

  TEST_CASE("a minted token verifies and names the agent and the human") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude", "git:sign");
    auto verified = s.issuer->VerifyAccessToken(token.access_token);
    REQUIRE_MESSAGE(verified, verified.error().ToString());
    CHECK(verified->agent() == "claude");
    CHECK(verified->human() == kHuman);
    CHECK(verified->HasScope("git:sign"));
    CHECK_FALSE(verified->HasScope("repo.read"));
    CHECK(verified->jti() == token.jti);
    CHECK(verified->exp() == kNow + 300);
  }

  TEST_CASE("a token expires after five minutes plus the skew") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude");
    s.clock.Advance(300 + 59);
    CHECK(s.issuer->VerifyAccessToken(token.access_token));
    s.clock.Advance(1);
    CHECK(s.issuer->VerifyAccessToken(token.access_token).error().code() ==
          ErrorCode::kInvalidToken);
  }

  TEST_CASE("garbage, tampered and foreign tokens are refused as invalid_token") {
    Stack s;
    AddAgents(s);
    const std::string good = s.MintOk("claude").access_token;
    std::string tampered = good;
    tampered[good.find('.') + 5] = tampered[good.find('.') + 5] == 'A' ? 'B' : 'A';
    Stack other;
    REQUIRE(other.agents->Add("claude", {"git:sign", "repo.read"}, {}));
    const std::string foreign = other.MintOk("claude").access_token;
    for (const std::string& bad :
         {std::string(""), std::string("a.b.c"), tampered, foreign, good + ".x", good + " "}) {
      auto verified = s.issuer->VerifyAccessToken(bad);
      REQUIRE_FALSE(verified);
      CHECK(verified.error().code() == ErrorCode::kInvalidToken);
    }
  }

  TEST_CASE("a token signed by the daemon's key but not minted by it is refused") {
    Stack s;
    AddAgents(s);
    // Right key, right typ, but no record: e.g. forged through a signing bug.
    const nlohmann::json claims = {{"iss", kIssuer}, {"sub", kHuman},
                                   {"act", {{"sub", "agent:claude"}}}, {"client_id", "claude"},
                                   {"aud", kIssuer}, {"scope", ""}, {"iat", kNow},
                                   {"nbf", kNow}, {"exp", kNow + 300}, {"jti", "made-up"},
                                   {"cnf", {{"jkt", "x"}}}};
    auto forged = s.keys->SignJwt(claims.dump(), "at+jwt");
    REQUIRE(forged);
    CHECK_FALSE(s.issuer->VerifyAccessToken(forged->compact));
  }

  TEST_CASE("a request is authorized only with the proof key the token is bound to") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude", "git:sign");
    const std::string url = "http://notme.localhost/v1/ssh/sign";
    auto ok = s.issuer->AuthorizeRequest(token.access_token,
                                         s.Proof("POST", url, token.access_token));
    REQUIRE_MESSAGE(ok, ok.error().ToString());
    auto thief = crypto::Ed25519SecretKey::Generate();
    REQUIRE(thief);
    auto stolen = s.issuer->AuthorizeRequest(
        token.access_token, s.Proof("POST", url, token.access_token, &*thief));
    REQUIRE_FALSE(stolen);
    CHECK(stolen.error().code() == ErrorCode::kInvalidDpopProof);
  }

  TEST_CASE("a request to the daemon with a token for another audience is refused") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude", "", "https://api.example.com/");
    const std::string url = "http://notme.localhost/v1/ssh/sign";
    auto refused = s.issuer->AuthorizeRequest(token.access_token,
                                              s.Proof("POST", url, token.access_token));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == ErrorCode::kInvalidToken);
    CHECK(s.issuer->AuthorizeRequest(token.access_token,
                                     s.Proof("POST", url, token.access_token),
                                     "https://api.example.com/"));
  }

  TEST_CASE("introspection describes an active token") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude", "git:sign");
    const nlohmann::json answer = s.issuer->Introspect(token.access_token, std::nullopt);
    CHECK(answer["active"] == true);
    CHECK(answer["client_id"] == "claude");
    CHECK(answer["sub"] == kHuman);
    CHECK(answer["scope"] == "git:sign");
    CHECK(answer["token_type"] == "DPoP");
    CHECK(answer["exp"] == kNow + 300);
    CHECK(answer["cnf"]["jkt"] == token.jkt);
    CHECK(s.issuer->Introspect(token.access_token, "claude")["active"] == true);
  }

  TEST_CASE("introspection from another agent's socket answers inactive") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude");
    CHECK(s.issuer->Introspect(token.access_token, "codex") ==
          nlohmann::json{{"active", false}});
  }

  TEST_CASE("introspection of garbage answers inactive and nothing else") {
    Stack s;
    CHECK(s.issuer->Introspect("x", std::nullopt) == nlohmann::json{{"active", false}});
  }

  TEST_CASE("revoking a token by value makes introspection inactive immediately") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude");
    const auto other = s.MintOk("claude");
    CHECK(s.issuer->Revoke(token.access_token, "claude"));
    CHECK(s.issuer->Introspect(token.access_token, std::nullopt)["active"] == false);
    CHECK(s.issuer->Introspect(other.access_token, std::nullopt)["active"] == true);
    CHECK_FALSE(s.issuer->Revoke(token.access_token, "claude"));  // already revoked: no-op
  }

  TEST_CASE("an agent cannot revoke another agent's token") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude");
    CHECK_FALSE(s.issuer->Revoke(token.access_token, "codex"));
    CHECK(s.issuer->VerifyAccessToken(token.access_token));
  }

  TEST_CASE("revoking by jti kills only that token") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude");
    const auto other = s.MintOk("claude");
    CHECK(s.issuer->RevokeJti(token.jti));
    CHECK(s.issuer->Introspect(token.access_token, std::nullopt)["active"] == false);
    CHECK(s.issuer->VerifyAccessToken(other.access_token));
    CHECK_FALSE(s.issuer->RevokeJti("no-such-jti"));
  }

  TEST_CASE("revoking an agent kills all its live tokens and no one else's") {
    Stack s;
    AddAgents(s);
    const auto a = s.MintOk("claude");
    const auto b = s.MintOk("claude");
    const auto c = s.MintOk("codex");
    CHECK(s.issuer->RevokeAgent("claude") == 2);
    CHECK_FALSE(s.issuer->VerifyAccessToken(a.access_token));
    CHECK_FALSE(s.issuer->VerifyAccessToken(b.access_token));
    CHECK(s.issuer->VerifyAccessToken(c.access_token));
    // A token minted after the revocation, even in the same second, works.
    CHECK(s.issuer->VerifyAccessToken(s.MintOk("claude").access_token));
  }

  TEST_CASE("revoke-all makes every old token fail, including ones from retired keys") {
    Stack s;
    AddAgents(s);
    const auto before_rotation = s.MintOk("claude");
    REQUIRE(s.keys->Rotate());
    const auto a = s.MintOk("claude");
    const auto b = s.MintOk("codex");
    REQUIRE(s.issuer->VerifyAccessToken(before_rotation.access_token));
    const std::string old_kid = s.keys->CurrentKid();
    auto result = s.issuer->RevokeAll();
    REQUIRE(result);
    CHECK(result->revoked == 3);
    CHECK(result->rotation.old_kid == old_kid);
    for (const auto* t : {&before_rotation, &a, &b}) {
      CHECK(s.issuer->Introspect(t->access_token, std::nullopt)["active"] == false);
    }
    CHECK(s.keys->Jwks()["keys"].size() == 1);
    CHECK(s.issuer->VerifyAccessToken(s.MintOk("claude").access_token));
  }

  TEST_CASE("a token minted just before rotation verifies after it") {
    Stack s;
    AddAgents(s);
    s.clock.Advance(3599);
    const auto token = s.MintOk("claude");
    s.clock.Advance(1);
    auto rotated = s.keys->MaybeRotate();
    REQUIRE(rotated);
    REQUIRE(rotated->has_value());
    s.clock.Advance(299);
    CHECK(s.issuer->VerifyAccessToken(token.access_token));
  }

  TEST_CASE("removing an agent revokes its tokens so re-adding the name does not revive them") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude");
    auto removed = s.issuer->RemoveAgent("claude");
    REQUIRE(removed);
    CHECK(*removed == 1);
    REQUIRE(s.agents->Add("claude", {"git:sign"}, {}));
    CHECK_FALSE(s.issuer->VerifyAccessToken(token.access_token));
    CHECK(s.issuer->RemoveAgent("nobody").error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("reloading revokes the tokens of agents dropped from the file") {
    Stack s;
    AddAgents(s);
    const auto claude = s.MintOk("claude");
    const auto codex = s.MintOk("codex");
    testing::WriteRaw(s.dir.path() / "agents.json",
                      R"({"version":1,"agents":[{"name":"codex","scopes":["repo.read"],)"
                      R"("audiences":[],"created_at":1}]})");
    auto removed = s.issuer->ReloadAgents();
    REQUIRE(removed);
    CHECK(*removed == std::vector<std::string>{"claude"});
    CHECK_FALSE(s.issuer->VerifyAccessToken(claude.access_token));
    CHECK(s.issuer->VerifyAccessToken(codex.access_token));
  }

  TEST_CASE("a broken file on reload keeps every agent and token") {
    Stack s;
    AddAgents(s);
    const auto claude = s.MintOk("claude");
    testing::WriteRaw(s.dir.path() / "agents.json", "{");
    CHECK_FALSE(s.issuer->ReloadAgents());
    CHECK(s.issuer->VerifyAccessToken(claude.access_token));
  }

  TEST_CASE("concurrent mints, verifications and revocations stay consistent") {
    Stack s;
    AddAgents(s);
    std::vector<jose::VerifiedDpopProof> proofs;
    for (int i = 0; i < 400; ++i) proofs.push_back(s.TokenProof());
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 100; ++i) {
          auto token = s.issuer->Mint(
              TokenRequest{"claude", "", std::nullopt, proofs[static_cast<size_t>(t * 100 + i)]});
          if (!token || !s.issuer->VerifyAccessToken(token->access_token)) ++failures;
        }
      });
    }
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) (void)s.issuer->RevokeAgent("codex");
    });
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
    CHECK(s.revocations.LiveCount("claude") == 400);
  }

  TEST_CASE("the human can mint for an agent bound to a key thumbprint") {
    Stack s;
    AddAgents(s);
    const std::string jkt = s.TokenProof().jkt();
    auto token = s.issuer->MintForThumbprint("claude", "git:sign", std::nullopt, jkt);
    REQUIRE_MESSAGE(token, token.error().ToString());
    CHECK(DecodePart(token->access_token, 1)["cnf"]["jkt"] == jkt);
    const std::string url = "http://notme.localhost/v1/ssh/sign";
    CHECK(s.issuer->AuthorizeRequest(token->access_token,
                                     s.Proof("POST", url, token->access_token)));
  }

  TEST_CASE("minting for a thumbprint checks the thumbprint, the agent, scope and audience") {
    Stack s;
    AddAgents(s);
    const std::string jkt = s.TokenProof().jkt();
    for (const std::string& bad : {std::string(""), jkt + "A", jkt.substr(1), std::string(43, '='),
                                   jkt.substr(0, 42) + "+", std::string(44, 'A')}) {
      CAPTURE(bad);
      auto token = s.issuer->MintForThumbprint("claude", "", std::nullopt, bad);
      REQUIRE_FALSE(token);
      CHECK(token.error().code() == ErrorCode::kInvalidRequest);
    }
    CHECK(s.issuer->MintForThumbprint("nobody", "", std::nullopt, jkt).error().code() ==
          ErrorCode::kInvalidClient);
    CHECK(s.issuer->MintForThumbprint("codex", "git:sign", std::nullopt, jkt).error().code() ==
          ErrorCode::kInvalidScope);
    CHECK(s.issuer->MintForThumbprint("codex", "", std::string("https://x/"), jkt)
              .error()
              .code() == ErrorCode::kInvalidTarget);
  }

  TEST_CASE("a remembered token verifies exactly as a token checked in full") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude", "git:sign repo.read", "https://api.example.com/");
    // A second issuer over the same keys has not minted it: it checks the signature.
    auto other = TokenIssuer::Create({.issuer = kIssuer, .human = kHuman}, *s.keys, *s.agents,
                                     s.revocations, s.clock);
    REQUIRE(other);
    auto remembered = s.issuer->VerifyAccessToken(token.access_token);
    auto full = (*other)->VerifyAccessToken(token.access_token);
    REQUIRE(remembered);
    REQUIRE(full);
    CHECK(remembered->agent() == full->agent());
    CHECK(remembered->human() == full->human());
    CHECK(remembered->scopes() == full->scopes());
    CHECK(remembered->audiences() == full->audiences());
    CHECK(remembered->jti() == full->jti());
    CHECK(remembered->kid() == full->kid());
    CHECK(remembered->jkt() == full->jkt());
    CHECK(remembered->iat() == full->iat());
    CHECK(remembered->exp() == full->exp());
    CHECK(remembered->claims() == full->claims());
    CHECK(s.issuer->Introspect(token.access_token, std::nullopt) ==
          (*other)->Introspect(token.access_token, std::nullopt));
  }

  TEST_CASE("a remembered token with one byte changed is checked in full and refused") {
    Stack s;
    AddAgents(s);
    const auto token = s.MintOk("claude");
    for (size_t pos :
         {size_t{0}, token.access_token.find('.') + 3, token.access_token.size() - 2}) {
      std::string tampered = token.access_token;
      tampered[pos] = tampered[pos] == 'A' ? 'B' : 'A';
      CAPTURE(pos);
      CHECK(s.issuer->VerifyAccessToken(tampered).error().code() == ErrorCode::kInvalidToken);
    }
    CHECK(s.issuer->VerifyAccessToken(token.access_token + "A").error().code() ==
          ErrorCode::kInvalidToken);
    CHECK(s.issuer->VerifyAccessToken(token.access_token));
  }

  TEST_CASE("a remembered token stops verifying when its key is rotated out") {
    Stack s({.max_retired_keys = 1});
    AddAgents(s);
    const auto token = s.MintOk("claude");
    REQUIRE(s.issuer->VerifyAccessToken(token.access_token));
    REQUIRE(s.keys->Rotate());
    CHECK(s.issuer->VerifyAccessToken(token.access_token));  // retired, still verifying
    REQUIRE(s.keys->Rotate());                               // and now dropped
    CHECK(s.issuer->VerifyAccessToken(token.access_token).error().code() ==
          ErrorCode::kInvalidToken);
  }

  TEST_CASE("a remembered token of an unregistered agent or revoked by agent is refused") {
    Stack s;
    AddAgents(s);
    const auto claude = s.MintOk("claude");
    const auto codex = s.MintOk("codex");
    REQUIRE(s.issuer->RevokeAgent("claude") == 1);
    CHECK_FALSE(s.issuer->VerifyAccessToken(claude.access_token));
    REQUIRE(s.issuer->RemoveAgent("codex"));
    CHECK_FALSE(s.issuer->VerifyAccessToken(codex.access_token));
  }

  TEST_CASE("more tokens than the memo holds all still verify") {
    Stack s;
    AddAgents(s);
    std::vector<std::string> tokens;
    for (int i = 0; i < 300; ++i) tokens.push_back(s.MintOk("codex").access_token);
    for (const auto& t : tokens) CHECK(s.issuer->VerifyAccessToken(t));
  }

  TEST_CASE("invalid issuer URLs and human identities are refused at construction") {
    Stack s;
    for (const char* bad : {"", "notme.localhost", "ftp://x", "http://x/#f", "http://x/?q"}) {
      CHECK_FALSE(TokenIssuer::Create({.issuer = bad, .human = kHuman}, *s.keys, *s.agents,
                                      s.revocations, s.clock));
    }
    for (const std::string& bad : {std::string(""), std::string("a\nb"), std::string(257, 'a')}) {
      CHECK_FALSE(TokenIssuer::Create({.issuer = kIssuer, .human = bad}, *s.keys, *s.agents,
                                      s.revocations, s.clock));
    }
  }
}

}  // namespace
}  // namespace notme::authority
