#include "cli/run_command.h"

#include <unistd.h>

#include "cli/cli11.h"
#include <iostream>
#include <memory>

#include "cli/child_process.h"
#include "cli/json_fields.h"
#include "cli/output.h"
#include "cli/run_env.h"
#include "notme/client_socket.h"

extern char** environ;

namespace notme::cli {
namespace {

struct RunOptions {
  std::string agent;
  std::vector<std::string> command;
};

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

std::string HelperOrWarn(const std::string& name) {
  std::string path = FindHelperProgram(name);
  if (path.empty()) {
    std::fprintf(stderr,
                 "notme: warning: %s not found next to notme or on PATH; git will fail to use it\n",
                 name.c_str());
    return name;
  }
  return path;
}

int RunRun(CliContext& ctx, const RunOptions& o) {
  if (!IsValidAgentName(o.agent)) {
    return ctx.Usage("run", "invalid agent name '" + Printable(o.agent) + "'");
  }
  if (o.command.empty()) return ctx.Usage("run", "no command given: notme run --agent NAME -- CMD...");
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto agent = (*client)->Call("GET", "/v1/agents/" + o.agent);
  if (!agent) {
    if (agent.error().code() == ErrorCode::kNotFound) {
      return ctx.Fail(Error(ErrorCode::kNotFound,
                            "no agent named '" + o.agent + "'. Register it first:  notme agent add " +
                                o.agent + " --scope SCOPE"));
    }
    return ctx.Fail(agent.error());
  }
  std::string socket = Str(*agent, "socket");
  if (socket.empty()) {
    auto paths = ctx.ResolvedPaths();
    if (!paths) return ctx.Fail(paths.error());
    socket = AgentSocketPath(*paths, o.agent).string();
  }
  if (auto ok = client::CheckSocket(socket, ::getuid()); !ok) return ctx.Fail(ok.error());
  RunEnvInputs in{o.agent, socket, HelperOrWarn("notme-ssh-sign"),
                  HelperOrWarn("git-credential-notme")};
  auto env = BuildRunEnvironment(CurrentEnvironment(), in);
  if (!env) return ctx.Fail(env.error());
  std::cout.flush();
  auto status = RunForwardingSignals(o.command, *env);
  if (!status) return ctx.Fail(status.error());
  return *status;
}

}  // namespace

void RegisterRunCommands(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<RunOptions>();
  auto* run = app.add_subcommand("run", "Run a program as an agent (its socket, git signing)");
  run->add_option("--agent", o->agent, "The agent to run as")->required();
  run->add_option("CMD", o->command, "The program and its arguments, after --")->required();
  run->footer(
      "The program runs with NOTME_SOCKET set to the agent's socket and, for git only,\n"
      "GIT_CONFIG_COUNT/GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n entries (appended to yours):\n"
      "gpg.format=ssh, gpg.ssh.program=notme-ssh-sign, user.signingkey=notme-agent:NAME,\n"
      "commit.gpgsign=true, credential.helper=git-credential-notme. None is a secret.\n"
      "Signals are passed to the program; its exit status is notme's.\n\n"
      "Examples:\n"
      "  notme run --agent claude -- claude\n"
      "  notme run --agent ci -- git commit -m 'signed as the agent'\n"
      "  notme run --agent ci -- sh -c 'echo $NOTME_SOCKET'");
  run->callback([&ctx, o] { ctx.exit_code = RunRun(ctx, *o); });
}

}  // namespace notme::cli
