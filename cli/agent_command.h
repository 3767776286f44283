#pragma once
// `notme agent add|list|rm`: registering the agents notme gives an identity to.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterAgentCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
