#include "cli/app.h"

#include "cli/cli11.h"
#include <iostream>
#include <memory>

#include "cli/docgen.h"
#include "notme/version.h"

namespace notme::cli {
namespace {

constexpr char kDescription[] =
    "notme gives coding agents their own identity: short-lived DPoP-bound tokens, git\n"
    "commits signed as the agent, and requests proxied with secrets they never see.";

constexpr char kFooter[] =
    "Examples:\n"
    "  notme status\n"
    "  notme agent add claude --scope git:sign\n"
    "  notme run --agent claude -- claude\n"
    "  notme doctor\n\n"
    "Run 'notme COMMAND --help' for a command's options and examples.\n"
    "Exit status: 0 ok, 1 failure, 2 usage error, 3 notmed not reachable.\n"
    "Environment: NOTME_SOCKET (the socket to use), NOTME_RUNTIME_DIR, XDG_RUNTIME_DIR,\n"
    "NO_COLOR (no colour even on a terminal).\n";

void AddGenerateCommand(CLI::App& app, CliContext& ctx) {
  auto kind = std::make_shared<std::string>();
  auto* gen = app.add_subcommand("__generate", "Generate a man page or shell completion");
  gen->group("");  // hidden: used by the build
  gen->add_option("KIND", *kind, "man | bash | zsh | fish")
      ->required()
      ->check(CLI::IsMember({"man", "bash", "zsh", "fish"}));
  gen->callback([&app, &ctx, kind] {
    std::cout << Generate(app, *kind);
    ctx.exit_code = 0;
  });
}

}  // namespace

int RunCli(int argc, char** argv, CliContext& ctx, const RegisterFn& register_commands) {
  CLI::App app(kDescription, "notme");
  app.set_version_flag("--version", std::string("notme ") + kVersion);
  app.add_option("--socket", ctx.socket_override,
                 "Talk to this socket instead of $NOTME_SOCKET or the control socket");
  app.require_subcommand(1);
  app.footer(kFooter);
  register_commands(app, ctx);
  AddGenerateCommand(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "notme: internal error: %s\n", e.what());
    return 1;
  }
  return ctx.exit_code;
}

}  // namespace notme::cli
