#include "server/request_parsing.h"

#include <doctest/doctest.h>

#include <string>

namespace notme::server {
namespace {

TEST_SUITE("ParseOAuthForm") {
  TEST_CASE("a client_credentials request is parsed") {
    auto f = ParseOAuthForm("grant_type=client_credentials&scope=repo%3Aread+git%3Asign&client_id=bot");
    REQUIRE(f.has_value());
    CHECK(f->at("grant_type") == "client_credentials");
    CHECK(f->at("scope") == "repo:read git:sign");
    CHECK(f->at("client_id") == "bot");
  }
  TEST_CASE("an empty body is an empty form") { CHECK(ParseOAuthForm("")->empty()); }
  TEST_CASE("an empty value is kept") { CHECK(ParseOAuthForm("a=")->at("a").empty()); }
  TEST_CASE("a repeated parameter is refused") {
    auto f = ParseOAuthForm("scope=a&scope=b");
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().code() == ErrorCode::kInvalidRequest);
  }
  TEST_CASE("malformed forms are refused") {
    for (const char* bad : {"a", "=x", "a=1&&b=2", "a=1&", "&a=1", "a=%", "a=%4", "a=%zz",
                            "a=%ff", "a=%c3%28", "a=%00", "a=%0a", "a=%ed%a0%80", "a%3d=1%"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseOAuthForm(bad).has_value());
    }
  }
  TEST_CASE("raw invalid UTF-8 is refused") {
    CHECK_FALSE(ParseOAuthForm(std::string("a=\xc3\x28")).has_value());
  }
  TEST_CASE("valid multi-byte UTF-8 is accepted") {
    CHECK(ParseOAuthForm("a=%C3%A9%F0%9F%98%80").has_value());
  }
}

TEST_SUITE("IsValidUtf8") {
  TEST_CASE("ASCII and well-formed sequences are valid") {
    CHECK(IsValidUtf8("plain"));
    CHECK(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  }
  TEST_CASE("overlongs, surrogates, truncation and out-of-range are invalid") {
    for (const char* bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                            "\xe2\x82", "\x80", "\xff", "\xf8\x88\x80\x80\x80"}) {
      CAPTURE(bad);
      CHECK_FALSE(IsValidUtf8(bad));
    }
  }
}

TEST_SUITE("ParseJsonObject") {
  TEST_CASE("an object is parsed") {
    auto j = ParseJsonObject(R"({"name":"bot","scopes":["a"]})");
    REQUIRE(j.has_value());
    CHECK((*j)["name"] == "bot");
  }
  TEST_CASE("deep nesting is refused before parsing") {
    std::string deep(10000, '[');
    auto j = ParseJsonObject(deep);
    REQUIRE_FALSE(j.has_value());
    CHECK(j.error().code() == ErrorCode::kTooLarge);
  }
  TEST_CASE("brackets inside strings do not count as nesting") {
    CHECK(ParseJsonObject(R"({"a":"[[[[[[[[[[[[[[[[[[[[[[[[\"[[[["})").has_value());
  }
  TEST_CASE("non-objects, invalid JSON and invalid UTF-8 are refused") {
    for (std::string bad : {std::string("[]"), std::string("1"), std::string("{"),
                            std::string("{\"a\":1}x"), std::string("{\"a\":\"\xc3\x28\"}"),
                            std::string(""), std::string("{/*c*/}")}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseJsonObject(bad).has_value());
    }
  }
}

}  // namespace
}  // namespace notme::server
