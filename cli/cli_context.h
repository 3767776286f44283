#pragma once
// CliContext: what every `notme` command shares — the environment, output settings, the
// connection to notmed and the exit code. One per process, used from the main thread.
//
// Adding a command group (the pattern every cli/*_command.cpp follows):
//   // cli/foo_command.h
//   void RegisterFooCommands(CLI::App& app, CliContext& ctx);
//   // cli/foo_command.cpp: add subcommands; each callback sets ctx.exit_code, e.g.
//   //   sub->callback([&ctx, opts] { ctx.exit_code = RunFoo(ctx, *opts); });
// then one line in BuildApp() (cli/app.cpp). Every cli/*.cpp except main.cpp is compiled
// into notme_cli automatically (cli/CMakeLists.txt globs them).

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "notme/client.h"
#include "notme/exit_code.h"
#include "notme/paths.h"
#include "notme/result.h"

namespace CLI {
class App;
}

namespace notme::cli {

struct CliContext {
  EnvLookup env = ProcessEnv();
  // Global --socket PATH: overrides $NOTME_SOCKET and the control socket.
  std::string socket_override;
  // Set by a command's --json flag.
  bool json = false;
  // The command's exit status; callbacks assign it.
  int exit_code = 0;
  // The connection, created on first use.
  std::optional<client::Client> client;

  // The socket commands talk to: --socket, else $NOTME_SOCKET, else the control socket.
  Result<std::filesystem::path> Socket() const;
  // True when the commands talk to an agent socket through $NOTME_SOCKET or --socket.
  bool UsingAgentSocket() const;
  // The Client for Socket(), created once.
  Result<client::Client*> Client();
  // Resolved paths (runtime dir, control socket, agents dir).
  Result<Paths> ResolvedPaths() const;

  // Prints "notme: <DescribeError(e)>" to stderr and returns its exit status.
  int Fail(const Error& e) const;
  // Prints a usage error ("notme: msg" + "Run 'notme CMD --help'") and returns 2.
  int Usage(std::string_view command, std::string_view message) const;
  // Pretty-prints JSON on stdout (invalid UTF-8 replaced). Returns 0.
  int PrintJson(const nlohmann::json& j) const;
};

// Adds the `--json` flag bound to ctx.json.
void AddJsonFlag(CLI::App* command, CliContext& ctx);

}  // namespace notme::cli
