#include "cli/status_command.h"

#include "cli/cli11.h"
#include <iostream>

#include "cli/json_fields.h"
#include "cli/output.h"

namespace notme::cli {
namespace {

int RunStatus(CliContext& ctx) {
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto status = (*client)->Call("GET", "/v1/status");
  if (!status) return ctx.Fail(status.error());
  if (ctx.json) return ctx.PrintJson(*status);
  const nlohmann::json& s = *status;
  const bool color = ShouldColor(stdout, ctx.env);
  std::cout << Paint("notmed " + Printable(Str(s, "version")), Style::kBold, color) << " "
            << Paint("running", Style::kGreen, color) << " (pid " << Str(s, "pid") << ") on "
            << (*client)->socket().string() << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"issuer", Str(s, "issuer")},
      {"human", Str(s, "human")},
      {"keyring", Str(s, "keyring")},
      {"started", TimeStr(s, "started_at")},
      {"agents", Str(s, "agents")},
      {"runtime dir", Str(s, "runtime_dir")},
  };
  if (auto it = s.find("keys"); it != s.end() && it->is_array()) {
    for (const auto& k : *it) {
      std::string line = Str(k, "kid") + "  created " + TimeStr(k, "created_at");
      if (!Str(k, "retired_at").empty()) line += "  retired " + TimeStr(k, "retired_at");
      rows.push_back({"signing key", line});
    }
  }
  for (auto& r : rows) {
    std::string label = r[0] + ":";
    label.resize(14, ' ');
    std::cout << label << Printable(r[1]) << "\n";
  }
  return 0;
}

}  // namespace

void RegisterStatusCommands(CLI::App& app, CliContext& ctx) {
  auto* status = app.add_subcommand("status", "Show whether notmed is running and what it holds");
  AddJsonFlag(status, ctx);
  status->footer(
      "Examples:\n"
      "  notme status\n"
      "  notme status --json | jq .keyring\n"
      "Exit status 3 means notmed is not reachable.\n");
  status->callback([&ctx] { ctx.exit_code = RunStatus(ctx); });
}

}  // namespace notme::cli
