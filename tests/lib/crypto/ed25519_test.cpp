#include "crypto/ed25519.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace notme::crypto {
namespace {

using notme::testing::FromHex;
using notme::testing::ToHex;

struct Rfc8032Vector {
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1, TEST 1, TEST 2 and TEST 3.
const Rfc8032Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

Ed25519SecretKey KeyFromSeedHex(const char* hex) {
  auto seed_bytes = FromHex(hex);
  auto seed = SecretBytes::CopyFrom(seed_bytes);
  REQUIRE(seed);
  auto key = Ed25519SecretKey::FromSeed(*seed);
  REQUIRE(key);
  return std::move(*key);
}

TEST_SUITE("Ed25519") {
  TEST_CASE("RFC 8032 section 7.1 vectors sign and verify") {
    for (const auto& v : kVectors) {
      auto key = KeyFromSeedHex(v.seed);
      CHECK(ToHex(key.public_key().bytes()) == v.public_key);
      auto msg = FromHex(v.message);
      auto sig = key.Sign(msg);
      CHECK(ToHex(sig.bytes()) == v.signature);
      CHECK(Ed25519Verify(key.public_key(), msg, sig).has_value());
    }
  }

  TEST_CASE("a signature over other data does not verify") {
    auto key = KeyFromSeedHex(kVectors[0].seed);
    auto sig = key.Sign(std::string_view("hello"));
    auto r = Ed25519Verify(key.public_key(), std::string_view("hellp"), sig);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kBadSignature);
  }

  TEST_CASE("a signature by another key does not verify") {
    auto a = KeyFromSeedHex(kVectors[0].seed);
    auto b = KeyFromSeedHex(kVectors[1].seed);
    CHECK_FALSE(Ed25519Verify(b.public_key(), std::string_view("x"), a.Sign(std::string_view("x"))));
  }

  TEST_CASE("a flipped signature bit does not verify") {
    auto key = KeyFromSeedHex(kVectors[0].seed);
    auto bytes = key.Sign(std::string_view("m")).bytes();
    bytes[10] ^= 1;
    auto sig = Ed25519Signature::FromBytes(bytes);
    REQUIRE(sig);
    CHECK_FALSE(Ed25519Verify(key.public_key(), std::string_view("m"), *sig));
  }

  TEST_CASE("a non-canonical S (S + L) is rejected") {
    auto key = KeyFromSeedHex(kVectors[0].seed);
    auto bytes = key.Sign(std::string_view("m")).bytes();
    // Add the group order L to S (little-endian): malleated signatures must fail.
    const auto l = FromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    unsigned carry = 0;
    for (size_t i = 0; i < 32; ++i) {
      unsigned sum = bytes[32 + i] + l[i] + carry;
      bytes[32 + i] = static_cast<uint8_t>(sum & 0xff);
      carry = sum >> 8;
    }
    auto sig = Ed25519Signature::FromBytes(bytes);
    REQUIRE(sig);
    CHECK_FALSE(Ed25519Verify(key.public_key(), std::string_view("m"), *sig));
  }

  TEST_CASE("public keys of the wrong length are rejected") {
    CHECK_FALSE(Ed25519PublicKey::FromBytes(FromHex("00")));
    CHECK_FALSE(Ed25519PublicKey::FromBytes(std::vector<uint8_t>(33, 1)));
  }

  TEST_CASE("a small-order public key is rejected") {
    // The identity point (y = 1) has order 1.
    auto identity = FromHex("0100000000000000000000000000000000000000000000000000000000000000");
    auto r = Ed25519PublicKey::FromBytes(identity);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidKey);
  }

  TEST_CASE("signatures of the wrong length are rejected") {
    CHECK_FALSE(Ed25519Signature::FromBytes(std::vector<uint8_t>(63, 0)));
    CHECK_FALSE(Ed25519Signature::FromBytes(std::vector<uint8_t>(65, 0)));
  }

  TEST_CASE("a seed of the wrong size is rejected") {
    auto seed = SecretBytes::Allocate(31);
    REQUIRE(seed);
    CHECK_FALSE(Ed25519SecretKey::FromSeed(*seed));
  }

  TEST_CASE("the exported seed restores the same key") {
    auto key = Ed25519SecretKey::Generate();
    REQUIRE(key);
    auto seed = key->ExportSeedForKeyring();
    REQUIRE(seed);
    auto again = Ed25519SecretKey::FromSeed(*seed);
    REQUIRE(again);
    CHECK(again->public_key() == key->public_key());
  }

  TEST_CASE("one-time keys are fresh each time and sign verifiable signatures") {
    auto first = Ed25519SecretKey::GenerateOneTime();
    REQUIRE(first);
    const Ed25519PublicKey first_public = first->public_key();
    CHECK(Ed25519Verify(first_public, "data", first->Sign("data")));
    // Two alive at once: the second gets ordinary guarded memory.
    auto second = Ed25519SecretKey::GenerateOneTime();
    REQUIRE(second);
    CHECK_FALSE(second->public_key() == first_public);
    CHECK(Ed25519Verify(second->public_key(), "data", second->Sign("data")));
    first = Ed25519SecretKey::GenerateOneTime();  // the scratch page, wiped and reused
    REQUIRE(first);
    CHECK_FALSE(first->public_key() == first_public);
    CHECK(Ed25519Verify(first->public_key(), "more", first->Sign("more")));
  }

  TEST_CASE("a key kept read-only still signs and exports its seed") {
    auto key = Ed25519SecretKey::Generate();
    REQUIRE(key);
    key->KeepReadOnly();
    CHECK(Ed25519Verify(key->public_key(), "m", key->Sign("m")));
    CHECK(Ed25519Verify(key->public_key(), "m", key->Sign("m")));
    auto seed = key->ExportSeedForKeyring();
    REQUIRE(seed);
    auto again = Ed25519SecretKey::FromSeed(*seed);
    REQUIRE(again);
    CHECK(again->public_key() == key->public_key());
  }

  TEST_CASE("a key kept read-only signs on several threads at once") {
    auto key = Ed25519SecretKey::Generate();
    REQUIRE(key);
    key->KeepReadOnly();
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          const std::string message = "m" + std::to_string(t) + "-" + std::to_string(i);
          if (!Ed25519Verify(key->public_key(), message, key->Sign(message))) ++bad;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(bad.load() == 0);
    // Still read-only afterwards, and still a key that signs.
    CHECK(Ed25519Verify(key->public_key(), "after", key->Sign("after")));
  }
}

}  // namespace
}  // namespace notme::crypto
