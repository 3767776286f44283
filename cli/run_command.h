#pragma once
// `notme run --agent NAME -- CMD...`: run a program as an agent.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterRunCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
