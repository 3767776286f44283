#pragma once
// Daemon: notmed's wiring — the authority objects, the listening sockets (control, one
// per agent, systemd-activated ones) and their servers, and the reactions to signals.
// Created and driven by the main thread (Run); route handlers call back into it only
// through DaemonContext's agent-socket hooks, which are thread-safe.

#include <cstdint>
#include <map>
#include <set>
#include <vector>
#include <memory>
#include <string>

#include "authority/agent_registry.h"
#include "authority/audit_log.h"
#include "authority/revocation.h"
#include "authority/signing_keys.h"
#include "authority/token_issuer.h"
#include "base/clock.h"
#include "daemon/daemon_context.h"
#include "daemon/dpop_nonce.h"
#include "daemon/options.h"
#include "jose/dpop.h"
#include "keyring/keyring.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "server/http_server.h"
#include "server/worker_pool.h"

namespace notme::daemon {

class Daemon {
 public:
  // Checks and creates the directories (refusing unsafe ones), opens the audit log,
  // loads the agent registry (refusing a broken file), generates the signing key, opens
  // the keyring. Errors: as those steps; the message is for the user.
  static Result<std::unique_ptr<Daemon>> Create(DaemonOptions options, const Clock& clock);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Binds (or adopts, when socket-activated: fd name "control") the control socket and
  // one socket per agent, and starts serving. `inherited` is TakeListenFds().
  Result<void> Start(std::multimap<std::string, int> inherited);
  // Blocks handling signals until SIGTERM/SIGINT; rotates keys on schedule meanwhile.
  void Run();
  // SIGHUP: re-reads agents.json and routes.json; on error keeps the old policy or routes
  // (logged and audited).
  void Reload();
  // Periodic work: key rotation.
  void Tick();
  // Stops every server, removes the sockets. Idempotent.
  void Shutdown();

  DaemonContext& context() { return *ctx_; }

 private:
  explicit Daemon(DaemonOptions options);
  std::unique_ptr<server::UnixHttpServer> MakeServer(server::SocketIdentity identity);
  Result<void> OpenAgentSocket(const std::string& agent) EXCLUDES(mu_);
  void CloseAgentSocket(const std::string& agent) EXCLUDES(mu_);
  void SyncAgentSockets() EXCLUDES(mu_);
  void OnRefusedPeer(const server::SocketIdentity& socket, const server::PeerInfo& peer,
                     std::string_view reason);

  const DaemonOptions options_;
  std::unique_ptr<authority::AuditLog> audit_;
  std::unique_ptr<authority::AgentRegistry> agents_;
  std::unique_ptr<authority::SigningKeyRing> keys_;
  std::unique_ptr<authority::RevocationList> revocations_;
  std::unique_ptr<authority::TokenIssuer> issuer_;
  std::unique_ptr<jose::InMemoryReplayCache> replay_;
  std::unique_ptr<DpopNonces> nonces_;
  std::unique_ptr<jose::DpopValidator> dpop_;
  std::unique_ptr<keyring::Keyring> keyring_;
  std::unique_ptr<server::WorkerPool> pool_;
  std::unique_ptr<DaemonContext> ctx_;
  std::unique_ptr<server::UnixHttpServer> control_;
  std::unique_ptr<server::UnixHttpServer> loopback_;  // --proxy-listen
  server::BoundSocket loopback_socket_;  // bound in Create, served from Start

  Mutex mu_;
  std::map<std::string, std::unique_ptr<server::UnixHttpServer>> agent_servers_ GUARDED_BY(mu_);
  bool shut_down_ GUARDED_BY(mu_) = false;
};

// notmed's main: parse flags, harden, create, start, run. Returns the exit code.
int DaemonMain(int argc, char** argv);

}  // namespace notme::daemon
