#include "crypto/secret_bytes.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

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

  TEST_CASE("a short-lived buffer is readable in its locked slot and holds what is written") {
    auto s = SecretBytes::CopyShortLived(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("github_pat_value"), 16));
    REQUIRE(s);
    CHECK(s->size() == 16);
    const uint8_t* p = AddressOf(*s);
    CHECK(ProtectionOf(p) == "rw-p");  // not toggled: no mprotect per use
    // sodium_malloc puts the slot's end against the guard page after it.
    CHECK(ProtectionOf(p + SecretBytes::kShortLivedSize) == "---p");
    s->RevealForCrypto([](std::span<const uint8_t> b) {
      CHECK(std::memcmp(b.data(), "github_pat_value", 16) == 0);
    });
  }

  TEST_CASE("a released short-lived buffer is wiped and its slot reused") {
    const uint8_t* first = nullptr;
    {
      auto s = SecretBytes::AllocateShortLived(SecretBytes::kShortLivedSize);
      REQUIRE(s);
      s->WriteForInit([](std::span<uint8_t> b) { std::memset(b.data(), 0x5a, b.size()); });
      first = AddressOf(*s);
    }
    // The slot stays mapped and readable; its bytes must be zero again.
    CHECK(ProtectionOf(first) == "rw-p");
    for (size_t i = 0; i < SecretBytes::kShortLivedSize; ++i) CHECK(first[i] == 0);
    auto again = SecretBytes::AllocateShortLived(93);  // a GitHub fine-grained PAT
    REQUIRE(again);
    CHECK(AddressOf(*again) == first);
  }

  TEST_CASE("short-lived buffers at once get distinct slots; past the pool they fall back") {
    std::vector<SecretBytes> live;
    std::vector<const uint8_t*> seen;
    for (size_t i = 0; i < SecretBytes::kShortLivedSlots; ++i) {
      auto s = SecretBytes::AllocateShortLived(8);
      REQUIRE(s);
      s->WriteForInit([&](std::span<uint8_t> b) { b[0] = static_cast<uint8_t>(i + 1); });
      const uint8_t* p = AddressOf(*s);
      for (const uint8_t* q : seen) CHECK(q != p);
      CHECK(ProtectionOf(p) == "rw-p");
      seen.push_back(p);
      live.push_back(std::move(*s));
    }
    auto extra = SecretBytes::AllocateShortLived(8);  // the pool is exhausted
    REQUIRE(extra);
    CHECK(ProtectionOf(AddressOf(*extra)) == "---p");  // Allocate's path: toggled
    for (const uint8_t* q : seen) CHECK(q != AddressOf(*extra));
    for (size_t i = 0; i < live.size(); ++i) {
      live[i].RevealForCrypto([&](std::span<const uint8_t> b) { CHECK(b[0] == i + 1); });
    }
    live.clear();
    auto reused = SecretBytes::AllocateShortLived(8);
    REQUIRE(reused);
    CHECK(AddressOf(*reused) == seen.front());
  }

  TEST_CASE("a short-lived buffer larger than a slot takes the guarded path") {
    auto s = SecretBytes::AllocateShortLived(SecretBytes::kShortLivedSize + 1);
    REQUIRE(s);
    CHECK(ProtectionOf(AddressOf(*s)) == "---p");
  }

  TEST_CASE("a short-lived buffer may outlive its thread; the thread's slots are freed") {
    std::optional<SecretBytes> kept;
    const uint8_t* other_slot = nullptr;
    std::thread([&] {
      auto s = SecretBytes::AllocateShortLived(8);
      auto t = SecretBytes::AllocateShortLived(8);
      REQUIRE(s);
      REQUIRE(t);
      s->WriteForInit([](std::span<uint8_t> b) { b[0] = 9; });
      other_slot = AddressOf(*t);
      kept.emplace(std::move(*s));
    }).join();
    // The released slot was unmapped at thread exit (sodium_free), the kept one lives on.
    CHECK(ProtectionOf(other_slot) != "rw-p");
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
