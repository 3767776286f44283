#include "jose/kid.h"

#include <doctest/doctest.h>

#include <array>

#include "jose_test_util.h"

namespace notme::jose {
namespace {

TEST_SUITE("Kid") {
  TEST_CASE("the CONTRACT.md vector: key bytes 00..1f give 9408457aefd071cec127c1f985399308") {
    std::array<uint8_t, 32> bytes{};
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
    CHECK(KidForEd25519(bytes) == "9408457aefd071cec127c1f985399308");
  }

  TEST_CASE("a validated key and its raw bytes give the same 32 lowercase hex characters") {
    const auto key = testing::KeyFromSeedHex(testing::kRfc8037SeedHex);
    const std::string kid = KidForEd25519(key.public_key());
    CHECK(kid == KidForEd25519(std::span<const uint8_t, 32>(key.public_key().bytes())));
    CHECK(kid.size() == 32);
    CHECK(kid.find_first_not_of("0123456789abcdef") == std::string::npos);
  }

  TEST_CASE("different keys get different kids") {
    const auto a = testing::KeyFromSeedHex(testing::kRfc8037SeedHex);
    const auto b = testing::KeyFromSeedHex(testing::kOtherSeedHex);
    CHECK(KidForEd25519(a.public_key()) != KidForEd25519(b.public_key()));
  }
}

}  // namespace
}  // namespace notme::jose
