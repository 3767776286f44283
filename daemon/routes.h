#pragma once
// The route installers of notmed (see DaemonContext for how a component adds its own).

#include "daemon/daemon_context.h"

namespace notme::daemon {

// RFC 8414 metadata, JWKS, /token, /introspect, /revoke — on every socket.
void InstallOAuthRoutes(server::UnixHttpServer& server, DaemonContext& ctx);

// Records a minted token (never its value: the jti names it). `via` is the endpoint when
// it is not /token.
void AuditTokenMinted(DaemonContext& ctx, const authority::IssuedToken& issued,
                      std::string_view via = {});

// /v1 management — registered on the control socket only.
void InstallManagementRoutes(server::UnixHttpServer& server, DaemonContext& ctx);

// On agent sockets: answers 403 permission_denied (and audits) for every /v1 path that
// is not agent-facing, before any handler runs.
void InstallAgentSocketPolicy(server::UnixHttpServer& server, DaemonContext& ctx);

// On the loopback TCP listener (--proxy-listen) only the proxy (`/r/...`) is served;
// everything else answers 404, so nothing but token-authenticated proxying is reachable
// from other users of the machine.
void InstallLoopbackPolicy(server::UnixHttpServer& server);

// The RFC 8414 document.
nlohmann::json AuthorizationServerMetadata(const DaemonContext& ctx);

}  // namespace notme::daemon
