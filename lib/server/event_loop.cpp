#include "server/event_loop.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <system_error>

#include "notme/check.h"

namespace notme::server {
namespace {

constexpr uint64_t kWakeId = 0;
// Deadline granularity: how often a worker looks for expired watchers while any exist.
constexpr std::chrono::milliseconds kSweepInterval{100};

thread_local bool t_is_loop_worker = false;
thread_local bool t_in_blocking_scope = false;
// The events of the worker's current epoll_wait not yet handled: [t_batch_next, t_batch_end).
thread_local epoll_event* t_batch = nullptr;
thread_local int t_batch_next = 0;
thread_local int t_batch_end = 0;

Mutex g_loop_mu;
std::weak_ptr<EventLoop> g_loop GUARDED_BY(g_loop_mu);

Error ErrnoError(const char* what) {
  return Error(ErrorCode::kIo, std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Result<std::shared_ptr<EventLoop>> EventLoop::Acquire() {
  MutexLock lock(&g_loop_mu);
  if (auto loop = g_loop.lock()) return loop;
  std::shared_ptr<EventLoop> loop(new EventLoop());
  const size_t cpus = std::max<size_t>(2, std::thread::hardware_concurrency());
  NOTME_TRY_VOID(loop->Init(cpus));
  g_loop = loop;
  return loop;
}

bool EventLoop::OnWorkerThread() { return t_is_loop_worker && !t_in_blocking_scope; }

EventLoop::BlockingScope::BlockingScope(EventLoop& loop) {
  if (!t_is_loop_worker || t_in_blocking_scope) return;
  loop_ = &loop;
  t_in_blocking_scope = true;
  loop.EnterBlocking();
}

EventLoop::BlockingScope::~BlockingScope() {
  if (loop_ == nullptr) return;
  loop_->LeaveBlocking();
  t_in_blocking_scope = false;
}

void EventLoop::ReleaseBatch() {
  // Watchers that became ready together with the one now blocking would wait behind it:
  // their readiness was consumed (EPOLLONESHOT), so re-arm them for another worker.
  const int end = t_batch_end;
  t_batch_end = t_batch_next;
  if (t_batch_next >= end) return;
  for (int i = t_batch_next; i < end; ++i) {
    const uint64_t id = t_batch[i].data.u64;
    if (id == kWakeId) continue;  // level-triggered: the others see it anyway
    Shard& shard = ShardOf(id);
    MutexLock lock(&shard.mu);
    auto it = shard.entries.find(id);
    if (it == shard.entries.end() || !it->second.armed) continue;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = id;
    NOTME_CHECK(::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, it->second.fd, &ev) == 0,
                "epoll_ctl MOD of a registered fd failed");
  }
}

void EventLoop::EnterBlocking() {
  ReleaseBatch();
  // The common case costs one atomic increment: another worker is still free.
  if (blocking_.fetch_add(1) + 1 < workers_.load()) return;
  MutexLock lock(&threads_mu_);
  ReapLocked();
  while (blocking_.load() >= workers_.load()) {
    if (!StartWorkerLocked(/*extra=*/true)) {
      // Serving on is still right (this request waits on its own upstream); only short
      // requests may queue until a worker frees up.
      spdlog::warn("event loop: cannot start an extra worker thread");
      break;
    }
  }
}

void EventLoop::LeaveBlocking() { blocking_.fetch_sub(1); }

bool EventLoop::StartWorkerLocked(bool extra) {
  // Counted before it runs, so that a retiring worker sees it.
  workers_.fetch_add(1);
  try {
    std::thread t([this, extra] { WorkerMain(extra); });
    const auto id = t.get_id();
    threads_.emplace(id, std::move(t));
    return true;
  } catch (const std::system_error&) {
    workers_.fetch_sub(1);
    return false;
  }
}

void EventLoop::ReapLocked() {
  for (auto id : exited_) {
    auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    // The worker recorded its id as its last act; join returns at once.
    it->second.join();
    threads_.erase(it);
  }
  exited_.clear();
}

bool EventLoop::RetireExtra() {
  MutexLock lock(&threads_mu_);
  ReapLocked();
  if (workers_.load() <= base_workers_) return false;
  // Uncount first, then check (EnterBlocking increments blocking_ first, then reads
  // workers_): one of the two always sees the other, so a worker never retires while
  // every other worker is inside a blocking scope.
  workers_.fetch_sub(1);
  if (blocking_.load() >= workers_.load()) {
    workers_.fetch_add(1);
    return false;
  }
  return true;
}

Result<void> EventLoop::Init(size_t workers) {
  epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (epoll_.get() < 0) return Fail(ErrnoError("epoll_create1"));
  wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake_.get() < 0) return Fail(ErrnoError("eventfd"));
  // Level-triggered and shared by every worker: a stop wakes them all.
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) != 0) {
    return Fail(ErrnoError("epoll_ctl"));
  }
  base_workers_ = workers;
  MutexLock lock(&threads_mu_);
  for (size_t i = 0; i < workers; ++i) {
    if (!StartWorkerLocked(/*extra=*/false)) return Fail(ErrorCode::kIo, "cannot start a thread");
  }
  return Ok();
}

EventLoop::~EventLoop() {
  stopping_.store(true);
  if (wake_.get() >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
  }
  std::unordered_map<std::thread::id, std::thread> threads;
  {
    MutexLock lock(&threads_mu_);
    threads.swap(threads_);
  }
  for (auto& [id, t] : threads) t.join();
}

Result<uint64_t> EventLoop::Add(int fd, std::shared_ptr<Watcher> watcher) {
  const uint64_t id = next_id_.fetch_add(1);
  Shard& shard = ShardOf(id);
  MutexLock lock(&shard.mu);
  // Registered disarmed (no events asked for; a hang-up seen now is reported again when
  // the owner arms it, as the fd stays in that state).
  epoll_event ev{};
  ev.events = EPOLLONESHOT;
  ev.data.u64 = id;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return Fail(ErrnoError("epoll_ctl"));
  shard.entries.emplace(id, Entry{fd, std::move(watcher), false, Clock::time_point::max()});
  return id;
}

void EventLoop::Arm(uint64_t id, Clock::time_point deadline) {
  bool kick = false;
  {
    Shard& shard = ShardOf(id);
    MutexLock lock(&shard.mu);
    auto it = shard.entries.find(id);
    if (it == shard.entries.end()) return;
    Entry& e = it->second;
    NOTME_CHECK(!e.armed, "EventLoop::Arm of an armed watcher");
    e.armed = true;
    e.deadline = deadline;
    if (deadline != Clock::time_point::max()) {
      // A worker blocked without a timeout would never sweep this deadline; workers
      // arming their own watchers pick a timeout before they sleep again.
      kick = with_deadline_.fetch_add(1) == 0 && !t_is_loop_worker;
    }
    // Under the lock: the fd cannot be closed and reused by a Remove meanwhile.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = id;
    NOTME_CHECK(::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, e.fd, &ev) == 0,
                "epoll_ctl MOD of a registered fd failed");
  }
  if (kick) {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
  }
}

void EventLoop::Remove(uint64_t id) {
  Shard& shard = ShardOf(id);
  MutexLock lock(&shard.mu);
  auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return;
  if (it->second.armed && it->second.deadline != Clock::time_point::max()) {
    with_deadline_.fetch_sub(1);
  }
  (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd, nullptr);
  shard.entries.erase(it);
}

std::shared_ptr<EventLoop::Watcher> EventLoop::Claim(uint64_t id) {
  Shard& shard = ShardOf(id);
  MutexLock lock(&shard.mu);
  auto it = shard.entries.find(id);
  if (it == shard.entries.end() || !it->second.armed) return nullptr;
  it->second.armed = false;
  if (it->second.deadline != Clock::time_point::max()) with_deadline_.fetch_sub(1);
  return it->second.watcher;
}

void EventLoop::Sweep() {
  if (!sweep_mu_.TryLock()) return;  // another worker is sweeping
  const auto now = Clock::now();
  if (now < next_sweep_) {
    sweep_mu_.Unlock();
    return;
  }
  next_sweep_ = now + kSweepInterval;
  sweep_mu_.Unlock();
  std::vector<std::shared_ptr<Watcher>> expired;
  for (Shard& shard : shards_) {
    MutexLock lock(&shard.mu);
    for (auto& [id, e] : shard.entries) {
      if (!e.armed || e.deadline > now) continue;
      e.armed = false;
      with_deadline_.fetch_sub(1);
      expired.push_back(e.watcher);
    }
  }
  for (auto& w : expired) w->Expired();
}

void EventLoop::WorkerMain(bool extra) {
  t_is_loop_worker = true;
  // Named for top -H, ps -L and profilers (at most 15 characters).
  ::pthread_setname_np(::pthread_self(), extra ? "notme-loop+" : "notme-loop");
  epoll_event events[kMaxEventsPerWake];
  auto last_event = Clock::now();
  for (;;) {
    int timeout = with_deadline_.load() > 0 ? static_cast<int>(kSweepInterval.count()) : -1;
    if (extra) {
      // An extra worker wakes once more after its idle timeout, to retire.
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            last_event + kExtraIdleTimeout - Clock::now())
                            .count();
      const int idle_ms = static_cast<int>(std::clamp<decltype(left)>(left, 0, INT32_MAX));
      timeout = timeout < 0 ? idle_ms : std::min(timeout, idle_ms);
    }
    const int n = ::epoll_wait(epoll_.get(), events, kMaxEventsPerWake, timeout);
    if (stopping_.load()) break;
    if (n < 0 && errno != EINTR) break;
    if (n > 0) last_event = Clock::now();
    t_batch = events;
    t_batch_next = 0;
    t_batch_end = n;
    while (t_batch_next < t_batch_end) {
      const epoll_event ev = events[t_batch_next++];
      if (ev.data.u64 == kWakeId) {
        if (stopping_.load()) break;
        uint64_t v = 0;
        (void)!::read(wake_.get(), &v, sizeof(v));
        continue;
      }
      if (auto w = Claim(ev.data.u64)) w->Ready(ev.events);
    }
    if (with_deadline_.load() > 0) Sweep();
    if (extra && Clock::now() - last_event >= kExtraIdleTimeout) {
      if (RetireExtra()) break;
      last_event = Clock::now();
    }
  }
  if (extra) {
    MutexLock lock(&threads_mu_);
    exited_.push_back(std::this_thread::get_id());
  }
}

}  // namespace notme::server
