// The OAuth endpoints of CONTRACT.md "HTTP API": RFC 8414 metadata, the JWKS, the token
// endpoint (client_credentials + DPoP, RFC 6749 §4.4, RFC 9449 §5), RFC 7662
// introspection and RFC 7009 revocation.
#include <algorithm>
#include <iterator>
#include <set>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/routes.h"
#include "server/http_response.h"
#include "server/request_parsing.h"

namespace notme::daemon {
namespace {

using server::CurrentConnection;
using server::SendJson;
using server::SendJsonText;

bool IsFormContentType(const server::Request& req) {
  std::string ct = req.get_header_value("Content-Type");
  const size_t semi = ct.find(';');
  if (semi != std::string::npos) ct.resize(semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  for (auto& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ct == "application/x-www-form-urlencoded";
}

// The form of an OAuth POST, or an error already answered.
std::optional<std::map<std::string, std::string>> ReadForm(const server::Request& req,
                                                           server::Response& res) {
  if (!IsFormContentType(req)) {
    SendError(res, Error(ErrorCode::kInvalidRequest,
                         "Content-Type must be application/x-www-form-urlencoded"));
    return std::nullopt;
  }
  auto form = server::ParseOAuthForm(req.body);
  if (!form) {
    SendError(res, form.error());
    return std::nullopt;
  }
  return std::move(*form);
}

std::optional<std::string> Field(const std::map<std::string, std::string>& form,
                                 const std::string& name) {
  auto it = form.find(name);
  if (it == form.end()) return std::nullopt;
  return it->second;
}

// The agent a token request is for: implied by an agent socket (a different client_id is
// refused), required on the control socket.
Result<std::string> RequestingAgent(const std::map<std::string, std::string>& form) {
  const server::ConnectionContext* conn = CurrentConnection();
  if (conn == nullptr) return Fail(ErrorCode::kInternal, "no connection context");
  auto client_id = Field(form, "client_id");
  if (conn->socket.is_agent()) {
    if (client_id && *client_id != conn->socket.agent) {
      return Fail(ErrorCode::kInvalidClient,
                  "this socket belongs to agent '" + conn->socket.agent +
                      "'; it cannot ask for another agent");
    }
    return conn->socket.agent;
  }
  if (!conn->socket.is_control()) {
    return Fail(ErrorCode::kPermissionDenied, "tokens are minted on the Unix sockets only");
  }
  if (!client_id || client_id->empty()) {
    return Fail(ErrorCode::kInvalidRequest, "client_id is required on the control socket");
  }
  return *client_id;
}

std::optional<std::string_view> AgentOfSocket() {
  const server::ConnectionContext* conn = CurrentConnection();
  if (conn != nullptr && conn->socket.is_agent()) return std::string_view(conn->socket.agent);
  return std::nullopt;
}

void AddNonceHeader(DaemonContext& ctx, server::Response& res) {
  if (ctx.options.require_dpop_nonce) res.set_header("DPoP-Nonce", ctx.nonces.Current());
}

void RefuseToken(DaemonContext& ctx, server::Response& res, const Error& error,
                 const std::string& agent) {
  Audit(ctx, authority::kAuditTokenRefused, agent, error.message(),
        {{"error", std::string(authority::MapError(error.code()).error)}});
  SendError(res, error);
  AddNonceHeader(ctx, res);
}

void HandleToken(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  auto form = ReadForm(req, res);
  if (!form) return;
  const server::ConnectionContext* conn = CurrentConnection();
  std::string audit_agent = conn != nullptr && conn->socket.is_agent() ? conn->socket.agent
                                                                      : Field(*form, "client_id").value_or("");
  if (!IsValidAgentName(audit_agent)) audit_agent.clear();
  auto grant = Field(*form, "grant_type");
  if (!grant) {
    return RefuseToken(ctx, res, Error(ErrorCode::kInvalidRequest, "grant_type is required"),
                       audit_agent);
  }
  if (*grant != "client_credentials") {
    return RefuseToken(ctx, res,
                       Error(ErrorCode::kUnsupportedGrantType,
                             "only grant_type=client_credentials is supported"),
                       audit_agent);
  }
  for (const auto& [name, value] : *form) {
    constexpr std::string_view kKnown[] = {"grant_type", "client_id", "scope", "resource"};
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown)) {
      return RefuseToken(ctx, res,
                         Error(ErrorCode::kInvalidRequest, "unexpected parameter '" + name + "'"),
                         audit_agent);
    }
  }
  auto agent = RequestingAgent(*form);
  if (!agent) return RefuseToken(ctx, res, agent.error(), audit_agent);
  // RFC 9449 §4.3 point 1: exactly one DPoP header.
  const size_t proofs = req.get_header_value_count("DPoP");
  if (proofs != 1) {
    return RefuseToken(ctx, res,
                       Error(ErrorCode::kInvalidDpopProof,
                             proofs == 0 ? "a DPoP proof is required"
                                         : "exactly one DPoP header is allowed"),
                       *agent);
  }
  auto proof = ctx.dpop.Validate(req.get_header_value("DPoP"), "POST", ctx.token_endpoint,
                                 std::nullopt);
  if (!proof) return RefuseToken(ctx, res, proof.error(), *agent);
  authority::TokenRequest token_request{*agent, Field(*form, "scope").value_or(""),
                                        Field(*form, "resource"), std::move(*proof)};
  auto issued = ctx.tokens.Mint(token_request);
  if (!issued) return RefuseToken(ctx, res, issued.error(), *agent);
  AuditTokenMinted(ctx, *issued);
  SendJsonText(res, 200, issued->ResponseBody());
  AddNonceHeader(ctx, res);
}

void HandleIntrospect(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  auto form = ReadForm(req, res);
  if (!form) return;
  auto token = Field(*form, "token");
  if (!token) return SendError(res, Error(ErrorCode::kInvalidRequest, "token is required"));
  SendJson(res, 200, ctx.tokens.Introspect(*token, AgentOfSocket()));
}

void HandleRevoke(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  auto form = ReadForm(req, res);
  if (!form) return;
  auto token = Field(*form, "token");
  if (!token) return SendError(res, Error(ErrorCode::kInvalidRequest, "token is required"));
  // Identify the token for the audit before revoking (never log the token itself).
  auto verified = ctx.tokens.VerifyAccessToken(*token);
  if (ctx.tokens.Revoke(*token, AgentOfSocket()) && verified) {
    Audit(ctx, authority::kAuditTokenRevoked, verified->agent(), "rfc7009",
          {{"jti", verified->jti()}});
  }
  // RFC 7009 §2.2: 200 whether or not anything was revoked.
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
}

}  // namespace

nlohmann::json AuthorizationServerMetadata(const DaemonContext& ctx) {
  std::set<std::string> scopes;
  for (const auto& agent : ctx.agents.List()) scopes.insert(agent.scopes.begin(), agent.scopes.end());
  const std::string& iss = ctx.options.issuer;
  return {
      {"issuer", iss},
      {"token_endpoint", ctx.token_endpoint},
      {"jwks_uri", iss + "/.well-known/jwks.json"},
      {"introspection_endpoint", iss + "/introspect"},
      {"revocation_endpoint", iss + "/revoke"},
      {"grant_types_supported", {"client_credentials"}},
      {"response_types_supported", nlohmann::json::array()},
      {"scopes_supported", scopes},
      {"token_endpoint_auth_methods_supported", {"none"}},
      {"introspection_endpoint_auth_methods_supported", {"none"}},
      {"revocation_endpoint_auth_methods_supported", {"none"}},
      {"dpop_signing_alg_values_supported", {"EdDSA", "ES256"}},
  };
}

void AuditTokenMinted(DaemonContext& ctx, const authority::IssuedToken& issued,
                      std::string_view via) {
  // Once per mint: scalar fields in key order, written without a JSON tree.
  const authority::AuditField fields[] = {
      {"aud", issued.audience}, {"exp", issued.exp},     {"jkt", issued.jkt}, {"jti", issued.jti},
      {"kid", issued.kid},      {"scope", issued.scope}, {"via", via}};
  std::span<const authority::AuditField> present(fields);
  if (via.empty()) present = present.first(present.size() - 1);
  Audit(ctx, authority::kAuditTokenMinted, issued.agent, present);
}

void InstallOAuthRoutes(server::UnixHttpServer& server, DaemonContext& ctx) {
  server.Get("/.well-known/oauth-authorization-server",
             [&ctx](const server::Request&, server::Response& res) {
               SendJson(res, 200, AuthorizationServerMetadata(ctx));
             });
  server.Get("/.well-known/jwks.json", [&ctx](const server::Request&, server::Response& res) {
    SendJson(res, 200, ctx.keys.Jwks());
  });
  server.Post("/token", [&ctx](const server::Request& req, server::Response& res) {
    HandleToken(ctx, req, res);
  });
  server.Post("/introspect", [&ctx](const server::Request& req, server::Response& res) {
    HandleIntrospect(ctx, req, res);
  });
  server.Post("/revoke", [&ctx](const server::Request& req, server::Response& res) {
    HandleRevoke(ctx, req, res);
  });
}

}  // namespace notme::daemon
