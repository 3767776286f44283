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

}  // namespace
}  // namespace notme
