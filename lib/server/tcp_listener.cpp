#include "server/tcp_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/errno_error.h"

namespace notme::server {

Result<LoopbackAddress> ParseLoopbackAddress(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "--proxy-listen must be HOST:PORT");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "--proxy-listen: bad port");
  }
  LoopbackAddress out;
  out.port = static_cast<uint16_t>(port);
  if (host == "127.0.0.1" || host == "localhost") {
    out.host = "127.0.0.1";
  } else if (host == "[::1]") {
    out.host = "::1";
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                "--proxy-listen must be a loopback address (127.0.0.1, localhost or [::1])");
  }
  return out;
}

Result<BoundSocket> ListenTcpLoopback(const LoopbackAddress& address, int backlog) {
  const bool v6 = address.host == "::1";
  UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Fail(ErrnoError("socket(AF_INET)", errno));
  int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(address.port);
    a.sin6_addr = in6addr_loopback;
    rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a));
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(address.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a));
  }
  if (rc != 0) {
    return Fail(ErrnoError("bind " + address.host + ":" + std::to_string(address.port), errno));
  }
  if (::listen(fd.get(), backlog) != 0) return Fail(ErrnoError("listen", errno));
  BoundSocket out;
  out.fd = std::move(fd);
  return out;
}

Result<uint16_t> BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return Fail(ErrnoError("getsockname", errno));
  }
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return Fail(ErrorCode::kIo, "not an inet socket");
}

}  // namespace notme::server
