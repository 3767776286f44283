#include "crypto/sha256.h"

#include <doctest/doctest.h>

#include "crypto/constant_time.h"
#include "test_util.h"

namespace notme::crypto {
namespace {

using notme::testing::ToHex;

TEST_SUITE("Sha256") {
  TEST_CASE("FIPS 180-2 abc vector") {
    CHECK(ToHex(Sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  TEST_CASE("incremental hashing equals one-shot hashing") {
    Sha256Hasher h;
    h.Update("a");
    h.Update("bc");
    CHECK(h.Finish() == Sha256("abc"));
  }

  TEST_CASE("empty input hashes to the known digest") {
    CHECK(ToHex(Sha256("")) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
}

TEST_SUITE("ConstantTimeEquals") {
  TEST_CASE("equal strings are equal") { CHECK(ConstantTimeEquals("abc", "abc")); }
  TEST_CASE("different strings are unequal") { CHECK_FALSE(ConstantTimeEquals("abc", "abd")); }
  TEST_CASE("different lengths are unequal") { CHECK_FALSE(ConstantTimeEquals("abc", "ab")); }
  TEST_CASE("empty strings are equal") { CHECK(ConstantTimeEquals("", "")); }
}

}  // namespace
}  // namespace notme::crypto
