#pragma once
// Watchdog: a GCancellable that cancels itself after a timeout, so that a synchronous
// libsecret call (which runs its own main loop until D-Bus answers) cannot block the
// daemon forever — e.g. behind a locked keyring's unlock prompt nobody answers.
// Internal to lib/keyring. One Watchdog per call; its thread ends in the destructor.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <thread>

#include "keyring/libsecret_api.h"
#include "notme/thread_annotations.h"

namespace notme::keyring {

class Watchdog {
 public:
  // `api` (the loaded GIO functions) must outlive the Watchdog.
  Watchdog(const LibsecretApi& api, std::chrono::milliseconds timeout);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Pass to the libsecret call. Owned by the Watchdog.
  GCancellable* cancellable() const { return cancellable_; }
  // True when the timeout expired and the cancellable was cancelled.
  bool Fired() EXCLUDES(mu_);

 private:
  void Run(std::chrono::milliseconds timeout) EXCLUDES(mu_);

  const LibsecretApi& api_;
  GCancellable* const cancellable_;
  Mutex mu_;
  std::condition_variable_any cv_;
  bool done_ GUARDED_BY(mu_) = false;
  bool fired_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once the fields above exist
};

}  // namespace notme::keyring
