#pragma once
// Path resolution shared by notmed, the CLI and the shims (CONTRACT.md "Paths").
// Pure functions over an injected environment lookup, plus the private-directory checks
// every program applies before trusting a directory. Thread-safe (no shared state).

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "notme/result.h"

namespace notme {

// Looks up an environment variable; returns nullopt when unset. Tests inject a map.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// The process environment (getenv).
EnvLookup ProcessEnv();

struct Paths {
  std::filesystem::path runtime_dir;     // $NOTME_RUNTIME_DIR | $XDG_RUNTIME_DIR/notme | /tmp/notme-$UID
  std::filesystem::path control_socket;  // <runtime>/control.sock
  std::filesystem::path agents_dir;      // <runtime>/agents
  std::filesystem::path config_dir;      // $XDG_CONFIG_HOME/notme | ~/.config/notme
  std::filesystem::path state_dir;       // $XDG_STATE_HOME/notme | ~/.local/state/notme
};

// Resolves every path from the environment. Errors: kConfig when neither
// XDG_CONFIG_HOME/XDG_STATE_HOME nor HOME is set, or a variable is set to a relative path
// (the XDG spec says relative values are invalid and must be ignored; we refuse them
// instead of guessing).
Result<Paths> ResolvePaths(const EnvLookup& env, uid_t uid);

// <agents_dir>/<agent>.sock. The agent name must already be valid (IsValidAgentName).
std::filesystem::path AgentSocketPath(const Paths& paths, std::string_view agent);

// The socket a client talks to: $NOTME_SOCKET if set, else the control socket.
std::filesystem::path ClientSocketPath(const Paths& paths, const EnvLookup& env);

// Agent names: [a-z0-9][a-z0-9_-]{0,63}.
bool IsValidAgentName(std::string_view name);

// Refuses a directory that is a symlink, not a directory, not owned by `uid`, or
// accessible by group or other. Errors: kUnsafePath (with the reason and the fix),
// kNotFound when it does not exist.
Result<void> CheckPrivateDir(const std::filesystem::path& dir, uid_t uid);

// Creates `dir` (and missing parents of it under the same rules) with mode 0700 if it
// does not exist, then applies CheckPrivateDir. Never chmods an existing directory:
// an unsafe existing directory is refused, not silently repaired.
Result<void> EnsurePrivateDir(const std::filesystem::path& dir, uid_t uid);

}  // namespace notme
