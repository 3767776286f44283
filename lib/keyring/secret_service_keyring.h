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
// a keyring that prompts or hangs yields kTimeout instead of blocking the daemon.
// Thread-safe: calls are serialised by an internal mutex.

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "keyring/keyring.h"
#include "notme/thread_annotations.h"

namespace notme::keyring {

struct LibsecretApi;  // libsecret_api.h; GLib's headers stay out of this one

class SecretServiceKeyring final : public Keyring {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

  // Connects to the Secret Service on the session bus and opens a transport session,
  // loading libsecret first when a session bus is configured. Errors: kUnavailable (no
  // session bus, libsecret cannot be loaded, no Secret Service), kTimeout.
  static Result<std::unique_ptr<SecretServiceKeyring>> Connect(
      std::chrono::milliseconds timeout = kDefaultTimeout);

  Result<void> Store(std::string_view name, const crypto::SecretBytes& value,
                     std::string_view label) override EXCLUDES(mu_);
  Result<crypto::SecretBytes> Lookup(std::string_view name) override EXCLUDES(mu_);
  Result<void> Remove(std::string_view name) override EXCLUDES(mu_);
  Result<std::vector<SecretInfo>> List() override EXCLUDES(mu_);
  std::string_view Backend() const override { return "secret-service"; }

 private:
  SecretServiceKeyring(const LibsecretApi& api, std::chrono::milliseconds timeout)
      : api_(api), timeout_(timeout) {}

  const LibsecretApi& api_;  // process-wide, loaded for good
  const std::chrono::milliseconds timeout_;
  Mutex mu_;
};

}  // namespace notme::keyring
