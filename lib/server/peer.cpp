#include "server/peer.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

#include "base/errno_error.h"

namespace notme::server {

std::string ExecutableOf(pid_t pid) {
  if (pid <= 0) return "?";
  std::string link = "/proc/" + std::to_string(pid) + "/exe";
  std::array<char, 4096> buf{};
  ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size() - 1);
  if (n <= 0) return "?";
  return std::string(buf.data(), static_cast<size_t>(n));
}

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

}  // namespace notme::server
