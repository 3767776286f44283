#pragma once
// `notme git setup` and `notme git allowed-signers` (issue 5, docs/ssh-signing.md).

namespace CLI {
class App;
}

namespace notme::cli {

struct CliContext;

// Adds `git setup [--global|--local] [--email E] [--sign-commits]` and
// `git allowed-signers [--email E] [--json]`.
void RegisterGitCommands(CLI::App& app, CliContext& ctx);

}  // namespace notme::cli
