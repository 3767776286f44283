#include "server/worker_pool.h"

#include <pthread.h>

#include <utility>

namespace notme::server {

WorkerPool::WorkerPool(Options options) : options_(options) {}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::TrySubmit(std::function<void()> task) {
  MutexLock lock(&mu_);
  if (shutdown_) return false;
  ReapFinishedLocked();
  // Each queued task is already promised to an idle worker (idle_ counts workers that
  // have not yet picked one), so busy_ + queued never exceeds max_threads.
  if (busy_ + queue_.size() >= options_.max_threads) return false;
  queue_.push_back(std::move(task));
  if (idle_ >= queue_.size()) {
    cv_.notify_one();
    return true;
  }
  std::thread t([this] { WorkerMain(); });
  threads_.emplace(t.get_id(), std::move(t));
  return true;
}

void WorkerPool::WorkerMain() {
  // Named for top -H, ps -L and profilers (at most 15 characters).
  ::pthread_setname_np(::pthread_self(), "notme-pool");
  MutexLock lock(&mu_);
  for (;;) {
    if (queue_.empty()) {
      if (shutdown_) break;
      ++idle_;
      bool timed_out = !cv_.wait_for(mu_, options_.idle_timeout,
                                     [this]() NO_THREAD_SAFETY_ANALYSIS {
                                       return shutdown_ || !queue_.empty();
                                     });
      --idle_;
      if (timed_out && queue_.empty() && idle_ >= options_.min_idle) break;
      continue;
    }
    auto task = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    mu_.Unlock();
    task();
    task = nullptr;
    mu_.Lock();
    --busy_;
    drained_.notify_all();
  }
  finished_.push_back(std::this_thread::get_id());
  drained_.notify_all();
}

void WorkerPool::ReapFinishedLocked() {
  for (auto id : finished_) {
    auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    // The thread pushed its id as its last act under the lock; join is immediate.
    it->second.join();
    threads_.erase(it);
  }
  finished_.clear();
}

void WorkerPool::Shutdown() {
  MutexLock lock(&mu_);
  shutdown_ = true;
  cv_.notify_all();
  drained_.wait(mu_, [this]() NO_THREAD_SAFETY_ANALYSIS {
    return finished_.size() == threads_.size();
  });
  ReapFinishedLocked();
}

bool WorkerPool::TryAcquireConnection() {
  MutexLock lock(&mu_);
  if (shutdown_ || connections_ >= options_.max_threads) return false;
  ++connections_;
  return true;
}

void WorkerPool::ReleaseConnection() {
  MutexLock lock(&mu_);
  if (connections_ > 0) --connections_;
}

size_t WorkerPool::connections() const {
  MutexLock lock(&mu_);
  return connections_;
}

size_t WorkerPool::busy() const {
  MutexLock lock(&mu_);
  return busy_;
}

size_t WorkerPool::threads() const {
  MutexLock lock(&mu_);
  return threads_.size();
}

}  // namespace notme::server
