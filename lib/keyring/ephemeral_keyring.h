#pragma once
// EphemeralKeyring: a Keyring that lives in this process's guarded memory only
// (`notmed --keyring ephemeral`, and the `auto` fallback without a Secret Service).
// Everything is lost when the process exits: an SSH CA created here cannot be trusted
// across daemon restarts (docs/keyring.md). Values are SecretBytes (mlocked, PROT_NONE
// while idle, wiped on free). Thread-safe (one internal mutex).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "keyring/keyring.h"
#include "notme/thread_annotations.h"

namespace notme::keyring {

class EphemeralKeyring final : public Keyring {
 public:
  // `clock` stamps created/modified times and must outlive the keyring.
  explicit EphemeralKeyring(const Clock& clock = SystemClock::Instance());

  Result<void> Store(std::string_view name, const crypto::SecretBytes& value,
                     std::string_view label) override EXCLUDES(mu_);
  Result<crypto::SecretBytes> Lookup(std::string_view name) override EXCLUDES(mu_);
  Result<void> Remove(std::string_view name) override EXCLUDES(mu_);
  Result<std::vector<SecretInfo>> List() override EXCLUDES(mu_);
  std::string_view Backend() const override { return "ephemeral"; }

 private:
  struct Entry {
    crypto::SecretBytes value;
    SecretInfo info;
  };

  const Clock& clock_;
  Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ GUARDED_BY(mu_);
};

}  // namespace notme::keyring
