#pragma once
// Keyring: the seam between notme and the OS secret store (STYLE.md "An abstract
// interface only at a real seam"). It holds the few long-lived secrets notme owns:
//   - the user's SSH CA key                 name "ssh-ca"            (issue 5)
//   - the ID-JAG provider signing key       name "idjag-provider"    (issue 8)
//   - upstream secrets set by the human     name "secret/<name>"     (issues 6, 8)
// Every entry has a name made of a Kind and, for user secrets, the user's name for it.
//
// Implementations: SecretServiceKeyring (libsecret, Linux), EphemeralKeyring (memory of
// this process only). Open one with OpenKeyring() (open_keyring.h).
//
// Contract shared by every implementation:
//   - Values are opaque bytes (NUL bytes allowed), 1..kMaxValueSize long. They go in and
//     out only as crypto::SecretBytes; an implementation never logs a value, never puts
//     it in an error message, and wipes every intermediate copy it makes.
//   - Names are validated (ParseName) before anything reaches the backend.
//   - Thread-safe: one instance may be shared by every thread of the daemon.
//   - Calls are bounded in time: a Secret Service that does not answer yields kTimeout or
//     kUnavailable, never a hang.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret_bytes.h"
#include "notme/result.h"

namespace notme::keyring {

// What an entry is; the first component of its name.
enum class Kind {
  kSshCa,          // "ssh-ca": the Ed25519 CA key seed
  kIdjagProvider,  // "idjag-provider": the ID-JAG provider Ed25519 key seed
  kSecret,         // "secret/<name>": an upstream secret (API key, PAT, registration)
};

inline constexpr std::string_view kSshCaName = "ssh-ca";
inline constexpr std::string_view kIdjagProviderName = "idjag-provider";
inline constexpr std::string_view kSecretPrefix = "secret/";

// Largest value accepted by Store (bytes). Secrets are keys and tokens, not files.
inline constexpr size_t kMaxValueSize = 64 * 1024;
// Longest label accepted by Store (bytes).
inline constexpr size_t kMaxLabelSize = 256;

// Stable lowercase name of a kind: "ssh-ca", "idjag-provider", "secret".
std::string_view KindName(Kind kind);

// User secret names (the part after "secret/"): [A-Za-z0-9][A-Za-z0-9._-]{0,127}.
bool IsValidSecretName(std::string_view secret_name);

// "secret/<secret_name>". Errors: kInvalidArgument when !IsValidSecretName.
Result<std::string> SecretEntryName(std::string_view secret_name);

// Validates a full entry name and tells its kind: exactly "ssh-ca", exactly
// "idjag-provider", or "secret/" + a valid secret name. Errors: kInvalidArgument.
Result<Kind> ParseName(std::string_view name);

// What List() reports about an entry. Never carries the value.
struct SecretInfo {
  std::string name;       // full entry name, e.g. "secret/github"
  Kind kind;
  std::string label;      // the human-readable label given to Store
  int64_t created = 0;    // seconds since the Unix epoch
  int64_t modified = 0;   // seconds since the Unix epoch
};

class Keyring {
 public:
  virtual ~Keyring() = default;

  // Stores `value` under `name`, replacing any existing value (the created time of a
  // replaced entry may be kept; modified is updated). `label` is shown by keyring UIs
  // (e.g. "notme SSH CA"); it is not secret.
  // Errors: kInvalidArgument (bad name, empty value, label too long), kTooLarge (value
  // over kMaxValueSize), kUnavailable/kTimeout (backend unreachable), kIo, kInternal.
  virtual Result<void> Store(std::string_view name, const crypto::SecretBytes& value,
                             std::string_view label) = 0;

  // The value stored under `name`, in fresh guarded memory owned by the caller: a
  // short-lived slot of this thread (SecretBytes::AllocateShortLived) when it fits, so the
  // caller uses it and drops it (every caller derives a key or injects it, then lets it go).
  // Errors: kNotFound when absent, kInvalidArgument (bad name), kUnavailable/kTimeout,
  // kInternal.
  virtual Result<crypto::SecretBytes> Lookup(std::string_view name) = 0;

  // Deletes the entry; the backend wipes it. Errors: kNotFound when absent,
  // kInvalidArgument, kUnavailable/kTimeout, kInternal.
  virtual Result<void> Remove(std::string_view name) = 0;

  // Every notme entry, sorted by name, without values.
  // Errors: kUnavailable/kTimeout, kInternal.
  virtual Result<std::vector<SecretInfo>> List() = 0;

  // "secret-service" or "ephemeral" (for `notme status`, `notme doctor` and logs).
  virtual std::string_view Backend() const = 0;
};

}  // namespace notme::keyring
