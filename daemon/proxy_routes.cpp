#include "daemon/proxy_routes.h"
#include "daemon/registration_routes.h"

#include <sodium.h>

#include <map>
#include <memory>
#include <mutex>

#include <spdlog/spdlog.h>

#include "keyring/keyring.h"
#include "notme/thread_annotations.h"
#include "proxy/proxy_endpoints.h"
#include "proxy/proxy_service.h"
#include "proxy/route_store.h"
#include "server/http_response.h"

namespace notme::daemon {
namespace {

using server::SendJson;

struct ProxyState {
  std::unique_ptr<proxy::RouteStore> routes;
  std::unique_ptr<proxy::ProxyService> service;
  std::optional<Error> broken;  // routes.json could not be loaded
  Mutex mu;
  std::string loopback_authority GUARDED_BY(mu);  // --proxy-listen as bound
};

// One route store and service per daemon, shared by every socket's server.
ProxyState& StateFor(DaemonContext& ctx) {
  static std::mutex mu;
  static std::map<const DaemonContext*, std::unique_ptr<ProxyState>> states;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = states[&ctx];
  if (slot) return *slot;
  slot = std::make_unique<ProxyState>();
  auto store = proxy::RouteStore::Open(ctx.options.paths.config_dir);
  if (!store) {
    spdlog::error("proxy disabled: {}", store.error().ToString());
    slot->broken = store.error();
    return *slot;
  }
  slot->routes = std::move(*store);
  keyring::Keyring* kr = &ctx.keyring;
  DaemonContext* c = &ctx;
  slot->service = std::make_unique<proxy::ProxyService>(
      *slot->routes,
      [kr](const std::string& name) -> Result<crypto::SecretBytes> {
        NOTME_TRY(std::string entry, keyring::SecretEntryName(name));
        return kr->Lookup(entry);
      },
      [c](const proxy::ProxyAuditRecord& r) {
        nlohmann::json fields = {{"route", r.route},
                                 {"method", r.method},
                                 {"path", r.path},
                                 {"status", r.status},
                                 {"request_bytes", r.request_bytes},
                                 {"response_bytes", r.response_bytes},
                                 {"duration_ms", r.duration_ms}};
        std::string agent = r.principal == "human" ? std::string() : r.principal;
        Audit(*c, authority::kAuditProxyRequest, agent, r.error, std::move(fields));
        NoteRegistrationProxyStatus(*c, r.route, r.status);
      },
      proxy::ForwarderOptions{});
  return *slot;
}

std::string LoopbackAuthority(DaemonContext& ctx) {
  ProxyState& st = StateFor(ctx);
  MutexLock lock(&st.mu);
  if (!st.loopback_authority.empty()) return st.loopback_authority;
  return ctx.options.proxy_listen.value_or("127.0.0.1");
}

// The token-authenticated caller on the loopback listener.
Result<proxy::ProxyCaller> LoopbackCaller(DaemonContext& ctx, const server::Request& req) {
  if (req.get_header_value_count("Authorization") != 1) {
    return Fail(ErrorCode::kInvalidToken, "an access token is required on the loopback listener");
  }
  std::string authorization = req.get_header_value("Authorization");
  if (authorization.starts_with("DPoP ")) {
    std::string token = authorization.substr(5);
    if (req.get_header_value_count("DPoP") != 1) {
      return Fail(ErrorCode::kInvalidDpopProof, "exactly one DPoP proof is required");
    }
    std::string path = req.target.substr(0, req.target.find('?'));
    std::string htu = "http://" + LoopbackAuthority(ctx) + path;
    NOTME_TRY(auto proof, ctx.dpop.Validate(req.get_header_value("DPoP"), req.method, htu, token));
    NOTME_TRY(auto verified, ctx.tokens.AuthorizeRequest(token, proof));
    return proxy::ProxyCaller{verified.agent(), false, verified.scopes(), false};
  }
  if (authorization.starts_with("Basic ")) {
    std::string b64 = authorization.substr(6);
    std::string decoded(b64.size(), '\0');
    size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), b64.data(),
                          b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
      return Fail(ErrorCode::kInvalidToken, "malformed Basic credentials");
    }
    decoded.resize(len);
    size_t colon = decoded.find(':');
    if (colon == std::string::npos) return Fail(ErrorCode::kInvalidToken, "malformed Basic credentials");
    auto verified = ctx.tokens.VerifyAccessToken(std::string_view(decoded).substr(colon + 1));
    sodium_memzero(decoded.data(), decoded.size());
    if (!verified) return Fail(verified.error());
    const auto& aud = verified->audiences();
    if (std::find(aud.begin(), aud.end(), ctx.tokens.default_audience()) == aud.end()) {
      return Fail(ErrorCode::kInvalidToken, "the token is not for this daemon");
    }
    return proxy::ProxyCaller{verified->agent(), false, verified->scopes(), /*git_only=*/true};
  }
  return Fail(ErrorCode::kInvalidToken, "the Authorization scheme must be DPoP (or Basic for git)");
}

Result<proxy::ProxyCaller> CallerOf(DaemonContext& ctx, const server::Request& req) {
  const server::ConnectionContext* conn = server::CurrentConnection();
  if (conn == nullptr) return Fail(ErrorCode::kPermissionDenied, "no connection context");
  switch (conn->socket.kind) {
    case server::SocketIdentity::Kind::kControl:
      return proxy::ProxyCaller{"human", true, {}, false};
    case server::SocketIdentity::Kind::kAgent: {
      auto agent = ctx.agents.Get(conn->socket.agent);
      if (!agent) return Fail(ErrorCode::kPermissionDenied, "the agent is no longer registered");
      return proxy::ProxyCaller{agent->name, false, agent->scopes, false};
    }
    case server::SocketIdentity::Kind::kLoopback:
      return LoopbackCaller(ctx, req);
  }
  return Fail(ErrorCode::kPermissionDenied, "unknown socket");
}

bool RequireControl(server::Response& res) {
  const server::ConnectionContext* conn = server::CurrentConnection();
  if (conn != nullptr && conn->socket.is_control()) return true;
  SendError(res, Error(ErrorCode::kPermissionDenied, "secrets and routes are managed on the control socket only"));
  return false;
}

void HandlePutSecret(DaemonContext& ctx, const server::Request& req, server::Response& res,
                     const std::string& name) {
  // The value arrived in httplib's buffer; copy it to guarded memory and wipe the buffer.
  auto value = crypto::SecretBytes::CopyFrom(
      std::span(reinterpret_cast<const uint8_t*>(req.body.data()), req.body.size()));
  sodium_memzero(const_cast<char*>(req.body.data()), req.body.size());
  auto entry = keyring::SecretEntryName(name);
  if (!entry) return SendError(res, entry.error());
  if (!value) return SendError(res, value.error());
  if (auto r = ctx.keyring.Store(*entry, *value, "notme secret " + name); !r) return SendError(res, r.error());
  Audit(ctx, "secret.stored", "", "", {{"name", name}});
  res.status = 204;
}

void HandleListSecrets(DaemonContext& ctx, server::Response& res) {
  auto list = ctx.keyring.List();
  if (!list) return SendError(res, list.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& info : *list) {
    if (info.kind != keyring::Kind::kSecret) continue;
    out.push_back({{"name", info.name.substr(keyring::kSecretPrefix.size())},
                   {"created_at", info.created},
                   {"modified_at", info.modified}});
  }
  SendJson(res, 200, {{"secrets", out}});
}

void HandleDeleteSecret(DaemonContext& ctx, server::Response& res, const std::string& name) {
  auto entry = keyring::SecretEntryName(name);
  if (!entry) return SendError(res, entry.error());
  if (auto r = ctx.keyring.Remove(*entry); !r) return SendError(res, r.error());
  Audit(ctx, "secret.removed", "", "", {{"name", name}});
  res.status = 204;
}

void HandleAddRoute(DaemonContext& ctx, ProxyState& st, const server::Request& req, server::Response& res) {
  auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return SendError(res, Error(ErrorCode::kInvalidRequest, "the body must be JSON"));
  auto spec = proxy::RouteSpecFromJson(j);
  if (!spec) return SendError(res, Error(ErrorCode::kInvalidRequest, spec.error().message()));
  auto route = proxy::ValidateRouteSpec(*spec, ctx.clock.NowSeconds());
  if (!route) return SendError(res, Error(ErrorCode::kInvalidRequest, route.error().message()));
  if (auto r = st.routes->Add(*route); !r) return SendError(res, r.error());
  Audit(ctx, "route.added", "", "", {{"route", route->name}, {"upstream", route->upstream.ToString()}});
  SendJson(res, 201, proxy::RouteToJson(*route));
}

}  // namespace

proxy::RouteStore* ProxyRouteStore(DaemonContext& ctx) { return StateFor(ctx).routes.get(); }

void SetProxyListenPort(DaemonContext& ctx, uint16_t port) {
  // Keep the host as the user wrote it ("localhost", "[::1]"): clients build htu from it.
  const std::string& text = ctx.options.proxy_listen.value_or("127.0.0.1:0");
  std::string authority = text.substr(0, text.rfind(':')) + ":" + std::to_string(port);
  ProxyState& st = StateFor(ctx);
  MutexLock lock(&st.mu);
  st.loopback_authority = std::move(authority);
}

Result<size_t> ReloadProxyRoutes(DaemonContext& ctx) {
  ProxyState& st = StateFor(ctx);
  if (!st.routes) return Fail(ErrorCode::kUnavailable, "the proxy is disabled");
  NOTME_TRY_VOID(st.routes->Reload());
  // Changed routes get new pool keys anyway; closing every idle connection also lets go
  // of removed routes' sockets at once.
  st.service->CloseIdleConnections();
  return st.routes->List().size();
}

void InstallProxyRoutes(server::UnixHttpServer& server, DaemonContext& ctx) {
  ProxyState& st = StateFor(ctx);
  if (st.broken) {
    Error broken = *st.broken;
    auto unavailable = [broken](const server::Request&, server::Response& res) {
      SendError(res, Error(ErrorCode::kUnavailable, "proxy disabled: " + broken.message()));
    };
    server.Get(R"(/r/[\s\S]*)", unavailable);
    server.Get("/v1/routes", unavailable);
    return;
  }
  proxy::RegisterProxyEndpoints(server, *st.service,
                                [&ctx](const server::Request& req) { return CallerOf(ctx, req); });
  if (!server.identity().is_control()) return;

  static const std::string kSecretPath = "/v1/secrets/([A-Za-z0-9][A-Za-z0-9._-]{0,127})";
  server.Put(kSecretPath, [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(res)) HandlePutSecret(ctx, req, res, req.matches[1].str());
  });
  server.Get("/v1/secrets", [&ctx](const server::Request&, server::Response& res) {
    if (RequireControl(res)) HandleListSecrets(ctx, res);
  });
  server.Delete(kSecretPath, [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(res)) HandleDeleteSecret(ctx, res, req.matches[1].str());
  });
  server.Get("/v1/routes", [&st](const server::Request&, server::Response& res) {
    if (!RequireControl(res)) return;
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : st.routes->List()) out.push_back(proxy::RouteToJson(r));
    SendJson(res, 200, {{"routes", out}});
  });
  server.Post("/v1/routes", [&ctx, &st](const server::Request& req, server::Response& res) {
    if (RequireControl(res)) HandleAddRoute(ctx, st, req, res);
  });
  server.Delete("/v1/routes/([a-z0-9][a-z0-9_-]{0,63})", [&ctx, &st](const server::Request& req,
                                                                     server::Response& res) {
    if (!RequireControl(res)) return;
    std::string name = req.matches[1].str();
    if (auto r = st.routes->Remove(name); !r) return SendError(res, r.error());
    Audit(ctx, "route.removed", "", "", {{"route", name}});
    res.status = 204;
  });
}

}  // namespace notme::daemon
