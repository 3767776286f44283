#include "crypto/secret_bytes.h"

#include <doctest/doctest.h>

#include <type_traits>

namespace notme::crypto {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(!std::is_convertible_v<SecretBytes, std::span<const uint8_t>>);

TEST_SUITE("SecretBytes") {
  TEST_CASE("a new buffer is zeroed") {
    auto s = SecretBytes::Allocate(32);
    REQUIRE(s);
    s->RevealForCrypto([](std::span<const uint8_t> b) {
      for (auto v : b) CHECK(v == 0);
    });
  }

  TEST_CASE("written bytes are read back") {
    auto s = SecretBytes::Allocate(4);
    REQUIRE(s);
    s->WriteForInit([](std::span<uint8_t> b) { b[0] = 7; b[3] = 9; });
    int sum = s->RevealForCrypto([](std::span<const uint8_t> b) { return b[0] + b[3]; });
    CHECK(sum == 16);
  }

  TEST_CASE("a moved-from buffer is empty") {
    auto a = SecretBytes::Allocate(8);
    REQUIRE(a);
    SecretBytes b = std::move(*a);
    CHECK(b.size() == 8);
    CHECK(a->size() == 0);  // NOLINT(bugprone-use-after-move): testing the moved-from state
  }

  TEST_CASE("equal contents compare equal in constant time") {
    const uint8_t bytes[] = {1, 2, 3};
    auto a = SecretBytes::CopyFrom(bytes);
    auto b = SecretBytes::CopyFrom(bytes);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->ConstantTimeEquals(*b));
    CHECK(a->ConstantTimeEquals(*a));
  }

  TEST_CASE("different contents or sizes compare unequal") {
    const uint8_t x[] = {1, 2, 3};
    const uint8_t y[] = {1, 2, 4};
    const uint8_t z[] = {1, 2};
    auto a = SecretBytes::CopyFrom(x);
    auto b = SecretBytes::CopyFrom(y);
    auto c = SecretBytes::CopyFrom(z);
    CHECK_FALSE(a->ConstantTimeEquals(*b));
    CHECK_FALSE(a->ConstantTimeEquals(*c));
  }
}

}  // namespace
}  // namespace notme::crypto
