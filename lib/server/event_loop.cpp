#include "server/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "notme/check.h"

namespace notme::server {
namespace {

constexpr uint64_t kWakeId = 0;
// Deadline granularity: how often a worker looks for expired watchers while any exist.
constexpr std::chrono::milliseconds kSweepInterval{100};

thread_local bool t_is_loop_worker = false;

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

bool EventLoop::OnWorkerThread() { return t_is_loop_worker; }

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
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { WorkerMain(); });
  return Ok();
}

EventLoop::~EventLoop() {
  stopping_.store(true);
  if (wake_.get() >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
  }
  for (auto& t : threads_) t.join();
}

Result<uint64_t> EventLoop::Add(int fd, std::shared_ptr<Watcher> watcher) {
  MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  // Registered disarmed (no events asked for; a hang-up seen now is reported again when
  // the owner arms it, as the fd stays in that state).
  epoll_event ev{};
  ev.events = EPOLLONESHOT;
  ev.data.u64 = id;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return Fail(ErrnoError("epoll_ctl"));
  entries_.emplace(id, Entry{fd, std::move(watcher), false, Clock::time_point::max()});
  return id;
}

void EventLoop::Arm(uint64_t id, Clock::time_point deadline) {
  bool kick = false;
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
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
  MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (it->second.armed && it->second.deadline != Clock::time_point::max()) {
    with_deadline_.fetch_sub(1);
  }
  (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd, nullptr);
  entries_.erase(it);
}

std::shared_ptr<EventLoop::Watcher> EventLoop::Claim(uint64_t id) {
  MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.armed) return nullptr;
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
  {
    MutexLock lock(&mu_);
    for (auto& [id, e] : entries_) {
      if (!e.armed || e.deadline > now) continue;
      e.armed = false;
      with_deadline_.fetch_sub(1);
      expired.push_back(e.watcher);
    }
  }
  for (auto& w : expired) w->Expired();
}

void EventLoop::WorkerMain() {
  t_is_loop_worker = true;
  epoll_event events[kMaxEventsPerWake];
  for (;;) {
    const int timeout = with_deadline_.load() > 0 ? static_cast<int>(kSweepInterval.count()) : -1;
    const int n = ::epoll_wait(epoll_.get(), events, kMaxEventsPerWake, timeout);
    if (stopping_.load()) break;
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kWakeId) {
        if (stopping_.load()) break;
        uint64_t v = 0;
        (void)!::read(wake_.get(), &v, sizeof(v));
        continue;
      }
      if (auto w = Claim(events[i].data.u64)) w->Ready(events[i].events);
    }
    if (with_deadline_.load() > 0) Sweep();
  }
}

}  // namespace notme::server
