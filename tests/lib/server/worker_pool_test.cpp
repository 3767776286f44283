#include "server/worker_pool.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace notme::server {
namespace {

TEST_SUITE("WorkerPool") {
  TEST_CASE("tasks run and the pool drains on shutdown") {
    std::atomic<int> n{0};
    {
      WorkerPool pool({4, 1, std::chrono::milliseconds(1000)});
      for (int i = 0; i < 100; ++i) {
        while (!pool.TrySubmit([&] { n.fetch_add(1); })) std::this_thread::yield();
      }
      pool.Shutdown();
    }
    CHECK(n.load() == 100);
  }

  TEST_CASE("submission fails when every thread is busy") {
    WorkerPool pool({2, 0, std::chrono::milliseconds(1000)});
    std::atomic<bool> release{false};
    auto block = [&] {
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    };
    CHECK(pool.TrySubmit(block));
    CHECK(pool.TrySubmit(block));
    CHECK_FALSE(pool.TrySubmit([] {}));
    release = true;
    pool.Shutdown();
    CHECK_FALSE(pool.TrySubmit([] {}));
  }

  TEST_CASE("idle threads beyond the spare count exit") {
    WorkerPool pool({8, 1, std::chrono::milliseconds(50)});
    std::atomic<bool> release{false};
    for (int i = 0; i < 4; ++i) {
      CHECK(pool.TrySubmit([&] {
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }));
    }
    release = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    pool.TrySubmit([] {});  // reaps finished threads
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(pool.threads() <= 2);
  }
}

}  // namespace
}  // namespace notme::server
