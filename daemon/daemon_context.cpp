#include "daemon/daemon_context.h"

#include <spdlog/spdlog.h>

#include "server/http_response.h"

namespace notme::daemon {

std::optional<authority::AuditPeer> CurrentAuditPeer() {
  const server::ConnectionContext* c = server::CurrentConnection();
  if (c == nullptr) return std::nullopt;
  return authority::AuditPeer{c->peer.pid, c->peer.uid, c->peer.exe == "?" ? "" : c->peer.exe};
}

namespace {

// Appends with the current peer; a failed write is logged, never returned.
void AppendWithPeer(DaemonContext& ctx, std::string_view event, std::string agent,
                    std::string reason, nlohmann::json fields,
                    std::span<const authority::AuditField> scalar_fields) {
  authority::AuditEvent e{event, CurrentAuditPeer(), std::move(agent), std::move(reason),
                          std::move(fields)};
  auto r = ctx.audit.Append(std::move(e), scalar_fields);
  if (!r) spdlog::error("audit log write failed ({}): {}", event, r.error().message());
}

}  // namespace

void Audit(DaemonContext& ctx, std::string_view event, std::string agent, std::string reason,
           nlohmann::json fields) {
  AppendWithPeer(ctx, event, std::move(agent), std::move(reason), std::move(fields), {});
}

void Audit(DaemonContext& ctx, std::string_view event, std::string agent,
           std::span<const authority::AuditField> fields) {
  AppendWithPeer(ctx, event, std::move(agent), "", nlohmann::json(), fields);
}

void SendError(server::Response& res, const Error& error, authority::ErrorContext context) {
  const authority::HttpError mapped = authority::MapError(error.code(), context);
  server::SendJson(res, mapped.status, authority::ErrorResponseJson(error, context));
  if (mapped.www_authenticate) {
    res.set_header("WWW-Authenticate", authority::WwwAuthenticate(error, context));
  }
}

}  // namespace notme::daemon
