#include "daemon/registration_routes.h"

#include <sodium.h>

#include <map>
#include <memory>
#include <mutex>

#include <spdlog/spdlog.h>

#include "daemon/proxy_routes.h"
#include "registration/registration_manager.h"
#include "server/http_response.h"

namespace notme::daemon {
namespace {

using registration::RegistrationManager;
using server::SendJson;

struct RegistrationState {
  std::unique_ptr<registration::RegistrationStore> store;
  std::unique_ptr<registration::IdJagProvider> provider;
  std::unique_ptr<RegistrationManager> manager;
  std::optional<Error> broken;
};

// One store, provider and manager per daemon, shared by every socket's server.
RegistrationState& StateFor(DaemonContext& ctx) {
  static std::mutex mu;
  static std::map<const DaemonContext*, std::unique_ptr<RegistrationState>> states;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = states[&ctx];
  if (slot) return *slot;
  slot = std::make_unique<RegistrationState>();
  auto store = registration::RegistrationStore::Open(ctx.options.paths.config_dir);
  if (!store) {
    spdlog::error("agentic registration disabled: {}", store.error().ToString());
    slot->broken = store.error();
    return *slot;
  }
  slot->store = std::move(*store);
  auto provider = registration::IdJagProvider::Open(ctx.keyring, IdJagIssuer(ctx.options), ctx.clock);
  if (provider) {
    slot->provider = std::move(*provider);
  } else {
    spdlog::warn("ID-JAG provider unavailable: {}", provider.error().ToString());
  }
  DaemonContext* c = &ctx;
  registration::RegistrationHooks hooks;
  hooks.check_agent = [c](const std::string& agent) -> Result<void> {
    NOTME_TRY(auto a, c->agents.Get(agent));
    (void)a;
    return Ok();
  };
  hooks.add_route = [c](const proxy::Route& route) -> Result<void> {
    proxy::RouteStore* routes = ProxyRouteStore(*c);
    if (routes == nullptr) return Fail(ErrorCode::kUnavailable, "the proxy is disabled (routes.json is broken)");
    NOTME_TRY_VOID(routes->Add(route));
    Audit(*c, "route.added", "", "", {{"route", route.name}, {"upstream", route.upstream.ToString()}});
    return Ok();
  };
  hooks.remove_route = [c](const std::string& name) -> Result<void> {
    proxy::RouteStore* routes = ProxyRouteStore(*c);
    if (routes == nullptr) return Fail(ErrorCode::kUnavailable, "the proxy is disabled (routes.json is broken)");
    return routes->Remove(name);
  };
  hooks.grant_scope = [c](const std::string& agent, const std::string& scope) -> Result<void> {
    NOTME_TRY(auto a, c->agents.AddScope(agent, scope));
    (void)a;
    return Ok();
  };
  hooks.audit = [c](std::string_view event, const std::string& agent, nlohmann::json fields) {
    Audit(*c, event, agent, "", std::move(fields));
  };
  slot->manager = std::make_unique<RegistrationManager>(*slot->store, ctx.keyring, slot->provider.get(),
                                                        registration::ServiceClient{}, ctx.clock,
                                                        std::move(hooks), ctx.options.human);
  return *slot;
}

bool RequireControl(server::Response& res) {
  const server::ConnectionContext* conn = server::CurrentConnection();
  if (conn != nullptr && conn->socket.is_control()) return true;
  SendError(res, Error(ErrorCode::kPermissionDenied, "registrations are managed on the control socket only"));
  return false;
}

void SendMgmtError(server::Response& res, const Error& e) {
  SendError(res, e);
}

Result<registration::RegisterParams> ParamsFrom(const server::Request& req) {
  auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Fail(ErrorCode::kInvalidRequest, "the body must be a JSON object");
  registration::RegisterParams p;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (k == "url" || k == "agent" || k == "email" || k == "name" || k == "method") {
      if (!v.is_string()) return Fail(ErrorCode::kInvalidRequest, "'" + k + "' must be a string");
      const auto& s = v.get_ref<const std::string&>();
      if (k == "url") p.url = s;
      if (k == "agent") p.agent = s;
      if (k == "email") p.email = s;
      if (k == "name") p.name = s;
      if (k == "method") {
        NOTME_TRY(p.method, registration::ParseMethod(s));
      }
    } else if (k == "consent" || k == "allow_loopback") {
      if (!v.is_boolean()) return Fail(ErrorCode::kInvalidRequest, "'" + k + "' must be a boolean");
      (k == "consent" ? p.consent : p.allow_loopback) = v.get<bool>();
    } else {
      return Fail(ErrorCode::kInvalidRequest, "unknown member '" + k.substr(0, 64) + "'");
    }
  }
  if (p.url.empty() || p.agent.empty()) return Fail(ErrorCode::kInvalidRequest, "'url' and 'agent' are required");
  return p;
}

nlohmann::json RecordJson(const RegistrationManager& m, const registration::RegistrationRecord& r) {
  nlohmann::json j = registration::RecordToJson(r);
  j["claim_pending"] = m.ClaimPending(r.name);
  return j;
}

void HandleClaimComplete(RegistrationState& st, const server::Request& req, server::Response& res,
                         const std::string& name) {
  // The code arrived in httplib's buffer; copy it to guarded memory and wipe the buffer.
  std::string_view body(req.body);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  auto otp = body.empty() ? Result<crypto::SecretBytes>(Fail(ErrorCode::kInvalidRequest, "the code is empty"))
                          : crypto::SecretBytes::CopyFrom(std::span(
                                reinterpret_cast<const uint8_t*>(body.data()), body.size()));
  sodium_memzero(const_cast<char*>(req.body.data()), req.body.size());
  if (!otp) return SendMgmtError(res, otp.error());
  auto rec = st.manager->CompleteClaim(name, *otp);
  if (!rec) return SendMgmtError(res, rec.error());
  SendJson(res, 200, RecordJson(*st.manager, *rec));
}

void InstallPublicProvider(server::UnixHttpServer& server, RegistrationState& st) {
  if (!st.provider) return;
  const registration::IdJagProvider* provider = st.provider.get();
  server.Get("/idjag/.well-known/jwks.json", [provider](const server::Request&, server::Response& res) {
    SendJson(res, 200, provider->Jwks());
  });
  auto metadata = [provider](const server::Request&, server::Response& res) {
    SendJson(res, 200, provider->IssuerMetadata());
  };
  server.Get("/.well-known/oauth-authorization-server/idjag", metadata);
  server.Get("/idjag/.well-known/oauth-authorization-server", metadata);
}

}  // namespace

std::string IdJagIssuer(const DaemonOptions& options) {
  if (options.proxy_listen) return "http://" + *options.proxy_listen + "/idjag";
  return options.issuer + "/idjag";
}

void NoteRegistrationProxyStatus(DaemonContext& ctx, const std::string& route, int status) {
  if (status != 401) return;
  RegistrationState& st = StateFor(ctx);
  if (st.manager) st.manager->NoteProxyStatus(route, status);
}

void InstallRegistrationRoutes(server::UnixHttpServer& server, DaemonContext& ctx) {
  RegistrationState& st = StateFor(ctx);
  if (st.broken) return;
  InstallPublicProvider(server, st);
  if (!server.identity().is_control()) return;
  RegistrationManager* m = st.manager.get();
  RegistrationState* s = &st;

  server.Post("/v1/registrations/preview", [m](const server::Request& req, server::Response& res) {
    if (!RequireControl(res)) return;
    auto p = ParamsFrom(req);
    if (!p) return SendMgmtError(res, p.error());
    auto preview = m->Preview(*p);
    if (!preview) return SendMgmtError(res, preview.error());
    SendJson(res, 200, preview->ToJson());
  });
  server.Post("/v1/registrations", [m](const server::Request& req, server::Response& res) {
    if (!RequireControl(res)) return;
    auto p = ParamsFrom(req);
    if (!p) return SendMgmtError(res, p.error());
    auto rec = m->Register(*p);
    if (!rec) return SendMgmtError(res, rec.error());
    SendJson(res, 201, RecordJson(*m, *rec));
  });
  server.Get("/v1/registrations", [m](const server::Request&, server::Response& res) {
    if (!RequireControl(res)) return;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : m->List()) list.push_back(RecordJson(*m, r));
    SendJson(res, 200, {{"registrations", list}});
  });
  static const std::string kName = "([a-z0-9][a-z0-9_-]{0,63})";
  server.Delete("/v1/registrations/" + kName, [m](const server::Request& req, server::Response& res) {
    if (!RequireControl(res)) return;
    if (auto r = m->Remove(req.matches[1].str()); !r) return SendMgmtError(res, r.error());
    res.status = 204;
  });
  server.Post("/v1/registrations/" + kName + "/claim", [m](const server::Request& req, server::Response& res) {
    if (!RequireControl(res)) return;
    auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("email") || !j["email"].is_string() || j.size() != 1) {
      return SendMgmtError(res, Error(ErrorCode::kInvalidRequest, "the body must be {\"email\": \"...\"}"));
    }
    auto rec = m->StartClaim(req.matches[1].str(), j["email"].get<std::string>());
    if (!rec) return SendMgmtError(res, rec.error());
    SendJson(res, 200, RecordJson(*m, *rec));
  });
  server.Post("/v1/registrations/" + kName + "/refresh", [m](const server::Request& req, server::Response& res) {
    if (!RequireControl(res)) return;
    auto rec = m->Refresh(req.matches[1].str());
    if (!rec) return SendMgmtError(res, rec.error());
    SendJson(res, 200, RecordJson(*m, *rec));
  });
  server.Post("/v1/registrations/" + kName + "/claim/complete",
              [s](const server::Request& req, server::Response& res) {
                if (RequireControl(res)) HandleClaimComplete(*s, req, res, req.matches[1].str());
              });
}

}  // namespace notme::daemon
