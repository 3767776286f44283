#include "server/peer.h"

#include <sys/socket.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <libproc.h>
#include <sys/un.h>
#endif

#include <array>
#include <cerrno>
#include <string>

#include "base/errno_error.h"

namespace notme::server {

std::string ExecutableOf(pid_t pid) {
  if (pid <= 0) return "?";
#if defined(__APPLE__)
  std::array<char, PROC_PIDPATHINFO_MAXSIZE> path{};
  if (::proc_pidpath(pid, path.data(), static_cast<uint32_t>(path.size())) <= 0) return "?";
  return std::string(path.data());
#endif
  std::string link = "/proc/" + std::to_string(pid) + "/exe";
  std::array<char, 4096> buf{};
  ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size() - 1);
  if (n <= 0) return "?";
  return std::string(buf.data(), static_cast<size_t>(n));
}

#if defined(__APPLE__)
// macOS has no SO_PEERCRED: getpeereid(3) gives the uid/gid, LOCAL_PEERPID the pid.
// Written for the Homebrew build; not built or tested on macOS in this project's CI.
Result<PeerInfo> GetPeerInfo(int fd) {
  uid_t uid = 0;
  gid_t gid = 0;
  if (::getpeereid(fd, &uid, &gid) != 0) return Fail(ErrnoError("getpeereid", errno));
  pid_t pid = 0;
  socklen_t len = sizeof(pid);
  if (::getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &len) != 0) pid = 0;
  PeerInfo info;
  info.pid = pid;
  info.uid = uid;
  info.gid = gid;
  info.exe = ExecutableOf(pid);
  return info;
}
#else
Result<PeerInfo> GetPeerInfo(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return Fail(ErrnoError("getsockopt(SO_PEERCRED)", errno));
  }
  PeerInfo info;
  info.pid = cred.pid;
  info.uid = cred.uid;
  info.gid = cred.gid;
  info.exe = ExecutableOf(cred.pid);
  return info;
}
#endif

}  // namespace notme::server
