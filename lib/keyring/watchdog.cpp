#include "keyring/watchdog.h"

#include <pthread.h>

#include "notme/check.h"

namespace notme::keyring {

Watchdog::Watchdog(const LibsecretApi& api) : api_(api), thread_([this] { Run(); }) {}

Watchdog::~Watchdog() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Watchdog::Call::Call(Watchdog& watchdog, std::chrono::milliseconds timeout)
    : watchdog_(watchdog), cancellable_(watchdog.api_.g_cancellable_new()) {
  {
    MutexLock lock(&watchdog_.mu_);
    NOTME_CHECK(watchdog_.armed_ == nullptr, "one keyring call at a time per watchdog");
    watchdog_.armed_ = cancellable_;
    watchdog_.deadline_ = std::chrono::steady_clock::now() + timeout;
    watchdog_.fired_ = false;
  }
  watchdog_.cv_.notify_all();
}

Watchdog::Call::~Call() {
  {
    // Once disarmed the thread no longer touches the cancellable.
    MutexLock lock(&watchdog_.mu_);
    watchdog_.armed_ = nullptr;
  }
  watchdog_.api_.g_object_unref(cancellable_);
}

bool Watchdog::Call::Fired() const {
  MutexLock lock(&watchdog_.mu_);
  return watchdog_.fired_;
}

void Watchdog::Run() {
  // Named for top -H, ps -L and profilers (at most 15 characters).
  ::pthread_setname_np(::pthread_self(), "notme-keyring");
  MutexLock lock(&mu_);
  while (!stopping_) {
    if (armed_ == nullptr || fired_) {
      cv_.wait(mu_);  // until a call is armed (or the next one after a fired call)
      continue;
    }
    if (std::chrono::steady_clock::now() < deadline_) {
      // Woken early by a new call, the end of this one, or stopping: look again.
      cv_.wait_until(mu_, deadline_);
      continue;
    }
    fired_ = true;
    // g_cancellable_cancel is thread-safe; the call in progress returns
    // G_IO_ERROR_CANCELLED from its own main loop. The Call cannot end (and unref the
    // cancellable) meanwhile: it disarms under mu_.
    api_.g_cancellable_cancel(armed_);
  }
}

}  // namespace notme::keyring
