// notme: the command-line interface for humans and agents.
//
// Adding commands: write cli/<group>_command.h/.cpp exposing
//   void RegisterXxxCommands(CLI::App& app, CliContext& ctx);
// which adds its subcommands (with --json where they print data, a footer with
// examples, and a callback that sets ctx.exit_code — see cli/agent_command.cpp), then add
// one line below. cli/CMakeLists.txt compiles every cli/*.cpp into notme_cli by itself;
// man page and shell completions are generated from this tree at build time.
#include "cli/agent_command.h"
#include "cli/app.h"
#include "cli/audit_command.h"
#include "cli/doctor_command.h"
#include "cli/git_command.h"
#include "cli/mcp_command.h"
#include "cli/register_command.h"
#include "cli/revoke_command.h"
#include "cli/route_command.h"
#include "cli/run_command.h"
#include "cli/secret_command.h"
#include "cli/status_command.h"
#include "cli/token_command.h"

namespace {

void RegisterCommands(CLI::App& app, notme::cli::CliContext& ctx) {
  using namespace notme::cli;
  RegisterStatusCommands(app, ctx);
  RegisterAgentCommands(app, ctx);
  RegisterTokenCommands(app, ctx);
  RegisterRevokeCommands(app, ctx);
  RegisterAuditCommands(app, ctx);
  RegisterRunCommands(app, ctx);
  RegisterGitCommands(app, ctx);
  RegisterDoctorCommands(app, ctx);
  RegisterRegistrationCommands(app, ctx);
  RegisterSecretCommands(app, ctx);
  RegisterRouteCommands(app, ctx);
  RegisterMcpCommands(app, ctx);
}

}  // namespace

int main(int argc, char** argv) {
  notme::cli::CliContext ctx;
  return notme::cli::RunCli(argc, argv, ctx, RegisterCommands);
}
