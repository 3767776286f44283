#include "daemon/systemd.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/errno_error.h"

namespace notme::daemon {
namespace {

// A plain decimal number as systemd writes it: digits only, no sign, no spaces, no
// leading zeros, no overflow.
Result<long> ParsePositive(const char* text, std::string_view what) {
  const std::string_view s(text);
  long value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || s.front() == '0' || s.front() == '-' || s.front() == '+' || ec != std::errc() ||
      end != s.data() + s.size() || value <= 0) {
    return Fail(ErrorCode::kConfig,
                std::string(what) + " is not a positive decimal number; refusing to start");
  }
  return value;
}

// sd_listen_fds_with_names(3) / systemd.socket FileDescriptorName=: up to 255
// printable ASCII characters, no ':' (the separator). Control characters are refused
// here because the names reach the log.
bool IsValidFdName(std::string_view name) {
  return !name.empty() && name.size() <= 255 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

Result<std::multimap<std::string, int>> ParseListenFds(const char* listen_pid,
                                                       const char* listen_fds,
                                                       const char* listen_fdnames, pid_t self) {
  std::multimap<std::string, int> out;
  if (listen_pid == nullptr || listen_fds == nullptr) return out;
  NOTME_TRY(long pid, ParsePositive(listen_pid, "LISTEN_PID"));
  if (pid != static_cast<long>(self)) return out;  // meant for the process that started us
  NOTME_TRY(long n, ParsePositive(listen_fds, "LISTEN_FDS"));
  if (n > kMaxListenFds) {
    return Fail(ErrorCode::kConfig,
                "LISTEN_FDS is above " + std::to_string(kMaxListenFds) + "; refusing to start");
  }
  std::vector<std::string> names;
  if (listen_fdnames != nullptr) {
    std::string_view rest(listen_fdnames);
    while (true) {
      const size_t colon = rest.find(':');
      std::string_view name = rest.substr(0, colon);
      if (!IsValidFdName(name)) {
        return Fail(ErrorCode::kConfig,
                    "LISTEN_FDNAMES has an empty, overlong or non-printable name; refusing to "
                    "start");
      }
      names.emplace_back(name);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    if (names.size() != static_cast<size_t>(n)) {
      return Fail(ErrorCode::kConfig, "LISTEN_FDNAMES names " + std::to_string(names.size()) +
                                          " fds but LISTEN_FDS is " + std::to_string(n) +
                                          "; refusing to start");
    }
  }
  for (long i = 0; i < n; ++i) {
    const size_t index = static_cast<size_t>(i);
    out.emplace(names.empty() ? std::string("unknown") : names[index],
                kSdListenFdsStart + static_cast<int>(i));
  }
  return out;
}

Result<std::multimap<std::string, int>> TakeListenFds() {
  NOTME_TRY(auto fds, ParseListenFds(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"),
                                     std::getenv("LISTEN_FDNAMES"), ::getpid()));
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  for (const auto& [name, fd] : fds) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
      return Fail(ErrorCode::kConfig, "socket-activation fd " + std::to_string(fd) +
                                          " is not an open socket; refusing to start");
    }
    if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return Fail(ErrnoError("fcntl FD_CLOEXEC", errno));
  }
  return fds;
}

Result<void> NotifyTo(const char* notify_socket, std::string_view state) {
  if (notify_socket == nullptr || notify_socket[0] == '\0') return Ok();
  const std::string_view path(notify_socket);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path) || (path.front() != '/' && path.front() != '@') ||
      path.size() < 2) {
    return Fail(ErrorCode::kConfig,
                "NOTIFY_SOCKET is not an absolute path or @abstract name that fits a Unix socket "
                "address");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  // sd_notify(3): a leading '@' names a socket in the abstract namespace (sun_path
  // starts with a NUL byte and its length is exact).
  if (path.front() == '@') addr.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                             (path.front() == '@' ? 0 : 1));
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(ErrnoError("socket for NOTIFY_SOCKET", errno));
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), length);
  const int err = errno;
  ::close(fd);
  if (sent < 0) return Fail(ErrnoError("send to NOTIFY_SOCKET", err));
  if (static_cast<size_t>(sent) != state.size()) {
    return Fail(ErrorCode::kIo, "send to NOTIFY_SOCKET: short datagram");
  }
  return Ok();
}

void Notify(std::string_view state) {
  if (auto r = NotifyTo(std::getenv("NOTIFY_SOCKET"), state); !r) {
    spdlog::warn("systemd notification {} failed: {}", state, r.error().message());
  }
}

}  // namespace notme::daemon
