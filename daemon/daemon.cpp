#include "daemon/daemon.h"

#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "crypto/sodium_init.h"
#include "daemon/hardening.h"
#include "daemon/routes.h"
#include "daemon/signals.h"
#include "daemon/ssh_routes.h"
#include "daemon/proxy_routes.h"
#include "daemon/registration_routes.h"
#include "daemon/systemd.h"
#include "keyring/open_keyring.h"
#include "notme/version.h"
#include "server/tcp_listener.h"
#include "server/unix_socket.h"

namespace notme::daemon {
namespace {

// Every component that serves HTTP registers here (see daemon_context.h).
const RouteInstaller kRouteInstallers[] = {
    InstallOAuthRoutes,
    InstallSshRoutes,
    InstallProxyRoutes,
    InstallRegistrationRoutes,
};

constexpr size_t kReplayCacheEntries = 1 << 18;
constexpr auto kTickInterval = std::chrono::seconds(1);

}  // namespace

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {}

Daemon::~Daemon() { Shutdown(); }

Result<std::unique_ptr<Daemon>> Daemon::Create(DaemonOptions options, const Clock& clock) {
  const uid_t uid = ::getuid();
  const Paths& p = options.paths;
  for (const auto* dir : {&p.runtime_dir, &p.agents_dir, &p.config_dir, &p.state_dir}) {
    if (auto r = EnsurePrivateDir(*dir, uid); !r) {
      return Fail(r.error().code(), "refusing to start: " + r.error().message());
    }
  }
  // Bind --proxy-listen first so that a port of 0 is resolved before anything names the
  // listener: the ID-JAG issuer, /v1/status's proxy_url and DPoP htu all use the bound port.
  server::BoundSocket loopback;
  if (options.proxy_listen) {
    NOTME_TRY(auto address, server::ParseLoopbackAddress(*options.proxy_listen));
    NOTME_TRY(loopback, server::ListenTcpLoopback(address));
    NOTME_TRY(auto port, server::BoundPort(loopback.fd.get()));
    const std::string& text = *options.proxy_listen;
    options.proxy_listen = text.substr(0, text.rfind(':')) + ":" + std::to_string(port);
  }
  std::unique_ptr<Daemon> d(new Daemon(std::move(options)));
  d->loopback_socket_ = std::move(loopback);
  const DaemonOptions& o = d->options_;
  NOTME_TRY(d->audit_, authority::AuditLog::Open(o.paths.state_dir, clock));
  NOTME_TRY(d->agents_, authority::AgentRegistry::Load(o.paths.config_dir, clock));
  authority::SigningKeyOptions key_options;
  key_options.rotation_interval_seconds = o.rotate_interval_seconds;
  NOTME_TRY(d->keys_, authority::SigningKeyRing::Create(clock, key_options));
  d->revocations_ = std::make_unique<authority::RevocationList>(clock);
  NOTME_TRY(d->issuer_, authority::TokenIssuer::Create({o.issuer, o.human, 60}, *d->keys_,
                                                       *d->agents_, *d->revocations_, clock));
  d->replay_ = std::make_unique<jose::InMemoryReplayCache>(kReplayCacheEntries, clock);
  d->nonces_ = std::make_unique<DpopNonces>(clock);
  jose::DpopOptions dpop_options;
  dpop_options.require_nonce = o.require_dpop_nonce;
  if (o.require_dpop_nonce) {
    DpopNonces* nonces = d->nonces_.get();
    dpop_options.nonce_checker = [nonces](std::string_view n) { return nonces->IsValid(n); };
  }
  d->dpop_ = std::make_unique<jose::DpopValidator>(dpop_options, clock, *d->replay_);
  NOTME_TRY(auto mode, keyring::ParseMode(o.keyring));
  std::string warning;
  NOTME_TRY(d->keyring_, keyring::OpenKeyring(mode, &warning));
  if (!warning.empty()) spdlog::warn("{}", warning);
  // Threads = connections: each connection holds a worker for its life (keep-alive).
  d->pool_ = std::make_unique<server::WorkerPool>(
      server::WorkerPool::Options{o.max_connections, 2, std::chrono::milliseconds(30000)});
  d->ctx_.reset(new DaemonContext{o, clock, *d->keys_, *d->agents_, *d->revocations_, *d->audit_,
                                  *d->issuer_, *d->dpop_, *d->nonces_, *d->keyring_, *d->pool_,
                                  o.issuer + "/token", clock.NowSeconds(),
                                  std::string(keyring::ModeName(mode)), {}, {}, {}});
  Daemon* self = d.get();
  d->ctx_->open_agent_socket = [self](const std::string& a) { return self->OpenAgentSocket(a); };
  d->ctx_->close_agent_socket = [self](const std::string& a) { self->CloseAgentSocket(a); };
  d->ctx_->agent_socket_count = [self]() {
    MutexLock lock(&self->mu_);
    return self->agent_servers_.size();
  };
  return d;
}

void Daemon::OnRefusedPeer(const server::SocketIdentity& socket, const server::PeerInfo& peer,
                           std::string_view reason) {
  spdlog::warn("refused a connection on {} from pid {} uid {} ({}): {}", socket.Describe(),
               peer.pid, peer.uid, peer.exe, reason);
  authority::AuditEvent e{authority::kAuditPeerRefused,
                          authority::AuditPeer{peer.pid, peer.uid, peer.exe},
                          socket.agent, std::string(reason), {{"socket", socket.Describe()}}};
  if (auto r = audit_->Append(e); !r) spdlog::error("audit log write failed: {}", r.error().message());
}

std::unique_ptr<server::UnixHttpServer> Daemon::MakeServer(server::SocketIdentity identity) {
  const bool is_agent = identity.is_agent();
  const bool is_loopback = identity.kind == server::SocketIdentity::Kind::kLoopback;
  auto srv = std::make_unique<server::UnixHttpServer>(
      std::move(identity), ::getuid(), *pool_, server::ServerLimits{},
      [this](const server::SocketIdentity& s, const server::PeerInfo& p, std::string_view r) {
        OnRefusedPeer(s, p, r);
      });
  if (is_agent) {
    InstallAgentSocketPolicy(*srv, *ctx_);
  } else if (is_loopback) {
    InstallLoopbackPolicy(*srv);
  } else {
    InstallManagementRoutes(*srv, *ctx_);
  }
  for (const auto& install : kRouteInstallers) install(*srv, *ctx_);
  return srv;
}

Result<void> Daemon::OpenAgentSocket(const std::string& agent) {
  MutexLock lock(&mu_);
  if (shut_down_) return Fail(ErrorCode::kUnavailable, "daemon is shutting down");
  if (agent_servers_.contains(agent)) return Ok();
  if (!IsValidAgentName(agent)) return Fail(ErrorCode::kInvalidArgument, "invalid agent name");
  NOTME_TRY(auto bound, server::ListenUnixSocket(AgentSocketPath(options_.paths, agent), ::getuid()));
  auto srv = MakeServer(server::SocketIdentity::Agent(agent));
  NOTME_TRY_VOID(srv->Start(std::move(bound)));
  agent_servers_.emplace(agent, std::move(srv));
  spdlog::info("agent socket {} ready", AgentSocketPath(options_.paths, agent).string());
  return Ok();
}

void Daemon::CloseAgentSocket(const std::string& agent) {
  std::unique_ptr<server::UnixHttpServer> srv;
  {
    MutexLock lock(&mu_);
    auto it = agent_servers_.find(agent);
    if (it == agent_servers_.end()) return;
    srv = std::move(it->second);
    agent_servers_.erase(it);
  }
  // Outside the lock: Stop waits for the agent's live connections.
  srv->Stop();
  spdlog::info("agent socket for '{}' removed", agent);
}

void Daemon::SyncAgentSockets() {
  std::set<std::string> wanted;
  for (const auto& a : agents_->List()) wanted.insert(a.name);
  std::vector<std::string> stale;
  {
    MutexLock lock(&mu_);
    for (const auto& [name, srv] : agent_servers_) {
      if (!wanted.contains(name)) stale.push_back(name);
    }
  }
  for (const auto& name : stale) {
    CloseAgentSocket(name);
    issuer_->RevokeAgent(name);
  }
  for (const auto& name : wanted) {
    if (auto r = OpenAgentSocket(name); !r) {
      spdlog::error("agent '{}': cannot open its socket: {}", name, r.error().message());
    }
  }
}

Result<void> Daemon::Start(std::multimap<std::string, int> inherited) {
  server::BoundSocket control;
  for (auto& [name, fd] : inherited) {
    if (name == "control" && !control.fd.valid()) {
      NOTME_TRY_VOID(server::CheckInheritedUnixListener(fd));
      control.fd = server::UniqueFd(fd);
      spdlog::info("using the socket-activated control socket (fd {})", fd);
    } else {
      spdlog::warn("ignoring socket-activation fd {} named '{}'", fd, name);
      ::close(fd);
    }
  }
  if (!control.fd.valid()) {
    NOTME_TRY(control, server::ListenUnixSocket(options_.paths.control_socket, ::getuid()));
  }
  control_ = MakeServer(server::SocketIdentity::Control());
  NOTME_TRY_VOID(control_->Start(std::move(control)));
  if (loopback_socket_.fd.valid()) {
    NOTME_TRY(auto port, server::BoundPort(loopback_socket_.fd.get()));
    SetProxyListenPort(*ctx_, port);
    loopback_ = MakeServer(server::SocketIdentity::Loopback());
    NOTME_TRY_VOID(loopback_->Start(std::move(loopback_socket_)));
    spdlog::info("proxy listener on {} (loopback; callers need an access token)",
                 options_.proxy_listen.value_or(""));
  }
  SyncAgentSockets();
  spdlog::info("notmed {} ready on {} (issuer {}, {} agents)", kVersion,
               options_.paths.control_socket.string(), options_.issuer, agents_->size());
  Notify("READY=1");
  return Ok();
}

void Daemon::Reload() {
  Notify("RELOADING=1");
  auto r = issuer_->ReloadAgents();
  if (!r) {
    spdlog::error("reload failed, keeping the previous policy: {}", r.error().message());
    authority::AuditEvent e{authority::kAuditConfigReloaded, std::nullopt, "",
                            r.error().message(), {{"ok", false}}};
    (void)audit_->Append(e);
  } else {
    for (const auto& gone : *r) {
      authority::AuditEvent removed{authority::kAuditAgentRemoved, std::nullopt, gone, "reload",
                                    nlohmann::json::object()};
      (void)audit_->Append(removed);
    }
    SyncAgentSockets();
    spdlog::info("reloaded {} ({} agents)", agents_->file().string(), agents_->size());
    authority::AuditEvent e{authority::kAuditConfigReloaded, std::nullopt, "", "",
                            {{"ok", true}, {"agents", agents_->size()}}};
    (void)audit_->Append(e);
  }
  if (auto routes = ReloadProxyRoutes(*ctx_); !routes) {
    spdlog::error("routes reload failed, keeping the previous routes: {}", routes.error().message());
    authority::AuditEvent e{authority::kAuditConfigReloaded, std::nullopt, "",
                            routes.error().message(), {{"ok", false}, {"file", "routes.json"}}};
    (void)audit_->Append(e);
  } else {
    spdlog::info("reloaded routes.json ({} routes)", *routes);
  }
  Notify("READY=1");
}

void Daemon::Tick() {
  auto rotated = keys_->MaybeRotate();
  if (!rotated) {
    spdlog::error("key rotation failed: {}", rotated.error().message());
  } else if (rotated->has_value()) {
    spdlog::info("rotated the token signing key: {} -> {}", (*rotated)->old_kid, (*rotated)->new_kid);
    authority::AuditEvent e{authority::kAuditKeyRotated, std::nullopt, "", "schedule",
                            {{"old_kid", (*rotated)->old_kid}, {"new_kid", (*rotated)->new_kid}}};
    (void)audit_->Append(e);
  }
}

void Daemon::Run() {
  for (;;) {
    switch (WaitForSignal(kTickInterval)) {
      case DaemonSignal::kShutdown:
        spdlog::info("shutting down");
        return;
      case DaemonSignal::kReload:
        Reload();
        break;
      case DaemonSignal::kNone:
        Tick();
        break;
    }
  }
}

void Daemon::Shutdown() {
  std::map<std::string, std::unique_ptr<server::UnixHttpServer>> agents;
  {
    MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
    agents.swap(agent_servers_);
  }
  Notify("STOPPING=1");
  if (control_) control_->Stop();
  if (loopback_) loopback_->Stop();
  for (auto& [name, srv] : agents) srv->Stop();
  if (pool_) pool_->Shutdown();
}

int DaemonMain(int argc, char** argv) {
  // Before anything opens a file: drop inherited fds, then harden.
  const int listen_fds = InheritedListenFdCount();
  BlockDaemonSignals();
  if (auto r = CloseInheritedFds(listen_fds); !r) {
    std::fprintf(stderr, "notmed: %s\n", r.error().message().c_str());
    return 1;
  }
  // Each connection has its own worker thread; glibc would give many of them their own
  // malloc arena, and freed memory in idle arenas would stay resident. Few arenas keep
  // RSS close to the live state.
  (void)::mallopt(M_ARENA_MAX, 2);
  if (auto r = HardenProcess(); !r) {
    std::fprintf(stderr, "notmed: hardening failed: %s\n", r.error().message().c_str());
    return 1;
  }
  ParsedCommandLine cmd = ParseCommandLine(argc, argv, ProcessEnv(), ::getuid());
  if (cmd.action == ParsedCommandLine::Action::kExit) {
    std::fputs(cmd.output.c_str(), cmd.exit_code == 0 ? stdout : stderr);
    return cmd.exit_code;
  }
  try {
    auto logger = spdlog::stderr_color_mt("notmed");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "notmed: logger: %s\n", e.what());
    return 1;
  }
  if (auto r = crypto::InitCrypto(); !r) {
    spdlog::critical("libsodium: {}", r.error().message());
    return 1;
  }
  if (::geteuid() == 0) {
    spdlog::warn("running as root: every agent token is minted for root's identity; run "
                 "notmed as your own user");
  }
  auto daemon = Daemon::Create(cmd.options, SystemClock::Instance());
  if (!daemon) {
    spdlog::critical("{}", daemon.error().message());
    return 1;
  }
  auto activation_fds = TakeListenFds();
  if (!activation_fds) {
    spdlog::critical("{}", activation_fds.error().message());
    return 1;
  }
  if (auto r = (*daemon)->Start(std::move(*activation_fds)); !r) {
    spdlog::critical("{}", r.error().message());
    return 1;
  }
  (*daemon)->Run();
  (*daemon)->Shutdown();
  return 0;
}

}  // namespace notme::daemon
