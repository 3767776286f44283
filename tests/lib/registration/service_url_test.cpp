#include "registration/service_url.h"

#include <doctest/doctest.h>

#include <string>

using notme::ErrorCode;
using notme::registration::AuthorizationServerMetadataUrl;
using notme::registration::ParseServiceUrl;
using notme::registration::ProtectedResourceMetadataUrl;
using notme::registration::SameIdentifier;
using notme::registration::UrlPolicy;

namespace {
const UrlPolicy kStrict{};
const UrlPolicy kLoopback{.allow_loopback_http = true};
}  // namespace

TEST_SUITE("ServiceUrl") {
  TEST_CASE("an https URL is split into origin, path and query") {
    auto u = ParseServiceUrl("https://API.Example.com:8443/v1/things?x=1", kStrict);
    REQUIRE(u);
    CHECK(u->host == "api.example.com");
    CHECK(u->port == 8443);
    CHECK(u->path == "/v1/things");
    CHECK(u->query == "x=1");
    CHECK(u->Origin() == "https://api.example.com:8443");
  }

  TEST_CASE("plain http is refused without the loopback allowance") {
    CHECK_FALSE(ParseServiceUrl("http://127.0.0.1:8080/", kStrict));
    CHECK(ParseServiceUrl("http://127.0.0.1:8080/", kLoopback));
  }

  TEST_CASE("plain http to a non-loopback host is refused even with the allowance") {
    auto u = ParseServiceUrl("http://api.example.com/", kLoopback);
    REQUIRE_FALSE(u);
    CHECK(u.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("hostile URL shapes are refused") {
    for (const char* bad : {"", "api.example.com", "ftp://a.example/", "https://user@a.example/",
                            "https://a.example/#frag", "https:///path", "https://a.example:0/",
                            "https://a.example:65536/", "https://a.example:/",
                            "https://a.example/a b", "https://a.example/\r\nX: y",
                            "https://a.example/../admin", "https://a.example/x/%2e%2e/y",
                            "https://a_b.example/", "https://[zz::1]/", "https://[::1/",
                            "https://a.example/\xc3\xa9", "https://a.example/<script>"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseServiceUrl(bad, kLoopback));
    }
  }

  TEST_CASE("an overlong URL is refused") {
    CHECK_FALSE(ParseServiceUrl("https://a.example/" + std::string(3000, 'a'), kStrict));
  }

  TEST_CASE("the protected resource metadata URL inserts the well-known path before the path") {
    auto u = ParseServiceUrl("https://api.example.com/tenant/1", kStrict);
    REQUIRE(u);
    CHECK(*ProtectedResourceMetadataUrl(*u) ==
          "https://api.example.com/.well-known/oauth-protected-resource/tenant/1");
    auto root = ParseServiceUrl("https://api.example.com/", kStrict);
    CHECK(*ProtectedResourceMetadataUrl(*root) ==
          "https://api.example.com/.well-known/oauth-protected-resource");
  }

  TEST_CASE("the authorization server metadata URL follows RFC 8414") {
    auto u = ParseServiceUrl("https://auth.example.com/", kStrict);
    CHECK(*AuthorizationServerMetadataUrl(*u) ==
          "https://auth.example.com/.well-known/oauth-authorization-server");
  }

  TEST_CASE("an identifier with a query has no metadata URL") {
    auto u = ParseServiceUrl("https://api.example.com/?a=b", kStrict);
    CHECK_FALSE(ProtectedResourceMetadataUrl(*u));
  }

  TEST_CASE("identifiers compare equal only up to a trailing slash on an empty path") {
    auto a = *ParseServiceUrl("https://a.example", kStrict);
    auto b = *ParseServiceUrl("https://A.example/", kStrict);
    auto c = *ParseServiceUrl("https://a.example/x", kStrict);
    auto d = *ParseServiceUrl("https://a.example:444/", kStrict);
    CHECK(SameIdentifier(a, b));
    CHECK_FALSE(SameIdentifier(a, c));
    CHECK_FALSE(SameIdentifier(a, d));
  }
}
