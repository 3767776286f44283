#pragma once
// Registers "ANY /r/..." on a server::UnixHttpServer, for the daemon's sockets and for tests.
// The resolver turns the connection (and, on the loopback listener, the access token)
// into a ProxyCaller; its error is answered as is (401/403), and nothing is forwarded.

#include <functional>

#include "notme/result.h"
#include "proxy/proxy_service.h"
#include "server/http_server.h"

namespace notme::proxy {

using CallerResolver = std::function<Result<ProxyCaller>(const server::Request& req)>;

// GET/HEAD/OPTIONS (no streamed body), POST/PUT/PATCH/DELETE (streamed via ContentReader).
// `service` must outlive `server`.
void RegisterProxyEndpoints(server::UnixHttpServer& server, const ProxyService& service,
                            CallerResolver resolve);

}  // namespace notme::proxy
