#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "jose/dpop.h"

namespace notme::jose {
namespace {

TEST_SUITE("InMemoryReplayCache") {
  TEST_CASE("a new key is remembered and a repeat is a replay") {
    FakeClock clock(1000);
    InMemoryReplayCache cache(10, clock);
    CHECK(cache.CheckAndRemember("a", 1060));
    const auto again = cache.CheckAndRemember("a", 1060);
    REQUIRE_FALSE(again);
    CHECK(again.error().code() == ErrorCode::kReplay);
    CHECK(cache.CheckAndRemember("b", 1060));
    CHECK(cache.size() == 2);
  }

  TEST_CASE("an entry is forgotten once it expires") {
    FakeClock clock(1000);
    InMemoryReplayCache cache(10, clock);
    CHECK(cache.CheckAndRemember("a", 1060));
    clock.Set(1059);
    CHECK_FALSE(cache.CheckAndRemember("a", 1120));
    clock.Set(1060);
    CHECK(cache.CheckAndRemember("a", 1120));
  }

  TEST_CASE("a full cache fails closed until entries expire") {
    FakeClock clock(1000);
    InMemoryReplayCache cache(3, clock);
    CHECK(cache.CheckAndRemember("a", 1010));
    CHECK(cache.CheckAndRemember("b", 1020));
    CHECK(cache.CheckAndRemember("c", 1030));
    const auto full = cache.CheckAndRemember("d", 1030);
    REQUIRE_FALSE(full);
    CHECK(full.error().code() == ErrorCode::kUnavailable);
    // A replay is still reported as a replay when full.
    CHECK(cache.CheckAndRemember("a", 1010).error().code() == ErrorCode::kReplay);
    clock.Set(1010);
    CHECK(cache.CheckAndRemember("d", 1030));
    CHECK(cache.size() == 3);
  }

  TEST_CASE("an already expired key is not stored") {
    FakeClock clock(1000);
    InMemoryReplayCache cache(1, clock);
    CHECK(cache.CheckAndRemember("old", 999));
    CHECK(cache.size() == 0);
  }

  TEST_CASE("keys of any length take a fixed-size slot") {
    FakeClock clock(1000);
    InMemoryReplayCache cache(4, clock);
    CHECK(cache.CheckAndRemember(std::string(100000, 'x'), 2000));
    CHECK_FALSE(cache.CheckAndRemember(std::string(100000, 'x'), 2000));
    CHECK(cache.CheckAndRemember(std::string(99999, 'x'), 2000));
  }

  TEST_CASE("concurrent callers accept each key exactly once") {
    FakeClock clock(1000);
    InMemoryReplayCache cache(10000, clock);
    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 500; ++i) {
          if (cache.CheckAndRemember("k" + std::to_string(i), 2000)) accepted.fetch_add(1);
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(accepted.load() == 500);
  }
}

}  // namespace
}  // namespace notme::jose
