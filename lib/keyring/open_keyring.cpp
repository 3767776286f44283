#include "keyring/open_keyring.h"

#include <chrono>

#include "keyring/ephemeral_keyring.h"
#ifdef NOTME_HAVE_LIBSECRET
#include "keyring/secret_service_keyring.h"
#endif

namespace notme::keyring {
namespace {

// How long `auto` waits for the Secret Service before falling back: short, because a
// daemon starting at login must not stall on a missing keyring.
constexpr std::chrono::milliseconds kProbeTimeout{2000};
// An explicit `secret-service` request may wait longer (the service may be starting).
constexpr std::chrono::milliseconds kConnectTimeout{5000};

#ifdef NOTME_HAVE_LIBSECRET
Result<std::unique_ptr<Keyring>> OpenSecretService(std::chrono::milliseconds timeout) {
  NOTME_TRY(auto keyring, SecretServiceKeyring::Connect(timeout));
  return std::unique_ptr<Keyring>(std::move(keyring));
}
#else
Result<std::unique_ptr<Keyring>> OpenSecretService(std::chrono::milliseconds) {
  return Fail(ErrorCode::kUnavailable,
              "keyring: this build of notme has no Secret Service support (macOS Keychain "
              "support is future work; see docs/keyring.md)");
}
#endif

}  // namespace

Result<Mode> ParseMode(std::string_view text) {
  if (text == "auto") return Mode::kAuto;
  if (text == "secret-service") return Mode::kSecretService;
  if (text == "ephemeral") return Mode::kEphemeral;
  return Fail(ErrorCode::kInvalidArgument,
              "keyring: mode must be auto, secret-service or ephemeral");
}

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kAuto:
      return "auto";
    case Mode::kSecretService:
      return "secret-service";
    case Mode::kEphemeral:
      return "ephemeral";
  }
  return "unknown";
}

bool HaveSecretService() {
#ifdef NOTME_HAVE_LIBSECRET
  return true;
#else
  return false;
#endif
}

Result<std::unique_ptr<Keyring>> OpenKeyring(Mode mode, std::string* warning) {
  if (warning != nullptr) warning->clear();
  switch (mode) {
    case Mode::kEphemeral:
      return std::unique_ptr<Keyring>(std::make_unique<EphemeralKeyring>());
    case Mode::kSecretService:
      return OpenSecretService(kConnectTimeout);
    case Mode::kAuto:
      break;
  }
  Result<std::unique_ptr<Keyring>> service = OpenSecretService(kProbeTimeout);
  if (service) return service;
  if (warning != nullptr) {
    *warning = "keyring: Secret Service unavailable (" + service.error().message() +
               "); using an ephemeral in-memory keyring: secrets and the SSH CA last only "
               "until notmed exits";
  }
  return std::unique_ptr<Keyring>(std::make_unique<EphemeralKeyring>());
}

}  // namespace notme::keyring
