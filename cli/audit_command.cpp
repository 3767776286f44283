#include "cli/audit_command.h"

#include <csignal>
#include "cli/cli11.h"
#include <iostream>
#include <memory>
#include <thread>

#include "cli/json_fields.h"
#include "cli/output.h"

namespace notme::cli {
namespace {

constexpr int kPageSize = 500;
constexpr std::chrono::milliseconds kFollowInterval{1000};

struct AuditOptions {
  bool follow = false;
  std::string agent;
  int64_t after = 0;
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void StopFollowing(int) { g_stop = 1; }

// One line per entry: time, event, agent, then the remaining members as key=value.
std::string HumanLine(const nlohmann::json& e, bool color) {
  static const char* kKnown[] = {"seq", "time", "ts", "event", "agent"};
  std::string line = Paint(e.contains("time") ? TimeStr(e, "time") : TimeStr(e, "ts"),
                           Style::kDim, color);
  line += "  " + Paint(Printable(Str(e, "event")), Style::kBold, color);
  if (auto a = Str(e, "agent"); !a.empty()) line += "  agent=" + Printable(a);
  if (!e.is_object()) return line;
  for (const auto& [k, v] : e.items()) {
    bool known = false;
    for (const char* n : kKnown) known = known || k == n;
    if (known) continue;
    line += "  " + Printable(k) + "=" + Printable(v.is_string() ? v.get<std::string>() : v.dump());
  }
  return line;
}

// Prints one page; returns the next cursor and whether the page was full.
Result<std::pair<int64_t, bool>> PrintPage(CliContext& ctx, client::Client& c, int64_t after,
                                           const std::string& agent, bool color) {
  std::string path = "/v1/audit?after=" + std::to_string(after) +
                     "&limit=" + std::to_string(kPageSize);
  if (!agent.empty()) path += "&agent=" + agent;
  NOTME_TRY(nlohmann::json page, c.Call("GET", path));
  size_t count = 0;
  const nlohmann::json entries =
      page.is_object() ? page.value("entries", nlohmann::json::array()) : nlohmann::json::array();
  if (entries.is_array()) {
    for (const auto& e : entries) {
      ++count;
      if (ctx.json) {
        std::cout << e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      } else {
        std::cout << HumanLine(e, color) << "\n";
      }
    }
  }
  std::cout.flush();
  int64_t next = Int(page, "next").value_or(after);
  // Page until an empty page; a cursor that does not advance ends paging too (no loop).
  bool more = count > 0 && next > after;
  return std::pair<int64_t, bool>{std::max(next, after), more};
}

int RunAudit(CliContext& ctx, const AuditOptions& o) {
  if (!o.agent.empty() && !IsValidAgentName(o.agent)) {
    return ctx.Usage("audit", "invalid agent name '" + Printable(o.agent) + "'");
  }
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  const bool color = ShouldColor(stdout, ctx.env);
  int64_t cursor = o.after;
  for (;;) {
    auto r = PrintPage(ctx, **client, cursor, o.agent, color);
    if (!r) return ctx.Fail(r.error());
    cursor = r->first;
    if (!r->second) break;
  }
  if (!o.follow) return 0;
  std::signal(SIGINT, StopFollowing);
  std::signal(SIGTERM, StopFollowing);
  while (g_stop == 0) {
    std::this_thread::sleep_for(kFollowInterval);
    if (g_stop != 0) break;
    auto r = PrintPage(ctx, **client, cursor, o.agent, color);
    if (!r) return ctx.Fail(r.error());
    cursor = r->first;
  }
  return 0;
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<AuditOptions>();
  auto* audit = app.add_subcommand("audit", "Show the audit trail (tokens, signatures, changes)");
  audit->add_flag("-f,--follow", o->follow, "Keep printing new entries until interrupted");
  audit->add_option("--agent", o->agent, "Only this agent's entries");
  audit->add_option("--after", o->after, "Only entries after this sequence number")
      ->check(CLI::NonNegativeNumber);
  audit->add_flag("--json", ctx.json, "One JSON object per entry per line (JSON Lines)");
  audit->footer(
      "Examples:\n"
      "  notme audit\n"
      "  notme audit --agent claude --follow\n"
      "  notme audit --json | jq -c 'select(.event == \"token_issued\")'\n");
  audit->callback([&ctx, o] { ctx.exit_code = RunAudit(ctx, *o); });
}

}  // namespace notme::cli
