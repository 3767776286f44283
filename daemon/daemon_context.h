#pragma once
// DaemonContext: what every route handler of notmed reaches — the authority objects,
// the options, and the daemon's own hooks (agent sockets). Built once by Daemon; the
// objects it points to live as long as the daemon and are thread-safe themselves.
//
// Plugging in: a component that serves HTTP (SSH signing, the proxy) adds a
// RouteInstaller to Daemon's list (daemon.cpp kRouteInstallers); it is called for every
// server — the control socket, each agent socket (also those added later), the loopback
// listener — and registers its routes with `server.Get/Post/...`. Handlers learn who is
// calling from server::CurrentConnection(), never from a header.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "authority/agent_registry.h"
#include "authority/audit_log.h"
#include "authority/error_mapping.h"
#include "authority/revocation.h"
#include "authority/signing_keys.h"
#include "authority/token_issuer.h"
#include "base/clock.h"
#include "daemon/dpop_nonce.h"
#include "daemon/options.h"
#include "jose/dpop.h"
#include "keyring/keyring.h"
#include "notme/result.h"
#include "server/connection_context.h"
#include "server/http_message.h"
#include "server/http_server.h"
#include "server/worker_pool.h"

namespace notme::daemon {

struct DaemonContext {
  const DaemonOptions& options;
  const Clock& clock;
  authority::SigningKeyRing& keys;
  authority::AgentRegistry& agents;
  authority::RevocationList& revocations;
  authority::AuditLog& audit;
  authority::TokenIssuer& tokens;
  jose::DpopValidator& dpop;      // proofs at the token endpoint and resources
  DpopNonces& nonces;             // used when options.require_dpop_nonce
  keyring::Keyring& keyring;      // upstream secrets, SSH CA key (other components)
  server::WorkerPool& pool;
  std::string token_endpoint;     // issuer + "/token": the htu proofs must carry
  int64_t started_at = 0;
  std::string keyring_name;
  // Creates / removes the agent's socket after the registry changed (management).
  std::function<Result<void>(const std::string& agent)> open_agent_socket;
  std::function<void(const std::string& agent)> close_agent_socket;
  std::function<size_t()> agent_socket_count;
};

using RouteInstaller = std::function<void(server::UnixHttpServer& server, DaemonContext& ctx)>;

// The audit peer of the connection being served (nullopt outside a request).
std::optional<authority::AuditPeer> CurrentAuditPeer();

// Appends to the audit log with the current peer; a failing audit write is logged, not
// returned (the request's answer does not depend on it).
void Audit(DaemonContext& ctx, std::string_view event, std::string agent, std::string reason,
           nlohmann::json fields = nlohmann::json::object());
// The same with scalar fields, sorted by key (authority::AuditField), for events written
// once per request: no JSON tree is built.
void Audit(DaemonContext& ctx, std::string_view event, std::string agent,
           std::span<const authority::AuditField> fields);

// Answers with the JSON error the authority's mapping gives for `error`, plus the
// `WWW-Authenticate` challenge when the mapping asks for one.
void SendError(server::Response& res, const Error& error,
               authority::ErrorContext context = authority::ErrorContext::kAuthorizationServer);

}  // namespace notme::daemon
