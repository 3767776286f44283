#include "jose/json.h"

#include <doctest/doctest.h>

#include <string>

namespace notme::jose {
namespace {

TEST_SUITE("StrictJson") {
  TEST_CASE("a plain object parses") {
    const auto r = ParseStrictJson(R"({"a":1,"b":[true,null,"x"],"c":{"d":"e"}})");
    REQUIRE(r);
    CHECK((*r)["c"]["d"] == "e");
  }

  TEST_CASE("surrounding whitespace is allowed") {
    CHECK(ParseStrictJson(" \n\t{\"a\":1} \r\n"));
  }

  TEST_CASE("valid multi-byte UTF-8 and escapes are accepted") {
    const auto r = ParseStrictJson("{\"n\":\"caf\xc3\xa9 \xf0\x9f\x94\x91 \\u00e9\"}");
    REQUIRE(r);
    CHECK((*r)["n"] == "caf\xc3\xa9 \xf0\x9f\x94\x91 \xc3\xa9");
  }

  TEST_CASE("a duplicate top-level member is rejected") {
    const auto r = ParseStrictJson(R"({"alg":"EdDSA","alg":"none"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kMalformed);
    CHECK(r.error().message().find("duplicate member \"alg\"") != std::string::npos);
  }

  TEST_CASE("a duplicate nested member is rejected") {
    CHECK_FALSE(ParseStrictJson(R"({"jwk":{"x":"a","x":"b"}})"));
    CHECK_FALSE(ParseStrictJson(R"([{"a":1},{"b":1,"b":2}])"));
  }

  TEST_CASE("equal names in sibling objects are not duplicates") {
    CHECK(ParseStrictJson(R"({"a":{"x":1},"b":{"x":2},"x":3})"));
  }

  TEST_CASE("a duplicate written with an escape is still a duplicate") {
    CHECK_FALSE(ParseStrictJson(R"({"alg":1,"\u0061lg":2})"));
  }

  TEST_CASE("nesting deeper than the limit is rejected") {
    std::string deep(17, '[');
    deep += std::string(17, ']');
    const auto r = ParseStrictJson(deep, 8192, 16);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kTooLarge);
    CHECK(ParseStrictJson(deep.substr(1, 32), 8192, 16));
  }

  TEST_CASE("very deep nesting is rejected without recursion") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const auto r = ParseStrictJson(deep, deep.size(), 16);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("brackets inside strings do not count as depth") {
    CHECK(ParseStrictJson(R"({"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})", 8192, 2));
  }

  TEST_CASE("a document over the size limit is rejected") {
    const std::string big = "{\"a\":\"" + std::string(9000, 'x') + "\"}";
    const auto r = ParseStrictJson(big);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("trailing garbage is rejected") {
    CHECK_FALSE(ParseStrictJson(R"({"a":1}x)"));
    CHECK_FALSE(ParseStrictJson(R"({"a":1}{"b":2})"));
    CHECK_FALSE(ParseStrictJson(std::string_view("{\"a\":1}\0", 8)));
  }

  TEST_CASE("invalid UTF-8 is rejected") {
    CHECK_FALSE(ParseStrictJson("{\"a\":\"\xff\"}"));
    CHECK_FALSE(ParseStrictJson("{\"a\":\"\xc3\"}"));          // truncated sequence
    CHECK_FALSE(ParseStrictJson("{\"a\":\"\xc0\xaf\"}"));      // overlong '/'
    CHECK_FALSE(ParseStrictJson("{\"a\":\"\xed\xa0\x80\"}"));  // UTF-16 surrogate
    CHECK_FALSE(ParseStrictJson("{\"a\":\"\xf4\x90\x80\x80\"}"));  // above U+10FFFF
    const auto r = ParseStrictJson("{\"\xfe\":1}");
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("UTF-8") != std::string::npos);
  }

  TEST_CASE("a lone surrogate escape is rejected") {
    CHECK_FALSE(ParseStrictJson(R"({"a":"\ud800"})"));
  }

  TEST_CASE("syntax errors are rejected") {
    CHECK_FALSE(ParseStrictJson(""));
    CHECK_FALSE(ParseStrictJson("{"));
    CHECK_FALSE(ParseStrictJson(R"({"a":1,})"));
    CHECK_FALSE(ParseStrictJson(R"({'a':1})"));
    CHECK_FALSE(ParseStrictJson(R"({"a":01})"));
    CHECK_FALSE(ParseStrictJson(R"({"a":1 /* c */})"));
    CHECK_FALSE(ParseStrictJson("{\"a\":\"\x01\"}"));
  }

  TEST_CASE("ParseStrictJsonObject refuses non-objects") {
    CHECK_FALSE(ParseStrictJsonObject("[1]", "doc"));
    CHECK_FALSE(ParseStrictJsonObject("\"s\"", "doc"));
    const auto r = ParseStrictJsonObject("42", "jws header");
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("jws header") == 0);
  }

  TEST_CASE("DumpCompact writes no whitespace") {
    CHECK(DumpCompact(nlohmann::json{{"b", 1}, {"a", "x"}}) == R"({"a":"x","b":1})");
  }
}

}  // namespace
}  // namespace notme::jose
