#include "notme/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/errno_error.h"

namespace notme {
namespace {

namespace fs = std::filesystem;

// XDG base-directory spec: a relative value is invalid.
Result<fs::path> AbsoluteOrFail(std::string_view var, const std::string& value) {
  fs::path p(value);
  if (!p.is_absolute()) {
    return Fail(ErrorCode::kConfig, std::string(var) + " must be an absolute path, got '" + value + "'");
  }
  return p;
}

Result<fs::path> XdgDir(const EnvLookup& env, std::string_view var, const char* home_suffix) {
  if (auto v = env(var); v && !v->empty()) return AbsoluteOrFail(var, *v);
  auto home = env("HOME");
  if (!home || home->empty()) {
    return Fail(ErrorCode::kConfig, "neither " + std::string(var) + " nor HOME is set");
  }
  NOTME_TRY(fs::path h, AbsoluteOrFail("HOME", *home));
  return h / home_suffix;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Paths> ResolvePaths(const EnvLookup& env, uid_t uid) {
  Paths p;
  if (auto v = env("NOTME_RUNTIME_DIR"); v && !v->empty()) {
    NOTME_TRY(p.runtime_dir, AbsoluteOrFail("NOTME_RUNTIME_DIR", *v));
  } else if (auto x = env("XDG_RUNTIME_DIR"); x && !x->empty()) {
    NOTME_TRY(fs::path base, AbsoluteOrFail("XDG_RUNTIME_DIR", *x));
    p.runtime_dir = base / "notme";
  } else {
    p.runtime_dir = fs::path("/tmp") / ("notme-" + std::to_string(uid));
  }
  p.control_socket = p.runtime_dir / "control.sock";
  p.agents_dir = p.runtime_dir / "agents";
  NOTME_TRY(fs::path config, XdgDir(env, "XDG_CONFIG_HOME", ".config"));
  NOTME_TRY(fs::path state, XdgDir(env, "XDG_STATE_HOME", ".local/state"));
  p.config_dir = config / "notme";
  p.state_dir = state / "notme";
  return p;
}

fs::path AgentSocketPath(const Paths& paths, std::string_view agent) {
  return paths.agents_dir / (std::string(agent) + ".sock");
}

fs::path ClientSocketPath(const Paths& paths, const EnvLookup& env) {
  if (auto v = env("NOTME_SOCKET"); v && !v->empty()) return fs::path(*v);
  return paths.control_socket;
}

bool IsValidAgentName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!lower_or_digit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

Result<void> CheckPrivateDir(const fs::path& dir, uid_t uid) {
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) return Fail(ErrnoError(dir.string(), errno));
  if (S_ISLNK(st.st_mode)) {
    return Fail(ErrorCode::kUnsafePath, dir.string() + " is a symlink; remove it and let notme create the directory");
  }
  if (!S_ISDIR(st.st_mode)) {
    return Fail(ErrorCode::kUnsafePath, dir.string() + " is not a directory");
  }
  if (st.st_uid != uid) {
    return Fail(ErrorCode::kUnsafePath, dir.string() + " is owned by uid " + std::to_string(st.st_uid) +
                                            ", not by uid " + std::to_string(uid));
  }
  if ((st.st_mode & 077) != 0) {
    return Fail(ErrorCode::kUnsafePath,
                dir.string() + " is accessible by group or others; run: chmod 700 " + dir.string());
  }
  return Ok();
}

Result<void> EnsurePrivateDir(const fs::path& dir, uid_t uid) {
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return Fail(ErrnoError(dir.string(), errno));
    if (dir.has_parent_path() && dir.parent_path() != dir) {
      struct stat pst {};
      if (lstat(dir.parent_path().c_str(), &pst) != 0) {
        NOTME_TRY_VOID(EnsurePrivateDir(dir.parent_path(), uid));
      }
    }
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Fail(ErrnoError("mkdir " + dir.string(), errno));
    }
  }
  return CheckPrivateDir(dir, uid);
}

}  // namespace notme
