#include "cli/agent_command.h"

#include "cli/cli11.h"
#include <iostream>
#include <memory>

#include "cli/json_fields.h"
#include "cli/output.h"

namespace notme::cli {
namespace {

struct AddOptions {
  std::string name;
  std::vector<std::string> scopes;
  std::vector<std::string> audiences;
};

int RunAdd(CliContext& ctx, const AddOptions& o) {
  if (!IsValidAgentName(o.name)) {
    return ctx.Usage("agent add", "invalid agent name '" + Printable(o.name) +
                                      "': use 1-64 of a-z 0-9 _ -, starting with a letter or digit");
  }
  for (const auto& s : o.scopes) {
    if (s.empty() || s.find_first_of(" \t\r\n\"\\") != std::string::npos) {
      return ctx.Usage("agent add", "a scope may not be empty or contain spaces or quotes");
    }
  }
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  nlohmann::json body = {{"name", o.name}, {"scopes", o.scopes}, {"audiences", o.audiences}};
  auto agent = (*client)->Call("POST", "/v1/agents", &body);
  if (!agent) return ctx.Fail(agent.error());
  if (ctx.json) return ctx.PrintJson(*agent);
  const bool color = ShouldColor(stdout, ctx.env);
  std::cout << "Registered agent " << Paint(o.name, Style::kBold, color) << " with scopes "
            << Printable(JoinOrDash(Strings(*agent, "scopes"), " ")) << ".\n"
            << "Its socket: " << Printable(Str(*agent, "socket")) << "\n"
            << "Run a program as this agent:  notme run --agent " << o.name << " -- CMD...\n";
  return 0;
}

int RunList(CliContext& ctx) {
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto list = (*client)->Call("GET", "/v1/agents");
  if (!list) return ctx.Fail(list.error());
  if (ctx.json) return ctx.PrintJson(*list);
  std::vector<std::vector<std::string>> rows;
  if (auto it = list->find("agents"); it != list->end() && it->is_array()) {
    for (const auto& a : *it) {
      rows.push_back({Str(a, "name"), JoinOrDash(Strings(a, "scopes")),
                      JoinOrDash(Strings(a, "audiences")), TimeStr(a, "created_at"),
                      Str(a, "socket")});
    }
  }
  if (rows.empty()) {
    std::cout << "No agents yet. Register one:  notme agent add NAME --scope SCOPE\n";
    return 0;
  }
  std::cout << FormatTable({"NAME", "SCOPES", "AUDIENCES", "CREATED", "SOCKET"}, rows,
                           ShouldColor(stdout, ctx.env));
  return 0;
}

int RunRemove(CliContext& ctx, const std::string& name) {
  if (!IsValidAgentName(name)) {
    return ctx.Usage("agent rm", "invalid agent name '" + Printable(name) + "'");
  }
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto r = (*client)->Call("DELETE", "/v1/agents/" + name);
  if (!r) return ctx.Fail(r.error());
  if (ctx.json) return ctx.PrintJson({{"removed", name}});
  std::cout << "Removed agent " << name << "; its socket is gone and its tokens are revoked.\n";
  return 0;
}

}  // namespace

void RegisterAgentCommands(CLI::App& app, CliContext& ctx) {
  auto* agent = app.add_subcommand("agent", "Register, list and remove agents");
  agent->require_subcommand(1);
  agent->footer(
      "Examples:\n"
      "  notme agent add claude --scope git:sign --scope repo:read\n"
      "  notme agent list\n"
      "  notme agent rm claude\n");

  auto add_opts = std::make_shared<AddOptions>();
  auto* add = agent->add_subcommand("add", "Register an agent and create its socket");
  add->add_option("NAME", add_opts->name, "Agent name: a-z 0-9 _ - (up to 64)")->required();
  add->add_option("--scope", add_opts->scopes, "A scope the agent may request (repeatable)")
      ->required()
      ->allow_extra_args(false);
  add->add_option("--audience", add_opts->audiences,
                  "A resource URI its tokens may name (repeatable)")
      ->allow_extra_args(false);
  AddJsonFlag(add, ctx);
  add->footer(
      "Examples:\n"
      "  notme agent add claude --scope git:sign\n"
      "  notme agent add ci --scope api:read --audience https://api.example.com\n");
  add->callback([&ctx, add_opts] { ctx.exit_code = RunAdd(ctx, *add_opts); });

  auto* list = agent->add_subcommand("list", "List registered agents");
  AddJsonFlag(list, ctx);
  list->footer("Examples:\n  notme agent list\n  notme agent list --json | jq -r '.agents[].name'\n");
  list->callback([&ctx] { ctx.exit_code = RunList(ctx); });

  auto rm_name = std::make_shared<std::string>();
  auto* rm = agent->add_subcommand("rm", "Remove an agent, its socket and its live tokens");
  rm->add_option("NAME", *rm_name, "Agent name")->required();
  AddJsonFlag(rm, ctx);
  rm->footer("Examples:\n  notme agent rm claude\n");
  rm->callback([&ctx, rm_name] { ctx.exit_code = RunRemove(ctx, *rm_name); });
}

}  // namespace notme::cli
