#include "keyring/watchdog.h"

namespace notme::keyring {

Watchdog::Watchdog(const LibsecretApi& api, std::chrono::milliseconds timeout)
    : api_(api),
      cancellable_(api.g_cancellable_new()),
      thread_([this, timeout] { Run(timeout); }) {}

Watchdog::~Watchdog() {
  {
    MutexLock lock(&mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
  api_.g_object_unref(cancellable_);
}

bool Watchdog::Fired() {
  MutexLock lock(&mu_);
  return fired_;
}

void Watchdog::Run(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  while (!done_) {
    if (cv_.wait_until(mu_, deadline) == std::cv_status::timeout) {
      if (done_) return;
      fired_ = true;
      // g_cancellable_cancel is thread-safe; the call in progress returns
      // G_IO_ERROR_CANCELLED from its own main loop.
      api_.g_cancellable_cancel(cancellable_);
      return;
    }
  }
}

}  // namespace notme::keyring
