#include "base/json_dump.h"

#include <doctest/doctest.h>

#include <limits>
#include <string>

namespace notme {
namespace {

std::string Reference(const nlohmann::json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

void CheckSame(const nlohmann::json& j) { CHECK(DumpJson(j) == Reference(j)); }

TEST_SUITE("DumpJson") {
  TEST_CASE("a token response is dumped as nlohmann dumps it") {
    CheckSame({{"access_token", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"},
               {"token_type", "DPoP"},
               {"expires_in", 300},
               {"scope", "repo:read repo:write"}});
  }

  TEST_CASE("scalars and empty containers are dumped as nlohmann dumps them") {
    CheckSame(nullptr);
    CheckSame(true);
    CheckSame(false);
    CheckSame(0);
    CheckSame(-1);
    CheckSame(std::numeric_limits<int64_t>::min());
    CheckSame(std::numeric_limits<uint64_t>::max());
    CheckSame(nlohmann::json::object());
    CheckSame(nlohmann::json::array());
    CheckSame("");
  }

  TEST_CASE("floating-point numbers take nlohmann's formatting") {
    CheckSame(0.1);
    CheckSame(-1e300);
    CheckSame(3.0);
  }

  TEST_CASE("strings that need escaping are escaped as nlohmann escapes them") {
    CheckSame("quote \" backslash \\ slash /");
    CheckSame(std::string("nul \0 tab \t newline \n del \x7f", 26));
    CheckSame("\x01\x1f");
  }

  TEST_CASE("non-ASCII UTF-8 is kept as is") {
    CheckSame("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");
  }

  TEST_CASE("invalid UTF-8 is replaced as nlohmann replaces it") {
    CheckSame("bad \xff byte");
    CheckSame("truncated \xe2\x82");
    CheckSame("overlong \xc0\xaf");
    CheckSame("surrogate \xed\xa0\x80");
  }

  TEST_CASE("keys are escaped and ordered as nlohmann does") {
    CheckSame({{"b", 1}, {"a", 2}, {"k\"ey", 3}, {"\xff", 4}});
  }

  TEST_CASE("nested containers are dumped as nlohmann dumps them") {
    CheckSame({{"peer", {{"pid", 12}, {"uid", 0}, {"exe", "/usr/bin/git"}}},
               {"list", {1, "two", nullptr, {{"x", {1.5, false}}}}},
               {"deep", {{"a", {{"b", {{"c", nlohmann::json::array({nlohmann::json::object()})}}}}}}}});
  }

  TEST_CASE("binary and discarded values take nlohmann's output") {
    CheckSame(nlohmann::json::binary({1, 2, 3}));
    CheckSame(nlohmann::json(nlohmann::json::value_t::discarded));
  }
}

TEST_SUITE("JsonObjectWriter") {
  TEST_CASE("an access token's claims are written as DumpJson dumps the same object") {
    const nlohmann::json reference = {
        {"act", {{"sub", "agent:claude"}}},
        {"aud", "http://notme.localhost"},
        {"client_id", "claude"},
        {"cnf", {{"jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}},
        {"exp", 1700000300},
        {"iat", 1700000000},
        {"iss", "http://notme.localhost"},
        {"jti", "abc_-"},
        {"nbf", 1700000000},
        {"scope", "repo:read git:sign"},
        {"sub", "ada@example.test"}};
    const std::string written = JsonObjectWriter()
                                    .BeginObject("act")
                                    .String("sub", "agent:claude")
                                    .EndObject()
                                    .String("aud", "http://notme.localhost")
                                    .String("client_id", "claude")
                                    .BeginObject("cnf")
                                    .String("jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
                                    .EndObject()
                                    .Integer("exp", 1700000300)
                                    .Integer("iat", 1700000000)
                                    .String("iss", "http://notme.localhost")
                                    .String("jti", "abc_-")
                                    .Integer("nbf", 1700000000)
                                    .String("scope", "repo:read git:sign")
                                    .String("sub", "ada@example.test")
                                    .Finish();
    CHECK(written == DumpJson(reference));
    CHECK(nlohmann::json::parse(written) == reference);
  }

  TEST_CASE(
      "strings that need escaping, non-ASCII and invalid UTF-8 are escaped as nlohmann does") {
    for (const std::string& value : {std::string("a\"b\\c\n\x01"), std::string("h\xc3\xa9llo"),
                                    std::string("bad\xff\xfe"), std::string()}) {
      CAPTURE(value);
      const nlohmann::json reference = {{"k\"", value}, {"z", -5}};
      CHECK(JsonObjectWriter().String("k\"", value).Integer("z", -5).Finish() ==
            DumpJson(reference));
    }
  }

  TEST_CASE("an empty object and an empty nested object") {
    CHECK(JsonObjectWriter().Finish() == "{}");
    CHECK(JsonObjectWriter().BeginObject("a").EndObject().Integer("b", 0).Finish() ==
          R"({"a":{},"b":0})");
  }
}

}  // namespace
}  // namespace notme
