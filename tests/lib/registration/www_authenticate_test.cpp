#include "registration/www_authenticate.h"

#include <doctest/doctest.h>

#include <string>

using notme::ErrorCode;
using notme::registration::ParseWwwAuthenticate;
using notme::registration::ResourceMetadataFromWwwAuthenticate;

TEST_SUITE("WwwAuthenticate") {
  TEST_CASE("the resource_metadata of a Bearer challenge is found") {
    auto r = ResourceMetadataFromWwwAuthenticate(
        R"(Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource")");
    REQUIRE(r);
    CHECK(*r == "https://api.example.com/.well-known/oauth-protected-resource");
  }

  TEST_CASE("several challenges and parameters are told apart") {
    auto r = ResourceMetadataFromWwwAuthenticate(
        R"(Basic realm="x", Bearer realm="api", error="invalid_token", RESOURCE_METADATA="https://a.example/m", DPoP algs="EdDSA")");
    REQUIRE(r);
    CHECK(*r == "https://a.example/m");
    auto all = ParseWwwAuthenticate(R"(Basic realm="x", Bearer realm="api", DPoP algs="EdDSA")");
    REQUIRE(all);
    CHECK(all->size() == 3);
  }

  TEST_CASE("a quoted value is unescaped and a token value is accepted") {
    auto r = ParseWwwAuthenticate(R"(Bearer a="x\"y", b=tok)");
    REQUIRE(r);
    CHECK(r->at(0).params.at("a") == "x\"y");
    CHECK(r->at(0).params.at("b") == "tok");
  }

  TEST_CASE("a token68 challenge is kept apart from parameters") {
    auto r = ParseWwwAuthenticate("Negotiate abc123==, Bearer resource_metadata=\"https://a.example/\"");
    REQUIRE(r);
    CHECK(r->at(0).token68 == "abc123==");
    CHECK(r->at(1).params.at("resource_metadata") == "https://a.example/");
  }

  TEST_CASE("a Bearer challenge without resource_metadata is not found") {
    auto r = ResourceMetadataFromWwwAuthenticate(R"(Bearer realm="api")");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("resource_metadata on another scheme is ignored") {
    CHECK_FALSE(ResourceMetadataFromWwwAuthenticate(R"(Basic resource_metadata="https://evil.example/")"));
  }

  TEST_CASE("a repeated parameter is refused") {
    auto r = ParseWwwAuthenticate(R"(Bearer resource_metadata="https://a.example/", resource_metadata="https://b.example/")");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kMalformed);
  }

  TEST_CASE("malformed headers are refused") {
    for (const char* bad : {R"(Bearer a="unterminated)", "Bearer a=", "Bearer a=\"x\" b=\"y\"",
                            "=x", "Bearer a=\"x\"\r\nSet-Cookie: y", "Bearer\ta=\"\x01\"",
                            "Bearer a=\"x\";", "Bearer \x7f"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseWwwAuthenticate(bad));
    }
  }

  TEST_CASE("an oversized header is refused") {
    auto r = ParseWwwAuthenticate("Bearer a=\"" + std::string(9000, 'x') + "\"");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("too many parameters are refused") {
    std::string h = "Bearer ";
    for (int i = 0; i < 40; ++i) h += "p" + std::to_string(i) + "=v, ";
    auto r = ParseWwwAuthenticate(h);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kTooLarge);
  }
}
