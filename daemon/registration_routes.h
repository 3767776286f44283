#pragma once
// Agentic registration in notmed (issue 8, docs/registration.md, docs/api.md):
//   POST   /v1/registrations/preview       {url, agent, method?, email?, allow_loopback?, name?}
//                                          → what would happen and be asserted (no request
//                                            beyond discovery is sent)
//   POST   /v1/registrations               the same + {"consent": true} → 201 the record
//   GET    /v1/registrations               → {"registrations":[record + "claim_pending"]}
//   DELETE /v1/registrations/NAME          → 204 (credential, route and consent wiped)
//   POST   /v1/registrations/NAME/claim    {"email"} → the record (the service emails the code)
//   POST   /v1/registrations/NAME/claim/complete   the code as the raw body → the record
//   POST   /v1/registrations/NAME/refresh  → the record (identity assertion exchanged again)
// all on the control socket only (the human); and, on every socket including the
// loopback listener, the ID-JAG provider's public documents:
//   GET    /idjag/.well-known/jwks.json, /.well-known/oauth-authorization-server/idjag
// The credential is never in a response: it goes from the service to the keyring.

#include <string>

#include "daemon/daemon_context.h"

namespace notme::daemon {

void InstallRegistrationRoutes(server::UnixHttpServer& server, DaemonContext& ctx);

// Called by the proxy for every proxied response: a 401 on a registration's route marks
// it revoked (audited as registration.revoked).
void NoteRegistrationProxyStatus(DaemonContext& ctx, const std::string& route, int status);

// The ID-JAG provider issuer: "http://<proxy-listen>/idjag" when the loopback listener is
// on, else "<issuer>/idjag".
std::string IdJagIssuer(const DaemonOptions& options);

}  // namespace notme::daemon
