#pragma once
// WorkerPool: the one elastic thread pool every notme HTTP server shares (control socket,
// each agent socket, the loopback proxy listener). Requests run on the servers' event
// loop (long ones, the proxy's, in a blocking scope that keeps the loop elastic); the
// pool runs what must not hold a loop worker: writing answers to a client that reads
// them slowly. Its thread limit is also the daemon-wide connection limit (connection
// slots, below), which bounds the loop's extra workers too: when the limit is reached a
// new connection is answered 503 at once instead of queueing (a queued connection would
// hang its client behind slow ones).
//
// Threads are started on demand and exit after `idle_timeout` beyond `min_idle` spares,
// so an idle daemon holds few threads (idle RSS). Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "notme/thread_annotations.h"

namespace notme::server {

class WorkerPool {
 public:
  struct Options {
    size_t max_threads = 128;  // = the daemon's concurrent connection limit
    size_t min_idle = 2;       // spare threads kept warm
    std::chrono::milliseconds idle_timeout{30000};
  };

  explicit WorkerPool(Options options);
  // Shutdown().
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a worker. Returns false (and does not run it) when `max_threads`
  // tasks are already running or the pool is shut down.
  bool TrySubmit(std::function<void()> task) EXCLUDES(mu_);

  // Takes one of the `max_threads` connection slots; false when all are taken.
  bool TryAcquireConnection() EXCLUDES(mu_);
  // Gives back a slot taken by TryAcquireConnection.
  void ReleaseConnection() EXCLUDES(mu_);
  size_t connections() const EXCLUDES(mu_);

  // Stops accepting tasks and joins every thread after its running task returns.
  void Shutdown() EXCLUDES(mu_);

  // Tasks running now (for /v1/status and tests).
  size_t busy() const EXCLUDES(mu_);
  size_t threads() const EXCLUDES(mu_);
  size_t max_threads() const { return options_.max_threads; }

 private:
  void WorkerMain() EXCLUDES(mu_);
  void ReapFinishedLocked() REQUIRES(mu_);

  const Options options_;
  mutable Mutex mu_;
  std::condition_variable_any cv_;
  std::condition_variable_any drained_;
  bool shutdown_ GUARDED_BY(mu_) = false;
  size_t busy_ GUARDED_BY(mu_) = 0;
  size_t idle_ GUARDED_BY(mu_) = 0;
  size_t connections_ GUARDED_BY(mu_) = 0;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  std::map<std::thread::id, std::thread> threads_ GUARDED_BY(mu_);
  std::vector<std::thread::id> finished_ GUARDED_BY(mu_);
};

}  // namespace notme::server
