#include "ssh/wire.h"

#include <doctest/doctest.h>

#include "ssh/base64.h"
#include "test_util.h"

namespace notme::ssh {
namespace {

using notme::testing::FromHex;
using notme::testing::ToHex;

TEST_SUITE("SshWire") {
  TEST_CASE("integers and strings are written big-endian with length prefixes") {
    WireWriter w;
    w.U32(0x01020304);
    w.U64(0x0102030405060708ULL);
    w.String(std::string_view("ab"));
    CHECK(ToHex(w.bytes()) == "01020304" "0102030405060708" "000000026162");
  }

  TEST_CASE("a written message reads back") {
    WireWriter w;
    w.U32(7);
    w.U64(9);
    w.String(std::string_view("hello"));
    auto bytes = w.Take();
    WireReader r(bytes);
    CHECK(*r.U32() == 7);
    CHECK(*r.U64() == 9);
    CHECK(*r.Text() == "hello");
    CHECK(r.ExpectEnd("m").has_value());
  }

  TEST_CASE("a truncated uint32 is rejected") {
    auto b = FromHex("010203");
    WireReader r(b);
    auto v = r.U32();
    REQUIRE_FALSE(v);
    CHECK(v.error().code() == ErrorCode::kMalformed);
  }

  TEST_CASE("a truncated uint64 is rejected") {
    auto b = FromHex("01020304050607");
    WireReader r(b);
    CHECK_FALSE(r.U64());
  }

  TEST_CASE("a string longer than the input is rejected") {
    auto b = FromHex("0000000561626364");
    WireReader r(b);
    CHECK_FALSE(r.String());
  }

  TEST_CASE("a huge string length is rejected without allocating") {
    auto b = FromHex("ffffffff6162");
    WireReader r(b);
    auto s = r.String();
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == ErrorCode::kMalformed);
  }

  TEST_CASE("a text string with a NUL byte is rejected") {
    auto b = FromHex("00000003610062");
    WireReader r(b);
    CHECK_FALSE(r.Text());
  }

  TEST_CASE("trailing bytes are reported") {
    auto b = FromHex("0000000100");
    WireReader r(b);
    REQUIRE(r.U32());
    CHECK_FALSE(r.ExpectEnd("x"));
  }

  TEST_CASE("an unexpected text value is refused") {
    auto b = FromHex("00000001" "61");
    WireReader r(b);
    CHECK_FALSE(r.ExpectText("b"));
  }
}

TEST_SUITE("SshBase64") {
  TEST_CASE("RFC 4648 test vectors encode and decode") {
    const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char* enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; ++i) {
      CHECK(Base64Encode(AsBytes(plain[i])) == enc[i]);
      auto d = Base64Decode(enc[i]);
      REQUIRE(d);
      CHECK(std::string(d->begin(), d->end()) == plain[i]);
    }
  }

  TEST_CASE("base64 with a bad length is rejected") { CHECK_FALSE(Base64Decode("Zm9")); }
  TEST_CASE("base64 with characters outside the alphabet is rejected") {
    CHECK_FALSE(Base64Decode("Zm9-"));
    CHECK_FALSE(Base64Decode("Zm 9"));
    CHECK_FALSE(Base64Decode("Zm9\n"));
  }
  TEST_CASE("base64 with padding in the middle is rejected") { CHECK_FALSE(Base64Decode("Zg==Zm9v")); }
  TEST_CASE("base64 with too much padding is rejected") { CHECK_FALSE(Base64Decode("Z===")); }
  TEST_CASE("base64 with non-zero trailing bits is rejected") {
    CHECK_FALSE(Base64Decode("Zh=="));
    CHECK_FALSE(Base64Decode("Zm9="));
  }
}

}  // namespace
}  // namespace notme::ssh
