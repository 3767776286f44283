#pragma once
// notmed's command line (CONTRACT.md "notmed"). Parsing only: no side effects.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "notme/paths.h"
#include "notme/result.h"

namespace notme::daemon {

struct DaemonOptions {
  Paths paths;                      // runtime/config/state dirs (flags override the env)
  std::string keyring = "auto";     // auto | secret-service | ephemeral
  std::string issuer = "http://notme.localhost";  // no trailing slash
  std::optional<std::string> proxy_listen;         // 127.0.0.1:PORT
  bool require_dpop_nonce = false;
  int64_t rotate_interval_seconds = 3600;
  std::string human;                // the human the agents act for (token claim)
  size_t max_connections = 128;     // daemon-wide concurrent connections
};

// What the caller should do after parsing.
struct ParsedCommandLine {
  enum class Action { kRun, kExit };
  Action action = Action::kRun;
  int exit_code = 0;     // for kExit (0 after --help/--version, 2 on a usage error)
  std::string output;    // text for stdout (help, version) or stderr (usage error)
  DaemonOptions options;
};

// Parses argv. Defaults: paths from ResolvePaths(env, uid); human = "<login>@<hostname>".
// Usage errors give kExit with exit code 2 and the message in `output`.
ParsedCommandLine ParseCommandLine(int argc, const char* const* argv, const EnvLookup& env,
                                   uid_t uid);

// "<login>@<hostname>" from getpwuid(uid) and gethostname(); "uid<N>@localhost" when
// either is unavailable.
std::string DefaultHuman(uid_t uid);

// Validates an issuer URL: http(s), a host, no query or fragment; a trailing '/' is
// dropped. Errors: kInvalidArgument.
Result<std::string> NormalizeIssuer(std::string_view issuer);

}  // namespace notme::daemon
