#pragma once
// Chooses and opens the keyring backend for `notmed --keyring auto|secret-service|ephemeral`
// (CONTRACT.md "notmed"). Thread-safe.

#include <memory>
#include <string>
#include <string_view>

#include "keyring/keyring.h"
#include "notme/result.h"

namespace notme::keyring {

enum class Mode {
  kAuto,           // Secret Service when reachable, else ephemeral with a warning
  kSecretService,  // Secret Service or fail (closed)
  kEphemeral,      // memory of this process only
};

// "auto" | "secret-service" | "ephemeral". Errors: kInvalidArgument.
Result<Mode> ParseMode(std::string_view text);
std::string_view ModeName(Mode mode);

// Opens the backend `mode` asks for.
//   kAuto: the Secret Service when a session bus is configured (DBUS_SESSION_BUS_ADDRESS,
//     or $XDG_RUNTIME_DIR/bus) and org.freedesktop.secrets answers within a short
//     timeout; otherwise an EphemeralKeyring, and `*warning` (if non-null) is set to a
//     one-line explanation for the log. `*warning` is cleared when there is nothing to say.
//   kSecretService: the Secret Service, or kUnavailable/kTimeout when it cannot be
//     reached — never a silent fallback. Where notme was built without libsecret (macOS
//     today), always kUnavailable.
//   kEphemeral: an EphemeralKeyring; never fails.
Result<std::unique_ptr<Keyring>> OpenKeyring(Mode mode, std::string* warning);

// True when this build includes the Secret Service backend (libsecret found).
bool HaveSecretService();

}  // namespace notme::keyring
