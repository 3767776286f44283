#include "server/unix_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/errno_error.h"

namespace notme::server {
namespace {

Result<void> RemoveStale(const std::filesystem::path& path, uid_t uid) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Ok();
    return Fail(ErrnoError("lstat " + path.string(), errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Fail(ErrorCode::kUnsafePath,
                path.string() + " exists and is not a socket; refusing to replace it "
                                "(remove it yourself if it is not needed)");
  }
  if (st.st_uid != uid) {
    return Fail(ErrorCode::kUnsafePath,
                path.string() + " is a socket owned by uid " + std::to_string(st.st_uid) +
                    ", not by us; refusing to replace it");
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Fail(ErrnoError("unlink stale socket " + path.string(), errno));
  }
  return Ok();
}

}  // namespace

Result<BoundSocket> ListenUnixSocket(const std::filesystem::path& path, uid_t uid,
                                     int backlog) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.empty() || p.size() >= sizeof(addr.sun_path)) {
    return Fail(ErrorCode::kInvalidArgument,
                "socket path " + p + " is longer than " +
                    std::to_string(sizeof(addr.sun_path) - 1) + " bytes (sun_path)");
  }
  std::memcpy(addr.sun_path, p.data(), p.size());
  NOTME_TRY_VOID(RemoveStale(path, uid));

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Fail(ErrnoError("socket(AF_UNIX)", errno));
  // The file is created under the process umask (077 in notmed), so it is never wider
  // than 0700 before the chmod below narrows it to 0600.
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Fail(ErrnoError("bind " + p, errno));
  }
  BoundSocket out;
  out.path = path;
  auto cleanup_on_error = [&](Error e) -> Result<BoundSocket> {
    ::unlink(p.c_str());
    return Fail(std::move(e));
  };
  if (::chmod(p.c_str(), 0600) != 0) return cleanup_on_error(ErrnoError("chmod " + p, errno));
  struct stat st{};
  if (::lstat(p.c_str(), &st) != 0) return cleanup_on_error(ErrnoError("lstat " + p, errno));
  if (!S_ISSOCK(st.st_mode) || st.st_uid != uid || (st.st_mode & 07777) != 0600) {
    return cleanup_on_error(
        Error(ErrorCode::kUnsafePath, p + ": socket is not owner-only 0600 after bind"));
  }
  out.inode = st.st_ino;
  if (::listen(fd.get(), backlog) != 0) return cleanup_on_error(ErrnoError("listen " + p, errno));
  out.fd = std::move(fd);
  return out;
}

void RemoveSocketFile(const BoundSocket& socket) {
  if (socket.path.empty()) return;
  struct stat st{};
  if (::lstat(socket.path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode) || st.st_ino != socket.inode) return;
  ::unlink(socket.path.c_str());
}

Result<void> CheckInheritedUnixListener(int fd) {
  int type = 0;
  int listening = 0;
  sockaddr_storage addr{};
  socklen_t len = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
    return Fail(ErrorCode::kConfig, "inherited fd " + std::to_string(fd) + " is not a stream socket");
  }
  len = sizeof(listening);
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) {
    return Fail(ErrorCode::kConfig, "inherited fd " + std::to_string(fd) + " is not listening");
  }
  socklen_t alen = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0 ||
      addr.ss_family != AF_UNIX) {
    return Fail(ErrorCode::kConfig, "inherited fd " + std::to_string(fd) + " is not AF_UNIX");
  }
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return Fail(ErrnoError("fcntl(FD_CLOEXEC)", errno));
  return Ok();
}

}  // namespace notme::server
