// The daemon's /v1 management endpoints (docs/api.md "Management"), control socket only.
#include <charconv>
#include <string>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "daemon/routes.h"
#include "notme/version.h"
#include "server/http_response.h"
#include "server/request_parsing.h"

namespace notme::daemon {
namespace {

using server::CurrentConnection;
using server::SendJson;
using server::SendJsonText;

// Paths an agent socket may reach under /v1 (docs/api.md "Agent-facing").
constexpr std::string_view kAgentFacing[] = {"/v1/ssh/sign", "/v1/ssh/ca"};

nlohmann::json AgentJson(const DaemonContext& ctx, const authority::Agent& agent) {
  nlohmann::json j = authority::AgentToJson(agent);
  j["socket"] = AgentSocketPath(ctx.options.paths, agent.name).string();
  return j;
}

// Defence in depth: management handlers are registered on the control socket only, and
// they check again.
bool RequireControl(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  const server::ConnectionContext* conn = CurrentConnection();
  if (conn != nullptr && conn->socket.is_control()) return true;
  Audit(ctx, "access.refused", conn != nullptr ? conn->socket.agent : "",
        "management endpoint on a non-control socket", {{"path", req.path}});
  SendError(res, Error(ErrorCode::kPermissionDenied,
                       "management is only available on the control socket"));
  return false;
}

Result<std::vector<std::string>> StringArray(const nlohmann::json& body, const char* name) {
  std::vector<std::string> out;
  if (!body.contains(name)) return out;
  const auto& v = body.at(name);
  if (!v.is_array()) return Fail(ErrorCode::kInvalidRequest, std::string(name) + " must be an array");
  for (const auto& s : v) {
    if (!s.is_string()) {
      return Fail(ErrorCode::kInvalidRequest, std::string(name) + " must hold strings");
    }
    out.push_back(s.get<std::string>());
  }
  return out;
}

std::optional<nlohmann::json> ReadJson(const server::Request& req, server::Response& res) {
  auto body = server::ParseJsonObject(req.body);
  if (!body) {
    SendError(res, body.error().code() == ErrorCode::kTooLarge
                       ? Error(ErrorCode::kInvalidRequest, body.error().message())
                       : body.error());
    return std::nullopt;
  }
  return std::move(*body);
}

void HandleStatus(DaemonContext& ctx, server::Response& res) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : ctx.keys.Keys()) {
    nlohmann::json e = {{"kid", k.kid}, {"created_at", k.created_at}};
    if (k.retired_at) e["retired_at"] = *k.retired_at;
    keys.push_back(std::move(e));
  }
  SendJson(res, 200,
           {{"version", kVersion},
            {"issuer", ctx.options.issuer},
            {"pid", ::getpid()},
            {"uid", ::getuid()},
            {"started_at", ctx.started_at},
            {"human", ctx.options.human},
            {"keyring", ctx.keyring_name},
            {"keys", keys},
            {"agents", ctx.agents.size()},
            {"live_tokens", ctx.revocations.LiveCount()},
            {"require_dpop_nonce", ctx.options.require_dpop_nonce},
            {"runtime_dir", ctx.options.paths.runtime_dir.string()},
            {"control_socket", ctx.options.paths.control_socket.string()},
            // The loopback listener's base URL (`notme git setup --route` points git at it).
            {"proxy_url", ctx.options.proxy_listen
                              ? nlohmann::json("http://" + *ctx.options.proxy_listen)
                              : nlohmann::json(nullptr)}});
}

void HandleListAgents(DaemonContext& ctx, server::Response& res) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : ctx.agents.List()) list.push_back(AgentJson(ctx, a));
  SendJson(res, 200, {{"agents", list}});
}

void HandleAddAgent(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  auto body = ReadJson(req, res);
  if (!body) return;
  for (const auto& [key, value] : body->items()) {
    if (key != "name" && key != "scopes" && key != "audiences") {
      return SendError(res, Error(ErrorCode::kInvalidRequest, "unexpected member '" + key + "'"));
    }
  }
  if (!body->contains("name") || !(*body)["name"].is_string()) {
    return SendError(res, Error(ErrorCode::kInvalidRequest, "name (a string) is required"));
  }
  auto scopes = StringArray(*body, "scopes");
  if (!scopes) return SendError(res, scopes.error());
  auto audiences = StringArray(*body, "audiences");
  if (!audiences) return SendError(res, audiences.error());
  auto added = ctx.agents.Add((*body)["name"].get<std::string>(), std::move(*scopes),
                              std::move(*audiences));
  if (!added) {
    if (added.error().code() == ErrorCode::kInvalidArgument) {
      return SendError(res, Error(ErrorCode::kInvalidRequest, added.error().message()));
    }
    return SendError(res, added.error());
  }
  Audit(ctx, authority::kAuditAgentAdded, added->name, "",
        {{"scopes", added->scopes}, {"audiences", added->audiences}});
  if (auto opened = ctx.open_agent_socket(added->name); !opened) {
    spdlog::error("agent '{}' added but its socket failed: {}", added->name,
                  opened.error().message());
  }
  SendJson(res, 201, AgentJson(ctx, *added));
}

void HandleGetAgent(DaemonContext& ctx, const std::string& name, server::Response& res) {
  auto agent = ctx.agents.Get(name);
  if (!agent) return SendError(res, agent.error());
  SendJson(res, 200, AgentJson(ctx, *agent));
}

void HandleDeleteAgent(DaemonContext& ctx, const std::string& name, server::Response& res) {
  auto revoked = ctx.tokens.RemoveAgent(name);
  if (!revoked) return SendError(res, revoked.error());
  ctx.close_agent_socket(name);
  Audit(ctx, authority::kAuditAgentRemoved, name, "", {{"revoked", *revoked}});
  res.status = 204;
  res.set_header("Cache-Control", "no-store");
}

void HandleRevoke(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  auto body = ReadJson(req, res);
  if (!body) return;
  const bool has_jti = body->contains("jti");
  const bool has_agent = body->contains("agent");
  const bool has_all = body->contains("all");
  if (body->size() != 1 || int{has_jti} + int{has_agent} + int{has_all} != 1) {
    return SendError(res, Error(ErrorCode::kInvalidRequest,
                                "give exactly one of {\"jti\"}, {\"agent\"}, {\"all\":true}"));
  }
  size_t revoked = 0;
  if (has_jti) {
    const auto& jti = (*body)["jti"];
    if (!jti.is_string()) return SendError(res, Error(ErrorCode::kInvalidRequest, "jti must be a string"));
    revoked = ctx.tokens.RevokeJti(jti.get<std::string>()) ? 1 : 0;
    Audit(ctx, authority::kAuditTokenRevoked, "", "management: jti",
          {{"jti", jti.get<std::string>()}, {"revoked", revoked}});
  } else if (has_agent) {
    const auto& agent = (*body)["agent"];
    if (!agent.is_string()) {
      return SendError(res, Error(ErrorCode::kInvalidRequest, "agent must be a string"));
    }
    auto known = ctx.agents.Get(agent.get<std::string>());
    if (!known) return SendError(res, known.error());
    revoked = ctx.tokens.RevokeAgent(agent.get<std::string>());
    Audit(ctx, authority::kAuditTokenRevoked, agent.get<std::string>(), "management: agent",
          {{"revoked", revoked}});
  } else {
    if ((*body)["all"] != true) {
      return SendError(res, Error(ErrorCode::kInvalidRequest, "all must be true"));
    }
    auto all = ctx.tokens.RevokeAll();
    if (!all) return SendError(res, all.error());
    revoked = all->revoked;
    Audit(ctx, authority::kAuditTokenRevoked, "", "management: all", {{"revoked", revoked}});
    Audit(ctx, authority::kAuditKeyRotated, "", "revoke all",
          {{"old_kid", all->rotation.old_kid}, {"new_kid", all->rotation.new_kid}});
  }
  SendJson(res, 200, {{"revoked", revoked}});
}

Result<uint64_t> ParseUnsigned(const std::string& s, const char* name) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return Fail(ErrorCode::kInvalidRequest, std::string(name) + " must be a non-negative integer");
  }
  return v;
}

void HandleAudit(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  uint64_t after = 0;
  uint64_t limit = 100;
  std::optional<std::string> agent;
  for (const auto& [key, value] : req.params) {
    if (key == "after") {
      auto v = ParseUnsigned(value, "after");
      if (!v) return SendError(res, v.error());
      after = *v;
    } else if (key == "limit") {
      auto v = ParseUnsigned(value, "limit");
      if (!v) return SendError(res, v.error());
      limit = std::min<uint64_t>(*v, authority::AuditLog::kMaxReadLimit);
    } else if (key == "agent") {
      agent = value;
    } else {
      return SendError(res, Error(ErrorCode::kInvalidRequest, "unknown query parameter"));
    }
  }
  auto page = ctx.audit.Read(after, static_cast<size_t>(limit),
                             agent ? std::optional<std::string_view>(*agent) : std::nullopt);
  if (!page) return SendError(res, page.error());
  SendJson(res, 200, {{"entries", page->entries}, {"next", page->next}});
}

// POST /v1/tokens: the human mints a token for an agent bound to a public key the caller
// holds (notme token --dpop-jwk), named by its RFC 7638 thumbprint, in the manner of
// RFC 9449 §10 dpop_jkt. The token is useless without that key's proofs.
void HandleMintForKey(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  auto body = ReadJson(req, res);
  if (!body) return;
  for (const auto& [key, value] : body->items()) {
    if (key != "agent" && key != "scope" && key != "resource" && key != "jkt") {
      return SendError(res, Error(ErrorCode::kInvalidRequest, "unexpected member '" + key + "'"));
    }
    if (!value.is_string()) {
      return SendError(res, Error(ErrorCode::kInvalidRequest, key + " must be a string"));
    }
  }
  if (!body->contains("agent") || !body->contains("jkt")) {
    return SendError(res, Error(ErrorCode::kInvalidRequest, "agent and jkt are required"));
  }
  const std::string agent = (*body)["agent"].get<std::string>();
  std::optional<std::string> resource;
  if (body->contains("resource")) resource = (*body)["resource"].get<std::string>();
  auto issued = ctx.tokens.MintForThumbprint(agent, body->value("scope", std::string()), resource,
                                             (*body)["jkt"].get<std::string>());
  if (!issued) {
    Audit(ctx, authority::kAuditTokenRefused, agent, issued.error().message(),
          {{"via", "/v1/tokens"}});
    return SendError(res, issued.error());
  }
  AuditTokenMinted(ctx, *issued, "/v1/tokens");
  SendJsonText(res, 200, issued->ResponseBody());
}

}  // namespace

void InstallManagementRoutes(server::UnixHttpServer& server, DaemonContext& ctx) {
  server.Get("/v1/status", [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(ctx, req, res)) HandleStatus(ctx, res);
  });
  server.Get("/v1/agents", [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(ctx, req, res)) HandleListAgents(ctx, res);
  });
  server.Post("/v1/agents", [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(ctx, req, res)) HandleAddAgent(ctx, req, res);
  });
  server.Get("/v1/agents/([^/]+)", [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(ctx, req, res)) HandleGetAgent(ctx, req.matches[1].str(), res);
  });
  server.Delete("/v1/agents/([^/]+)", [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(ctx, req, res)) HandleDeleteAgent(ctx, req.matches[1].str(), res);
  });
  server.Post("/v1/tokens", [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(ctx, req, res)) HandleMintForKey(ctx, req, res);
  });
  server.Post("/v1/revoke", [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(ctx, req, res)) HandleRevoke(ctx, req, res);
  });
  server.Get("/v1/audit", [&ctx](const server::Request& req, server::Response& res) {
    if (RequireControl(ctx, req, res)) HandleAudit(ctx, req, res);
  });
}

void InstallAgentSocketPolicy(server::UnixHttpServer& server, DaemonContext& ctx) {
  server.AddPreRoutingHook([&ctx](const server::Request& req, server::Response& res) {
    if (req.path.rfind("/v1/", 0) != 0 && req.path != "/v1") {
      return server::HandlerResponse::kUnhandled;
    }
    for (std::string_view allowed : kAgentFacing) {
      if (req.path == allowed) return server::HandlerResponse::kUnhandled;
    }
    const server::ConnectionContext* conn = CurrentConnection();
    Audit(ctx, "access.refused", conn != nullptr ? conn->socket.agent : "",
          "management endpoint on an agent socket", {{"path", req.path}, {"method", req.method}});
    SendError(res, Error(ErrorCode::kPermissionDenied,
                         "an agent socket cannot reach management endpoints"));
    return server::HandlerResponse::kHandled;
  });
}

void InstallLoopbackPolicy(server::UnixHttpServer& server) {
  server.AddPreRoutingHook([](const server::Request& req, server::Response& res) {
    if (req.path.rfind("/r/", 0) == 0) return server::HandlerResponse::kUnhandled;
    // The ID-JAG provider's public JWKS and issuer metadata (docs/registration.md).
    if (req.method == "GET" && (req.path.rfind("/idjag/.well-known/", 0) == 0 ||
                                req.path == "/.well-known/oauth-authorization-server/idjag")) {
      return server::HandlerResponse::kUnhandled;
    }
    server::SendJsonError(res, 404, "not_found", "only /r/ is served on the loopback listener");
    return server::HandlerResponse::kHandled;
  });
}

}  // namespace notme::daemon
