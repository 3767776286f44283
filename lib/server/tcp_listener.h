#pragma once
// The optional loopback TCP listener for the proxy (`notmed --proxy-listen
// 127.0.0.1:PORT`). Only loopback addresses are accepted: anyone on the machine can
// connect to it, so callers there prove themselves with an access token (see
// daemon/proxy_routes.h). Thread-safe (pure functions).

#include <cstdint>
#include <string>
#include <string_view>

#include "notme/result.h"
#include "server/unix_socket.h"

namespace notme::server {

struct LoopbackAddress {
  std::string host;  // "127.0.0.1" or "::1"
  uint16_t port = 0;
};

// Parses "127.0.0.1:PORT", "localhost:PORT" (= 127.0.0.1) or "[::1]:PORT". Any other host
// is refused: kInvalidArgument.
Result<LoopbackAddress> ParseLoopbackAddress(std::string_view text);

// A listening, O_CLOEXEC TCP socket on `address` (SO_REUSEADDR). Errors: kIo.
Result<BoundSocket> ListenTcpLoopback(const LoopbackAddress& address, int backlog = 128);

// The port a listening socket is bound to (for port 0). Errors: kIo.
Result<uint16_t> BoundPort(int fd);

}  // namespace notme::server
