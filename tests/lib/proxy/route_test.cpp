#include "proxy/route.h"

#include <doctest/doctest.h>

namespace notme::proxy {
namespace {

RouteSpec Spec() {
  RouteSpec s;
  s.name = "github";
  s.upstream = "https://api.github.com";
  s.secret = "gh-token";
  return s;
}

}  // namespace

TEST_SUITE("Route") {
  TEST_CASE("a minimal route defaults to a bearer Authorization header and a route scope") {
    auto r = ValidateRouteSpec(Spec(), 100);
    REQUIRE(r.has_value());
    CHECK(r->upstream.host == "api.github.com");
    CHECK(r->upstream.port == 443);
    CHECK(r->upstream.base_path == "");
    CHECK(r->injection.header_name == "Authorization");
    CHECK(r->injection.value_prefix == "Bearer ");
    CHECK(r->scope == "route:github");
    CHECK(r->created_at == 100);
  }

  TEST_CASE("upstream with port and base path parses") {
    auto u = ParseUpstreamUrl("https://Example.COM:8443/api/v3/");
    REQUIRE(u.has_value());
    CHECK(u->host == "example.com");
    CHECK(u->port == 8443);
    CHECK(u->base_path == "/api/v3");
    CHECK(u->ToString() == "https://example.com:8443/api/v3");
  }

  TEST_CASE("IPv6 literal upstream keeps brackets in its authority") {
    auto u = ParseUpstreamUrl("https://[2001:db8::1]:9000");
    REQUIRE(u.has_value());
    CHECK(u->host == "2001:db8::1");
    CHECK(u->Authority() == "[2001:db8::1]:9000");
  }

  TEST_CASE("malformed upstream URLs are refused") {
    for (const char* bad :
         {"ftp://x", "https://", "https://user:pw@host", "https://host?x=1", "https://host#f",
          "https://host:0", "https://host:65536", "https://host:", "https://ho st", "https://host/a/../b",
          "https://host/%2e%2e", "https://host/a//b", "https://-bad.com", "https://[::1", "https://[zz]",
          "https://host\r\n/x", "https://host:12ab", "//host", "https://a..b"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseUpstreamUrl(bad).has_value());
    }
  }

  TEST_CASE("plain http upstream needs allow_loopback") {
    auto s = Spec();
    s.upstream = "http://127.0.0.1:8080";
    CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
    s.allow_loopback = true;
    CHECK(ValidateRouteSpec(s, 0).has_value());
  }

  TEST_CASE("inject template splits around the secret marker") {
    auto inj = ParseInjectTemplate("X-Api-Key:  key={secret};v=1 ");
    REQUIRE(inj.has_value());
    CHECK(inj->header_name == "X-Api-Key");
    CHECK(inj->value_prefix == "key=");
    CHECK(inj->value_suffix == ";v=1");
  }

  TEST_CASE("inject templates that could smuggle or misplace the secret are refused") {
    for (const char* bad :
         {"Authorization Bearer {secret}", "Authorization: Bearer", "Authorization: {secret}{secret}",
          "Auth orization: {secret}", ": {secret}", "Host: {secret}", "Content-Length: {secret}",
          "transfer-encoding: {secret}", "Cookie: a={secret}", "X: {secret}\r\nX-Evil: 1",
          "X: {secret}\n", "X: \x01{secret}", "X: caf\xc3\xa9 {secret}", "Connection: {secret}"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseInjectTemplate(bad).has_value());
    }
  }

  TEST_CASE("inject and basic-user are mutually exclusive") {
    auto s = Spec();
    s.inject = "X-Key: {secret}";
    s.basic_user = "git";
    CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
  }

  TEST_CASE("basic user may not contain a colon or control characters") {
    CHECK(MakeBasicInjection("x-access-token").has_value());
    CHECK_FALSE(MakeBasicInjection("a:b").has_value());
    CHECK_FALSE(MakeBasicInjection("a\nb").has_value());
    CHECK_FALSE(MakeBasicInjection("").has_value());
  }

  TEST_CASE("methods are upper-cased, deduplicated and limited to known ones") {
    auto s = Spec();
    s.allow_methods = {"get", "GET", "post"};
    auto r = ValidateRouteSpec(s, 0);
    REQUIRE(r.has_value());
    CHECK(r->allow_methods == std::vector<std::string>{"GET", "POST"});
    s.allow_methods = {"CONNECT"};
    CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
    s.allow_methods = {"G ET"};
    CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
  }

  TEST_CASE("allow-path prefixes are normalised and traversal-free") {
    auto s = Spec();
    s.allow_paths = {"/repos/me/", "/user"};
    auto r = ValidateRouteSpec(s, 0);
    REQUIRE(r.has_value());
    CHECK(r->allow_paths == std::vector<std::string>{"/repos/me", "/user"});
    for (const char* bad : {"repos", "/a/../b", "/a/%2e%2e", "/a//b", "/a/./b", "", "/a\\b"}) {
      CAPTURE(bad);
      s.allow_paths = {bad};
      CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
    }
  }

  TEST_CASE("names, scope and ca file are validated") {
    auto s = Spec();
    s.name = "Bad Name";
    CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
    s = Spec();
    s.secret = "../etc";
    CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
    s = Spec();
    s.scope = "two scopes";
    CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
    s = Spec();
    s.ca_file = "relative.pem";
    CHECK_FALSE(ValidateRouteSpec(s, 0).has_value());
  }

  TEST_CASE("JSON round trip keeps every field and never a secret value") {
    auto s = Spec();
    s.inject = "X-Key: k {secret}";
    s.scope = "api:gh";
    s.allow_methods = {"GET"};
    s.allow_paths = {"/repos"};
    s.ca_file = "/etc/ssl/ca.pem";
    auto r = ValidateRouteSpec(s, 42);
    REQUIRE(r.has_value());
    auto j = RouteToJson(*r);
    auto back = RouteFromJson(j);
    REQUIRE(back.has_value());
    CHECK(RouteToJson(*back) == j);
  }

  TEST_CASE("JSON with unknown members or wrong types is refused") {
    auto r = ValidateRouteSpec(Spec(), 1);
    REQUIRE(r.has_value());
    auto j = RouteToJson(*r);
    auto extra = j;
    extra["secret_value"] = "x";
    CHECK_FALSE(RouteFromJson(extra).has_value());
    auto wrong = j;
    wrong["allow_loopback"] = "yes";
    CHECK_FALSE(RouteFromJson(wrong).has_value());
    auto missing = j;
    missing.erase("created_at");
    CHECK_FALSE(RouteFromJson(missing).has_value());
    CHECK_FALSE(RouteFromJson(nlohmann::json::array()).has_value());
  }
}

}  // namespace notme::proxy
