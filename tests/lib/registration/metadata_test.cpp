#include "registration/metadata.h"

#include <doctest/doctest.h>

#include <string>

using notme::ErrorCode;
using namespace notme::registration;

namespace {

const UrlPolicy kStrict{};

ServiceUrl Url(const char* s) { return *ParseServiceUrl(s, UrlPolicy{.allow_loopback_http = true}); }

const char* kPrmBody = R"({
  "resource": "https://api.service.example.com/",
  "resource_name": "Service",
  "resource_logo_uri": "https://service.example.com/logo.png",
  "authorization_servers": ["https://auth.service.example.com/"],
  "scopes_supported": ["api.read", "api.write"],
  "bearer_methods_supported": ["header"]
})";

std::string AsBody(const std::string& register_uri = "https://auth.service.example.com/agent/auth",
                   const std::string& extra = "") {
  return R"({
    "resource": "https://api.service.example.com/",
    "issuer": "https://auth.service.example.com",
    "scopes_supported": ["api.read", "api.write"],
    "agent_auth": {
      "skill": "https://service.example.com/auth.md",
      "register_uri": ")" + register_uri + R"(",
      "claim_uri": "https://auth.service.example.com/agent/auth/claim",
      "identity_types_supported": ["anonymous", "identity_assertion"],
      "anonymous": {"credential_types_supported": ["api_key"]},
      "identity_assertion": {
        "assertion_types_supported": ["urn:ietf:params:oauth:token-type:id-jag", "verified_email"],
        "credential_types_supported": ["access_token", "api_key"]
      })" + extra + R"(
    }
  })";
}

}  // namespace

TEST_SUITE("ProtectedResourceMetadata") {
  TEST_CASE("the example document of AUTH.md parses") {
    auto m = ParseProtectedResourceMetadata(kPrmBody, Url("https://api.service.example.com"),
                                            PrmSource::kWellKnown, kStrict);
    REQUIRE(m);
    CHECK(m->resource_name == "Service");
    CHECK(m->authorization_servers.at(0).host == "auth.service.example.com");
    CHECK(m->scopes_supported.size() == 2);
  }

  TEST_CASE("a document for another resource is refused") {
    auto m = ParseProtectedResourceMetadata(kPrmBody, Url("https://other.example.com/"),
                                            PrmSource::kWellKnown, kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kInvalidTarget);
  }

  TEST_CASE("a challenge-found document may name a parent of the requested URL") {
    CHECK(ParseProtectedResourceMetadata(kPrmBody, Url("https://api.service.example.com/v1/x"),
                                         PrmSource::kChallenge, kStrict));
    CHECK_FALSE(ParseProtectedResourceMetadata(kPrmBody, Url("https://api.service.example.com/v1/x"),
                                               PrmSource::kWellKnown, kStrict));
  }

  TEST_CASE("a challenge-found document must share the path on a segment boundary") {
    const char* body = R"({"resource":"https://a.example/api","authorization_servers":["https://a.example/"]})";
    CHECK(ParseProtectedResourceMetadata(body, Url("https://a.example/api/x"), PrmSource::kChallenge, kStrict));
    CHECK_FALSE(ParseProtectedResourceMetadata(body, Url("https://a.example/apix"), PrmSource::kChallenge, kStrict));
  }

  TEST_CASE("missing members and wrong types are refused") {
    const ServiceUrl req = Url("https://a.example/");
    for (const char* bad : {R"({})", R"({"resource":"https://a.example/"})",
                            R"({"resource":"https://a.example/","authorization_servers":[]})",
                            R"({"resource":"https://a.example/","authorization_servers":"https://a.example/"})",
                            R"({"resource":"https://a.example/","authorization_servers":[1]})",
                            R"({"resource":7,"authorization_servers":["https://a.example/"]})",
                            R"({"resource":"https://a.example/","authorization_servers":["http://a.example/"]})",
                            R"({"resource":"https://a.example/","authorization_servers":["https://a.example/"],"resource_name":5})",
                            R"([])", "null", "{\"resource\":", "\xff"}) {
      CAPTURE(bad);
      auto m = ParseProtectedResourceMetadata(bad, req, PrmSource::kWellKnown, kStrict);
      REQUIRE_FALSE(m);
      CHECK(m.error().code() == ErrorCode::kMalformed);
    }
  }

  TEST_CASE("a duplicate member is refused") {
    auto m = ParseProtectedResourceMetadata(
        R"({"resource":"https://a.example/","resource":"https://b.example/","authorization_servers":["https://a.example/"]})",
        Url("https://b.example/"), PrmSource::kWellKnown, kStrict);
    CHECK_FALSE(m);
  }

  TEST_CASE("an oversized document is refused before parsing") {
    std::string big = R"({"resource":"https://a.example/","authorization_servers":["https://a.example/"],"x":")" +
                      std::string(70000, 'a') + "\"}";
    auto m = ParseProtectedResourceMetadata(big, Url("https://a.example/"), PrmSource::kWellKnown, kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("a deeply nested document is refused") {
    std::string deep = R"({"resource":"https://a.example/","authorization_servers":["https://a.example/"],"x":)" +
                       std::string(50, '[') + std::string(50, ']') + "}";
    auto m = ParseProtectedResourceMetadata(deep, Url("https://a.example/"), PrmSource::kWellKnown, kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("too many authorization servers are refused") {
    std::string body = R"({"resource":"https://a.example/","authorization_servers":[)";
    for (int i = 0; i < 100; ++i) body += std::string(i ? "," : "") + "\"https://a.example/\"";
    body += "]}";
    auto m = ParseProtectedResourceMetadata(body, Url("https://a.example/"), PrmSource::kWellKnown, kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kTooLarge);
  }
}

TEST_SUITE("AuthorizationServerMetadata") {
  const ServiceUrl as = Url("https://auth.service.example.com/");
  const ServiceUrl resource = Url("https://api.service.example.com/");

  TEST_CASE("the agent_auth block of AUTH.md parses") {
    auto m = ParseAuthorizationServerMetadata(AsBody(), as, resource, kStrict);
    REQUIRE(m);
    const AgentAuth& a = m->agent_auth;
    CHECK(a.register_uri.path == "/agent/auth");
    CHECK(a.SupportsAnonymous());
    CHECK(a.SupportsAssertion(kIdJagAssertionType));
    CHECK(a.SupportsAssertion(kVerifiedEmailAssertionType));
    CHECK(a.anonymous_credential_types == std::vector<std::string>{"api_key"});
    CHECK(a.ClaimCompleteUri()->path == "/agent/auth/claim/complete");
  }

  TEST_CASE("the registration_endpoint spelling of the service guide is accepted") {
    std::string body = R"({"issuer":"https://auth.service.example.com","agent_auth":{
      "registration_endpoint":"https://auth.service.example.com/agent/register",
      "claim_endpoint":"https://auth.service.example.com/agent/register/claim",
      "identity_types_supported":["anonymous"]}})";
    auto m = ParseAuthorizationServerMetadata(body, as, resource, kStrict);
    REQUIRE(m);
    CHECK(m->agent_auth.register_uri.path == "/agent/register");
    CHECK_FALSE(m->agent_auth.SupportsAssertion(kIdJagAssertionType));
  }

  TEST_CASE("the token endpoint and grant types of the service guide are read") {
    std::string body = R"({"issuer":"https://auth.service.example.com",
      "token_endpoint":"https://auth.service.example.com/oauth2/token",
      "grant_types_supported":["urn:ietf:params:oauth:grant-type:jwt-bearer"],
      "agent_auth":{"registration_endpoint":"https://auth.service.example.com/agent/register",
      "identity_types_supported":["anonymous"]}})";
    auto m = ParseAuthorizationServerMetadata(body, as, resource, kStrict);
    REQUIRE(m);
    REQUIRE(m->token_endpoint);
    CHECK(m->token_endpoint->path == "/oauth2/token");
    CHECK(m->grant_types_supported.size() == 1);
  }

  TEST_CASE("a token endpoint on another host is refused") {
    for (const char* url : {"https://evil.example.net/oauth2/token", "http://auth.service.example.com/oauth2/token",
                            "https://auth.service.example.com:8443/oauth2/token"}) {
      CAPTURE(url);
      std::string body = std::string(R"({"token_endpoint":")") + url + R"(","agent_auth":{
        "register_uri":"https://auth.service.example.com/agent/auth","identity_types_supported":["anonymous"]}})";
      auto m = ParseAuthorizationServerMetadata(body, as, resource, kStrict);
      REQUIRE_FALSE(m);
      if (std::string_view(url).find("evil") != std::string_view::npos) {
        CHECK(m.error().code() == ErrorCode::kPermissionDenied);
      }
    }
  }

  TEST_CASE("a malformed token endpoint or grant type list is refused") {
    for (const char* member : {R"("token_endpoint":5)", R"("token_endpoint":"not a url")",
                               R"("grant_types_supported":"jwt-bearer")", R"("grant_types_supported":[1])"}) {
      CAPTURE(member);
      std::string body = std::string("{") + member + R"(,"agent_auth":{
        "register_uri":"https://auth.service.example.com/agent/auth","identity_types_supported":["anonymous"]}})";
      CHECK_FALSE(ParseAuthorizationServerMetadata(body, as, resource, kStrict));
    }
  }

  TEST_CASE("a register_uri on another host is refused") {
    auto m = ParseAuthorizationServerMetadata(AsBody("https://evil.example.net/agent/auth"), as, resource, kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kPermissionDenied);
    CHECK(m.error().message().find("evil.example.net") != std::string::npos);
  }

  TEST_CASE("a register_uri on another port or scheme of the same host is refused") {
    CHECK_FALSE(ParseAuthorizationServerMetadata(AsBody("https://auth.service.example.com:8443/r"), as, resource, kStrict));
    CHECK_FALSE(ParseAuthorizationServerMetadata(AsBody("http://auth.service.example.com/r"), as, resource,
                                                 UrlPolicy{.allow_loopback_http = true}));
  }

  TEST_CASE("a claim_uri on another host is refused") {
    std::string body = AsBody();
    body.replace(body.find("https://auth.service.example.com/agent/auth/claim"),
                 std::string("https://auth.service.example.com").size(), "https://evil.example.net");
    auto m = ParseAuthorizationServerMetadata(body, as, resource, kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kPermissionDenied);
  }

  TEST_CASE("an issuer other than the server fetched is refused") {
    std::string body = AsBody();
    body.replace(body.find("\"https://auth.service.example.com\""), 34, "\"https://auth.other.example.com\"");
    auto m = ParseAuthorizationServerMetadata(body, as, resource, kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kInvalidIssuer);
  }

  TEST_CASE("metadata for another resource is refused") {
    auto m = ParseAuthorizationServerMetadata(AsBody(), as, Url("https://api.other.example.com/"), kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kInvalidTarget);
  }

  TEST_CASE("a server without agent_auth does not offer registration") {
    auto m = ParseAuthorizationServerMetadata(R"({"issuer":"https://auth.service.example.com"})", as, resource, kStrict);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kUnsupported);
  }

  TEST_CASE("malformed agent_auth blocks are refused") {
    for (const char* block : {R"("agent_auth": 1)", R"("agent_auth": {})",
                              R"("agent_auth": {"register_uri": 5})",
                              R"("agent_auth": {"register_uri": "not a url"})",
                              R"("agent_auth": {"register_uri": "https://auth.service.example.com/r", "anonymous": []})",
                              R"("agent_auth": {"register_uri": "https://auth.service.example.com/r", "identity_types_supported": "anonymous"})",
                              R"("agent_auth": {"register_uri": "https://auth.service.example.com/r", "identity_assertion": {"assertion_types_supported": [null]}})"}) {
      CAPTURE(block);
      std::string body = std::string(R"({"issuer":"https://auth.service.example.com",)") + block + "}";
      auto m = ParseAuthorizationServerMetadata(body, as, resource, kStrict);
      REQUIRE_FALSE(m);
      CHECK(m.error().code() == ErrorCode::kMalformed);
    }
  }
}
