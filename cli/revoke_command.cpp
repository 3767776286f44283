#include "cli/revoke_command.h"

#include "cli/cli11.h"
#include <iostream>
#include <memory>

#include "cli/json_fields.h"
#include "cli/output.h"

namespace notme::cli {
namespace {

struct RevokeOptions {
  std::string agent;
  std::string jti;
  bool all = false;
};

int RunRevoke(CliContext& ctx, const RevokeOptions& o) {
  int chosen = (o.agent.empty() ? 0 : 1) + (o.jti.empty() ? 0 : 1) + (o.all ? 1 : 0);
  if (chosen != 1) return ctx.Usage("revoke", "give exactly one of --agent NAME, --jti ID, --all");
  if (!o.agent.empty() && !IsValidAgentName(o.agent)) {
    return ctx.Usage("revoke", "invalid agent name '" + Printable(o.agent) + "'");
  }
  nlohmann::json body = nlohmann::json::object();
  if (!o.agent.empty()) body["agent"] = o.agent;
  if (!o.jti.empty()) body["jti"] = o.jti;
  if (o.all) body["all"] = true;
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto r = (*client)->Call("POST", "/v1/revoke", &body);
  if (!r) return ctx.Fail(r.error());
  if (ctx.json) return ctx.PrintJson(*r);
  const std::string n = Str(*r, "revoked");
  if (o.all) {
    std::cout << "Revoked every live token (" << n << ") and rotated the signing key.\n";
  } else if (!o.agent.empty()) {
    std::cout << "Revoked " << n << " live token(s) of agent " << o.agent << ".\n";
  } else {
    std::cout << "Revoked " << n << " token(s) with jti " << Printable(o.jti) << ".\n";
  }
  return 0;
}

}  // namespace

void RegisterRevokeCommands(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<RevokeOptions>();
  auto* revoke = app.add_subcommand("revoke", "Revoke live tokens: one, an agent's, or all");
  auto* agent = revoke->add_option("--agent", o->agent, "Every live token of this agent");
  auto* jti = revoke->add_option("--jti", o->jti, "The token with this jti");
  auto* all = revoke->add_flag("--all", o->all, "Every live token; also rotates the signing key");
  agent->excludes(jti)->excludes(all);
  jti->excludes(all);
  AddJsonFlag(revoke, ctx);
  revoke->footer(
      "Examples:\n"
      "  notme revoke --agent claude\n"
      "  notme revoke --jti 3q2-7wJd0kOSt4a1\n"
      "  notme revoke --all\n");
  revoke->callback([&ctx, o] { ctx.exit_code = RunRevoke(ctx, *o); });
}

}  // namespace notme::cli
