#include "jose/base64url.h"

#include <doctest/doctest.h>

#include <string>

namespace notme::jose {
namespace {

TEST_SUITE("Base64Url") {
  TEST_CASE("RFC 4648 section 10 vectors encode without padding") {
    CHECK(Base64UrlEncode(std::string_view("")) == "");
    CHECK(Base64UrlEncode(std::string_view("f")) == "Zg");
    CHECK(Base64UrlEncode(std::string_view("fo")) == "Zm8");
    CHECK(Base64UrlEncode(std::string_view("foo")) == "Zm9v");
    CHECK(Base64UrlEncode(std::string_view("foob")) == "Zm9vYg");
    CHECK(Base64UrlEncode(std::string_view("fooba")) == "Zm9vYmE");
    CHECK(Base64UrlEncode(std::string_view("foobar")) == "Zm9vYmFy");
  }

  TEST_CASE("the URL-safe alphabet replaces plus and slash") {
    const uint8_t bytes[] = {0xfb, 0xff, 0xbf};
    CHECK(Base64UrlEncode(bytes) == "-_-_");
  }

  TEST_CASE("decoding inverts encoding for every length up to 64") {
    std::string data;
    for (int i = 0; i < 64; ++i) {
      const auto decoded = Base64UrlDecodeToString(Base64UrlEncode(data));
      REQUIRE(decoded);
      CHECK(*decoded == data);
      data.push_back(static_cast<char>(i * 37 + 11));
    }
  }

  TEST_CASE("the RFC 7515 appendix C example decodes") {
    const auto decoded = Base64UrlDecode("A-z_4ME");
    REQUIRE(decoded);
    CHECK(*decoded == std::vector<uint8_t>{3, 236, 255, 224, 193});
  }

  TEST_CASE("padding is rejected") {
    const auto r = Base64UrlDecode("Zg==");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kMalformed);
    CHECK(r.error().message().find("padding") != std::string::npos);
    CHECK_FALSE(Base64UrlDecode("Zm8="));
  }

  TEST_CASE("standard base64 plus and slash are rejected") {
    CHECK_FALSE(Base64UrlDecode("+/+/"));
    CHECK_FALSE(Base64UrlDecode("ab+c"));
    CHECK_FALSE(Base64UrlDecode("ab/c"));
  }

  TEST_CASE("whitespace and control characters are rejected") {
    CHECK_FALSE(Base64UrlDecode("Zm9v Yg"));
    CHECK_FALSE(Base64UrlDecode("Zm9v\nYg"));
    CHECK_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4)));
    CHECK_FALSE(Base64UrlDecode("Zm9v\t"));
  }

  TEST_CASE("non-ASCII bytes are rejected") {
    CHECK_FALSE(Base64UrlDecode("Zm9\xc3\xa9"));
    CHECK_FALSE(Base64UrlDecode("\xff\xff\xff\xff"));
  }

  TEST_CASE("a length of 1 mod 4 is rejected") {
    CHECK_FALSE(Base64UrlDecode("Z"));
    CHECK_FALSE(Base64UrlDecode("Zm9vY"));
    const auto r = Base64UrlDecode("Zm9vYmFyZ");
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("length") != std::string::npos);
  }

  TEST_CASE("non-canonical trailing bits are rejected") {
    // "Zg" is canonical for "f"; "Zh".."Zv" carry the same byte with stray low bits.
    CHECK(Base64UrlDecode("Zg"));
    CHECK_FALSE(Base64UrlDecode("Zh"));
    CHECK_FALSE(Base64UrlDecode("Zv"));
    CHECK(Base64UrlDecode("Zm8"));
    CHECK_FALSE(Base64UrlDecode("Zm9"));
    const auto r = Base64UrlDecode("Zm-");
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("non-canonical") != std::string::npos);
  }

  TEST_CASE("the empty string decodes to no bytes") {
    const auto r = Base64UrlDecode("");
    REQUIRE(r);
    CHECK(r->empty());
  }
}

}  // namespace
}  // namespace notme::jose
