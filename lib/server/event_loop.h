#pragma once
// EventLoop: the one epoll set of the process's HTTP servers, with a small fixed set of
// worker threads (one per CPU, at least 2) that wait on it.
//
// A Watcher is an fd registered with EPOLLONESHOT: when it becomes readable (or hangs
// up) exactly one worker claims it and calls Ready(); while claimed nothing else runs for
// it. Its owner then either Arm()s it again (with a deadline) or Remove()s it. When an
// armed watcher's deadline passes, a worker claims it the same way and calls Expired()
// (the deadline sweep runs on the epoll_wait timeout, so no thread per connection is
// needed for timeouts). A worker handles up to kMaxEventsPerWake ready watchers per
// wakeup. Ready() and Expired() may block briefly (a handler); the other workers keep
// serving.
//
// Elastic: work that may wait on something outside the process for long (a proxied
// request waiting on its upstream) runs inside a BlockingScope on the worker that claimed
// it, without a thread hand-off. The loop keeps at least one worker outside blocking
// scopes at all times: a worker entering one when every other worker is already inside
// one starts an extra worker first (at once, not after a delay), so short work (minting)
// never queues behind hung upstreams. Extra workers exit after kExtraIdleTimeout without
// events, down to the base count; nothing wakes periodically for this while the loop is
// idle. The number of workers is bounded by the blocking scopes running at once plus the
// base count (each scope serves one connection: at most the connection limit).
//
// Shared: Acquire() returns the process's loop, starting it on first use; it stops (and
// joins its workers) when the last holder releases it. Release it from a thread that is
// not one of its workers. Thread-safe.

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "server/unique_fd.h"

namespace notme::server {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;

  class Watcher {
   public:
    virtual ~Watcher() = default;
    // The fd is readable, hung up or failed (`events` from epoll). The watcher is claimed
    // until its owner calls Arm or Remove.
    virtual void Ready(uint32_t events) = 0;
    // The deadline passed while armed. Claimed as for Ready.
    virtual void Expired() = 0;
  };

  static constexpr int kMaxEventsPerWake = 8;

  // The process's loop. Errors: kIo when epoll or the workers cannot be set up.
  static Result<std::shared_ptr<EventLoop>> Acquire();

  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Registers `fd` (owned by the caller, which keeps it open until after Remove) claimed
  // by the caller: call Arm to start watching. Returns the watcher's id. Errors: kIo.
  Result<uint64_t> Add(int fd, std::shared_ptr<Watcher> watcher);
  // Releases a claimed watcher: watch for readability until `deadline` (Clock::time_point::max()
  // for none).
  void Arm(uint64_t id, Clock::time_point deadline);
  // Forgets the watcher (claimed or not); no Ready/Expired starts for it afterwards (one
  // already running finishes). The caller may close the fd after this returns.
  void Remove(uint64_t id);

  // Marks the current worker as possibly blocked for long until destroyed (see above).
  // Does nothing on a thread that is not a worker of a loop (a WorkerPool thread may
  // block anyway) or inside another scope.
  class BlockingScope {
   public:
    explicit BlockingScope(EventLoop& loop);
    ~BlockingScope();
    BlockingScope(const BlockingScope&) = delete;
    BlockingScope& operator=(const BlockingScope&) = delete;

   private:
    EventLoop* loop_ = nullptr;
  };

  // Extra workers (beyond the base count) exit after this long without events.
  static constexpr std::chrono::milliseconds kExtraIdleTimeout{10000};

  // Workers now (base and extra).
  size_t workers() const { return workers_.load(); }
  size_t base_workers() const { return base_workers_; }
  // Workers inside a BlockingScope now.
  size_t blocking() const { return blocking_.load(); }
  // True on one of the loop's worker threads outside a BlockingScope (which must not
  // block on a slow client).
  static bool OnWorkerThread();

 private:
  struct Entry {
    int fd = -1;
    std::shared_ptr<Watcher> watcher;
    bool armed = false;
    Clock::time_point deadline = Clock::time_point::max();
  };

  EventLoop() = default;
  Result<void> Init(size_t workers);
  void WorkerMain(bool extra) EXCLUDES(threads_mu_);
  void EnterBlocking() EXCLUDES(threads_mu_);
  // Hands the rest of this worker's epoll_wait batch back to the other workers.
  void ReleaseBatch();
  void LeaveBlocking();
  // Starts one worker (false when the thread cannot be created).
  bool StartWorkerLocked(bool extra) REQUIRES(threads_mu_);
  // Joins extra workers that have exited.
  void ReapLocked() REQUIRES(threads_mu_);
  // An extra worker idle for kExtraIdleTimeout: true when it may exit (then it is no
  // longer counted).
  bool RetireExtra() EXCLUDES(threads_mu_);
  // Claims watcher `id` (it must be armed); nullptr when it is gone or already claimed.
  std::shared_ptr<Watcher> Claim(uint64_t id);
  void Sweep();

  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: stop, and "deadlines exist now" for workers blocked forever
  size_t base_workers_ = 0;
  // workers_ and blocking_ are read without the lock on the fast path (seq_cst: a worker
  // entering a scope and an extra worker retiring always see each other, see
  // EnterBlocking/RetireExtra); changed under threads_mu_ except blocking_.
  std::atomic<size_t> workers_{0};
  std::atomic<size_t> blocking_{0};
  Mutex threads_mu_;
  std::unordered_map<std::thread::id, std::thread> threads_ GUARDED_BY(threads_mu_);
  std::vector<std::thread::id> exited_ GUARDED_BY(threads_mu_);
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> with_deadline_{0};  // armed watchers with a deadline (approximate)
  Mutex sweep_mu_;
  Clock::time_point next_sweep_ GUARDED_BY(sweep_mu_){};

  // The watchers, in shards by id: every request takes its connection's shard twice
  // (Claim, Arm, each with an epoll_ctl under it), and one lock for all made the loop's
  // workers queue on each other (futex waits, a context switch each).
  static constexpr size_t kShards = 16;
  struct Shard {
    Mutex mu;
    std::unordered_map<uint64_t, Entry> entries GUARDED_BY(mu);
  };
  Shard& ShardOf(uint64_t id) { return shards_[id % kShards]; }
  std::atomic<uint64_t> next_id_{1};
  std::array<Shard, kShards> shards_;
};

}  // namespace notme::server
