#include "crypto/secret_bytes.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

namespace notme::crypto {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(!std::is_convertible_v<SecretBytes, std::span<const uint8_t>>);

// The permissions ("rw-p", "r--p", "---p") of the mapping holding `p`, from
// /proc/self/maps.
std::string ProtectionOf(const void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  FILE* maps = std::fopen("/proc/self/maps", "re");
  REQUIRE(maps != nullptr);
  char line[512];
  std::string out;
  while (std::fgets(line, sizeof(line), maps) != nullptr) {
    unsigned long lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && addr >= lo && addr < hi) {
      out = perms;
      break;
    }
  }
  std::fclose(maps);
  return out;
}

const uint8_t* AddressOf(const SecretBytes& s) {
  return s.RevealForCrypto([](std::span<const uint8_t> b) { return b.data(); });
}

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
  TEST_CASE("an idle buffer is inaccessible and a kept read-only one is readable only") {
    const uint8_t x[] = {7, 8, 9};
    auto a = SecretBytes::CopyFrom(x);
    REQUIRE(a);
    const uint8_t* p = AddressOf(*a);
    CHECK(ProtectionOf(p) == "---p");
    a->KeepReadOnly();
    CHECK(ProtectionOf(p) == "r--p");
    a->RevealForCrypto([&](std::span<const uint8_t> b) {
      CHECK(std::memcmp(b.data(), x, sizeof(x)) == 0);
      CHECK(ProtectionOf(p) == "r--p");
    });
    CHECK(ProtectionOf(p) == "r--p");  // no longer toggled back to PROT_NONE
    auto moved = std::move(*a);
    CHECK(ProtectionOf(AddressOf(moved)) == "r--p");
  }

  TEST_CASE("a scratch buffer starts zeroed and holds what is written") {
    auto s = SecretBytes::AllocateScratch(32);
    REQUIRE(s);
    CHECK(s->size() == 32);
    s->RevealForCrypto([](std::span<const uint8_t> b) {
      for (uint8_t v : b) CHECK(v == 0);
    });
    s->WriteForInit([](std::span<uint8_t> b) { std::memset(b.data(), 0xab, b.size()); });
    s->RevealForCrypto([](std::span<const uint8_t> b) {
      for (uint8_t v : b) CHECK(v == 0xab);
    });
  }

  TEST_CASE("a released scratch buffer is wiped and its locked page reused") {
    const uint8_t* first = nullptr;
    {
      auto s = SecretBytes::AllocateScratch(SecretBytes::kScratchSize);
      REQUIRE(s);
      s->WriteForInit([](std::span<uint8_t> b) { std::memset(b.data(), 0x5a, b.size()); });
      first = AddressOf(*s);
    }
    // The page stays mapped (that is the point); its bytes must be zero again.
    for (size_t i = 0; i < SecretBytes::kScratchSize; ++i) CHECK(first[i] == 0);
    auto again = SecretBytes::AllocateScratch(16);
    REQUIRE(again);
    CHECK(AddressOf(*again) == first);
  }

  TEST_CASE("a second scratch buffer while the first lives gets its own guarded memory") {
    auto a = SecretBytes::AllocateScratch(8);
    auto b = SecretBytes::AllocateScratch(8);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(AddressOf(*a) != AddressOf(*b));
    b->WriteForInit([](std::span<uint8_t> bytes) { bytes[0] = 1; });
    a->RevealForCrypto([](std::span<const uint8_t> bytes) { CHECK(bytes[0] == 0); });
    CHECK(ProtectionOf(AddressOf(*b)) == "---p");  // the fallback toggles as usual
  }

  TEST_CASE("a scratch buffer released on another thread frees its slot") {
    const uint8_t* page = nullptr;
    {
      auto s = SecretBytes::AllocateScratch(8);
      REQUIRE(s);
      page = AddressOf(*s);
      std::thread([moved = std::move(*s)]() mutable {
        SecretBytes gone = std::move(moved);
      }).join();
    }
    auto again = SecretBytes::AllocateScratch(8);
    REQUIRE(again);
    CHECK(AddressOf(*again) == page);
  }

  TEST_CASE("a scratch buffer may outlive the thread that allocated it") {
    std::optional<SecretBytes> kept;
    std::thread([&] {
      auto s = SecretBytes::AllocateScratch(8);
      REQUIRE(s);
      s->WriteForInit([](std::span<uint8_t> b) { b[0] = 9; });
      kept.emplace(std::move(*s));
    }).join();
    kept->RevealForCrypto([](std::span<const uint8_t> b) { CHECK(b[0] == 9); });
    kept.reset();  // the orphaned slot is freed here (ASan builds would see a misuse)
  }

  TEST_CASE("moving a scratch buffer keeps its bytes") {
    auto s = SecretBytes::AllocateScratch(4);
    REQUIRE(s);
    s->WriteForInit([](std::span<uint8_t> b) { b[3] = 42; });
    SecretBytes moved = std::move(*s);
    CHECK(s->size() == 0);
    moved.RevealForCrypto([](std::span<const uint8_t> b) { CHECK(b[3] == 42); });
  }
}

}  // namespace
}  // namespace notme::crypto
