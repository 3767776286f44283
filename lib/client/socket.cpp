#include <sys/stat.h>

#include <cerrno>

#include "base/errno_error.h"
#include "notme/client_socket.h"

namespace notme::client {

namespace fs = std::filesystem;

Result<fs::path> ResolveClientSocket(const EnvLookup& env, uid_t uid) {
  if (auto v = env("NOTME_SOCKET"); v && !v->empty()) {
    fs::path p(*v);
    if (!p.is_absolute()) {
      return Fail(ErrorCode::kConfig, "NOTME_SOCKET must be an absolute path, got '" + *v + "'");
    }
    return p;
  }
  NOTME_TRY(Paths paths, ResolvePaths(env, uid));
  return paths.control_socket;
}

Result<void> CheckSocket(const fs::path& socket, uid_t uid) {
  struct stat st {};
  if (::lstat(socket.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return Fail(ErrorCode::kDaemonUnreachable,
                  "notmed is not running (no socket at " + socket.string() + ")");
    }
    return Fail(ErrnoError("lstat " + socket.string(), err));
  }
  const std::string where = socket.string();
  if (!S_ISSOCK(st.st_mode)) {
    return Fail(ErrorCode::kUnsafePath, where + " is not a socket; remove it and restart notmed");
  }
  if (st.st_uid != uid) {
    return Fail(ErrorCode::kUnsafePath,
                where + " is owned by uid " + std::to_string(st.st_uid) +
                    ", not by you; another user may be impersonating notmed — remove it and "
                    "restart notmed");
  }
  if ((st.st_mode & 077) != 0) {
    return Fail(ErrorCode::kUnsafePath,
                where + " is accessible by group or other; restart notmed (it creates its "
                        "sockets 0600) or run: chmod 600 " + where);
  }
  const fs::path dir = socket.parent_path();
  struct stat dst {};
  if (::lstat(dir.c_str(), &dst) != 0) return Fail(ErrnoError("lstat " + dir.string(), errno));
  if (!S_ISDIR(dst.st_mode) || dst.st_uid != uid || (dst.st_mode & 022) != 0) {
    return Fail(ErrorCode::kUnsafePath,
                dir.string() + " must be a directory owned by you and not writable by group "
                               "or other; run: chmod 700 " + dir.string());
  }
  return Ok();
}

}  // namespace notme::client
