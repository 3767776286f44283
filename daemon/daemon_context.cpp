#include "daemon/daemon_context.h"

#include <spdlog/spdlog.h>

#include "server/http_response.h"

namespace notme::daemon {

std::optional<authority::AuditPeer> CurrentAuditPeer() {
  const server::ConnectionContext* c = server::CurrentConnection();
  if (c == nullptr) return std::nullopt;
  return authority::AuditPeer{c->peer.pid, c->peer.uid, c->peer.exe == "?" ? "" : c->peer.exe};
}

void Audit(DaemonContext& ctx, std::string_view event, std::string agent, std::string reason,
           nlohmann::json fields) {
  authority::AuditEvent e{event, CurrentAuditPeer(), std::move(agent), std::move(reason),
                          std::move(fields)};
  auto r = ctx.audit.Append(std::move(e));
  if (!r) spdlog::error("audit log write failed ({}): {}", event, r.error().message());
}

void Audit(DaemonContext& ctx, std::string_view event, std::string agent,
           std::span<const authority::AuditField> fields) {
  authority::AuditEvent e{event, CurrentAuditPeer(), std::move(agent), {}, nlohmann::json()};
  auto r = ctx.audit.Append(std::move(e), fields);
  if (!r) spdlog::error("audit log write failed ({}): {}", event, r.error().message());
}

void SendError(server::Response& res, const Error& error, authority::ErrorContext context) {
  const authority::HttpError mapped = authority::MapError(error.code(), context);
  server::SendJson(res, mapped.status, authority::ErrorResponseJson(error, context));
  if (mapped.www_authenticate) {
    res.set_header("WWW-Authenticate", authority::WwwAuthenticate(error, context));
  }
}

}  // namespace notme::daemon
