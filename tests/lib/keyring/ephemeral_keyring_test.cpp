#include "keyring/ephemeral_keyring.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "lib/keyring/keyring_test_util.h"

namespace notme::keyring {
namespace {
using testing::Bytes;
using testing::Reveal;
using testing::Secret;
}  // namespace

TEST_SUITE("EphemeralKeyring") {
  TEST_CASE("a stored value is looked up unchanged") {
    EphemeralKeyring k;
    REQUIRE(k.Store("ssh-ca", Secret("seed-0123456789"), "notme SSH CA").has_value());
    auto v = k.Lookup("ssh-ca");
    REQUIRE(v.has_value());
    CHECK(Reveal(*v) == Bytes("seed-0123456789"));
    CHECK(k.Backend() == "ephemeral");
  }

  TEST_CASE("binary values with NUL bytes round-trip") {
    EphemeralKeyring k;
    std::vector<uint8_t> value = {0, 1, 0, 0xff, 0, 0x80, 0};
    REQUIRE(k.Store("secret/bin", Secret(value), "bin").has_value());
    CHECK(Reveal(*k.Lookup("secret/bin")) == value);
  }

  TEST_CASE("looking up an absent name is kNotFound") {
    EphemeralKeyring k;
    auto v = k.Lookup("secret/absent");
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("removing an absent name is kNotFound") {
    EphemeralKeyring k;
    auto r = k.Remove("idjag-provider");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("a removed entry is gone") {
    EphemeralKeyring k;
    REQUIRE(k.Store("secret/x", Secret("v"), "x").has_value());
    REQUIRE(k.Remove("secret/x").has_value());
    CHECK(k.Lookup("secret/x").error().code() == ErrorCode::kNotFound);
    CHECK(k.List()->empty());
  }

  TEST_CASE("storing again replaces the value and keeps the created time") {
    FakeClock clock(1'700'000'000);
    EphemeralKeyring k(clock);
    REQUIRE(k.Store("secret/tok", Secret("old"), "first").has_value());
    clock.Advance(60);
    REQUIRE(k.Store("secret/tok", Secret("new-value"), "second").has_value());
    CHECK(Reveal(*k.Lookup("secret/tok")) == Bytes("new-value"));
    auto list = k.List();
    REQUIRE(list->size() == 1);
    CHECK((*list)[0].created == 1'700'000'000);
    CHECK((*list)[0].modified == 1'700'000'060);
    CHECK((*list)[0].label == "second");
  }

  TEST_CASE("List reports names, kinds and labels sorted by name") {
    FakeClock clock(1'700'000'000);
    EphemeralKeyring k(clock);
    REQUIRE(k.Store("secret/b", Secret("1"), "B").has_value());
    REQUIRE(k.Store("ssh-ca", Secret("2"), "CA").has_value());
    REQUIRE(k.Store("secret/a", Secret("3"), "A").has_value());
    auto list = k.List();
    REQUIRE(list.has_value());
    REQUIRE(list->size() == 3);
    CHECK((*list)[0].name == "secret/a");
    CHECK((*list)[0].kind == Kind::kSecret);
    CHECK((*list)[1].name == "secret/b");
    CHECK((*list)[2].name == "ssh-ca");
    CHECK((*list)[2].kind == Kind::kSshCa);
    CHECK((*list)[2].label == "CA");
  }

  TEST_CASE("the looked-up copy is independent of the stored value") {
    EphemeralKeyring k;
    REQUIRE(k.Store("secret/x", Secret("abc"), "x").has_value());
    auto first = k.Lookup("secret/x");
    REQUIRE(k.Remove("secret/x").has_value());
    CHECK(Reveal(*first) == Bytes("abc"));
  }

  TEST_CASE("invalid names are refused by every operation") {
    EphemeralKeyring k;
    CHECK(k.Store("secret/", Secret("v"), "x").error().code() == ErrorCode::kInvalidArgument);
    CHECK(k.Store("nope", Secret("v"), "x").error().code() == ErrorCode::kInvalidArgument);
    CHECK(k.Lookup("secret/../x").error().code() == ErrorCode::kInvalidArgument);
    CHECK(k.Remove("").error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("oversized values and bad labels are refused") {
    EphemeralKeyring k;
    std::vector<uint8_t> big(kMaxValueSize + 1, 7);
    CHECK(k.Store("secret/big", Secret(big), "big").error().code() == ErrorCode::kTooLarge);
    std::vector<uint8_t> max(kMaxValueSize, 7);
    CHECK(k.Store("secret/max", Secret(max), "max").has_value());
    CHECK(k.Store("secret/l", Secret("v"), std::string(kMaxLabelSize + 1, 'l')).error().code() ==
          ErrorCode::kInvalidArgument);
    CHECK(k.Store("secret/l", Secret("v"), "a\nb").error().code() ==
          ErrorCode::kInvalidArgument);
    CHECK(k.Store("secret/l", Secret("v"), "caf\xc3\xa9").error().code() ==
          ErrorCode::kInvalidArgument);
  }

  TEST_CASE("an empty (moved-from) value is refused") {
    EphemeralKeyring k;
    crypto::SecretBytes s = Secret("v");
    crypto::SecretBytes taken = std::move(s);
    CHECK(k.Store("secret/e", s, "e").error().code() == ErrorCode::kInvalidArgument);  // NOLINT
  }

  TEST_CASE("error messages never contain the value") {
    EphemeralKeyring k;
    std::vector<uint8_t> big(kMaxValueSize + 1, 'Z');
    auto r = k.Store("secret/big", Secret(big), "label");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().find("ZZZZ") == std::string::npos);
  }

  TEST_CASE("concurrent stores and lookups from many threads stay consistent") {
    EphemeralKeyring k;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&k, &failures, t] {
        const std::string name = "secret/t" + std::to_string(t);
        for (int i = 0; i < 200; ++i) {
          const std::string value = name + "#" + std::to_string(i);
          if (!k.Store(name, Secret(value), "t")) ++failures;
          auto got = k.Lookup(name);
          if (!got || Reveal(*got) != Bytes(value)) ++failures;
          if (!k.List()) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures.load() == 0);
    CHECK(k.List()->size() == 4);
  }
}

}  // namespace notme::keyring
