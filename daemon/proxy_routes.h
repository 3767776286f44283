#pragma once
// The secretless proxy in notmed (issue 6, docs/proxy.md, docs/api.md):
//   ANY  /r/ROUTE/PATH        every socket: the control socket is the human (every route);
//                             an agent socket is that agent (its registered scopes); the
//                             loopback listener needs an access token — DPoP
//                             (`Authorization: DPoP <token>` + proof with htu
//                             http://<proxy-listen>/r/...), or for git smart-HTTP only,
//                             HTTP Basic with the token as the password.
//   PUT  /v1/secrets/NAME     raw value in the body → 204        (control socket only)
//   GET  /v1/secrets          → {"secrets":[{"name","created_at","modified_at"}]}
//   DELETE /v1/secrets/NAME   → 204
//   GET  /v1/routes           → {"routes":[route...]}
//   POST /v1/routes           RouteSpec JSON (lib/proxy/route.h) → 201 the route
//   DELETE /v1/routes/NAME    → 204
// Every proxied request is audited as "proxy.request" (route, method, path, status,
// bytes, duration); never a header value, secret or token.

#include "daemon/daemon_context.h"
#include "proxy/route_store.h"

namespace notme::daemon {

void InstallProxyRoutes(server::UnixHttpServer& server, DaemonContext& ctx);

// The loopback listener's bound port: DPoP proofs there name
// http://<--proxy-listen host>:<bound port>/r/... in htu (with `--proxy-listen
// 127.0.0.1:0` the kernel picks the port). Call once the listener is bound, before it
// serves.
void SetProxyListenPort(DaemonContext& ctx, uint16_t port);

// SIGHUP: re-reads routes.json (on error the current routes stay; logged and returned)
// and closes the idle upstream connections. Returns the number of routes now in effect.
Result<size_t> ReloadProxyRoutes(DaemonContext& ctx);

// The daemon's route store (shared with agentic registration, which creates routes);
// nullptr when routes.json could not be loaded.
proxy::RouteStore* ProxyRouteStore(DaemonContext& ctx);

}  // namespace notme::daemon
