#pragma once
// Watchdog: cancels a synchronous libsecret call (which runs its own main loop until
// D-Bus answers) once it has run longer than its timeout, so that it cannot block the
// daemon forever — e.g. behind a locked keyring's unlock prompt nobody answers.
// Internal to lib/keyring.
//
// One thread per Watchdog, started with it and asleep while no call is guarded, so a
// call costs a GCancellable and two lock round trips rather than a thread of its own
// (docs/benchmarks.md "keyring"). It guards one call at a time: the keyring serialises
// its D-Bus calls. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <thread>

#include "keyring/libsecret_api.h"
#include "notme/thread_annotations.h"

namespace notme::keyring {

class Watchdog {
 public:
  // `api` (the loaded GIO functions) must outlive the Watchdog.
  explicit Watchdog(const LibsecretApi& api);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // One guarded call, for the lifetime of this object: a fresh GCancellable that the
  // watchdog cancels `timeout` after construction. At most one Call per Watchdog at a
  // time (checked).
  class Call {
   public:
    Call(Watchdog& watchdog, std::chrono::milliseconds timeout);
    ~Call();
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    // Pass to the libsecret call. Owned by the Call.
    GCancellable* cancellable() const { return cancellable_; }
    // True when the timeout expired and the cancellable was cancelled.
    bool Fired() const;

   private:
    Watchdog& watchdog_;
    GCancellable* const cancellable_;
  };

 private:
  void Run() EXCLUDES(mu_);

  const LibsecretApi& api_;
  Mutex mu_;
  std::condition_variable_any cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  GCancellable* armed_ GUARDED_BY(mu_) = nullptr;  // the guarded call's, while it runs
  std::chrono::steady_clock::time_point deadline_ GUARDED_BY(mu_);
  bool fired_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once the fields above exist
};

}  // namespace notme::keyring
