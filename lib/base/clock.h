#pragma once
// Clock: the one source of time (STYLE.md "Tokens": all time comes from an injected
// Clock; tests use a fixed one). Thread-safe: implementations may be shared.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace notme {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time as whole seconds since the Unix epoch (JWT NumericDate).
  virtual int64_t NowSeconds() const = 0;
  // Monotonic time for timeouts and caches; never jumps backwards.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
};

// The real clock. Stateless; one process-wide instance.
class SystemClock final : public Clock {
 public:
  int64_t NowSeconds() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  static const SystemClock& Instance();
};

// A clock tests set by hand. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_seconds) : now_(now_seconds) {}
  int64_t NowSeconds() const override { return now_.load(); }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::seconds(now_.load()));
  }
  void Set(int64_t now_seconds) { now_.store(now_seconds); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace notme
