#pragma once
// SecretServiceKeyring: a Keyring over the freedesktop Secret Service (GNOME Keyring,
// KWallet, KeePassXC) through libsecret. Built only where libsecret's headers are
// available; libsecret itself is loaded with dlopen when Connect first runs
// (libsecret_api.h), so processes that never connect map no GLib.
//
// Items use the schema "dev.notme.Secret" with attributes notme-name (the full entry
// name) and notme-kind (KindName), stored in the default collection ("login"). Values
// are stored binary-safe (content type application/octet-stream). Values read back
// arrive in libsecret's non-pageable memory, are copied into SecretBytes and that copy
// is released (wiped) at once.
//
// Every D-Bus call runs with a GCancellable that a watchdog cancels after `timeout`, so
// a keyring that prompts or hangs yields kTimeout instead of blocking the daemon. The
// watchdog is one thread for the life of the keyring (watchdog.h).
// Thread-safe: calls are serialised by an internal mutex. Lookups of one name that arrive
// while a lookup of it is on the bus share that lookup's answer instead of queueing for
// their own (each gets its own SecretBytes copy; nothing is kept once they have it). A
// Store or Remove that has returned is seen by every lookup that starts after it.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyring/keyring.h"
#include "notme/thread_annotations.h"

namespace notme::keyring {

struct LibsecretApi;  // libsecret_api.h; GLib's headers stay out of this one
class Watchdog;       // watchdog.h

class SecretServiceKeyring final : public Keyring {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

  // Connects to the Secret Service on the session bus and opens a transport session,
  // loading libsecret first when a session bus is configured. Errors: kUnavailable (no
  // session bus, libsecret cannot be loaded, no Secret Service), kTimeout.
  static Result<std::unique_ptr<SecretServiceKeyring>> Connect(
      std::chrono::milliseconds timeout = kDefaultTimeout);
  ~SecretServiceKeyring() override;

  Result<void> Store(std::string_view name, const crypto::SecretBytes& value,
                     std::string_view label) override EXCLUDES(mu_, flights_mu_);
  Result<crypto::SecretBytes> Lookup(std::string_view name) override EXCLUDES(mu_, flights_mu_);
  Result<void> Remove(std::string_view name) override EXCLUDES(mu_, flights_mu_);
  Result<std::vector<SecretInfo>> List() override EXCLUDES(mu_);
  std::string_view Backend() const override { return "secret-service"; }

 private:
  SecretServiceKeyring(const LibsecretApi& api, std::chrono::milliseconds timeout,
                       std::unique_ptr<Watchdog> watchdog);

  // One lookup on the bus and the callers waiting for its answer. Every field is read and
  // written under flights_mu_ only.
  struct Flight {
    std::optional<Result<crypto::SecretBytes>> result;  // the first caller's, once it landed
    int waiting = 0;  // later callers that have not copied the result yet
    std::condition_variable_any cv;
  };

  Result<crypto::SecretBytes> LookupOnBus(std::string_view name) EXCLUDES(mu_);
  // Ends `flight` with `answer`: hands it to the waiting callers, waits until each has its
  // copy, and returns it for the first caller.
  Result<crypto::SecretBytes> Land(std::string_view name, const std::shared_ptr<Flight>& flight,
                                   Result<crypto::SecretBytes> answer) EXCLUDES(flights_mu_);
  // After a Store or Remove of `name`: lookups starting from now do not join a flight
  // that may have read the old value.
  void ForgetFlight(std::string_view name) EXCLUDES(flights_mu_);

  const LibsecretApi& api_;  // process-wide, loaded for good
  const std::chrono::milliseconds timeout_;
  Mutex mu_;  // serialises the D-Bus calls
  // Cancels a call that outlives timeout_; one thread for the life of the keyring.
  const std::unique_ptr<Watchdog> watchdog_;
  Mutex flights_mu_;
  std::map<std::string, std::shared_ptr<Flight>, std::less<>> flights_ GUARDED_BY(flights_mu_);
};

}  // namespace notme::keyring
