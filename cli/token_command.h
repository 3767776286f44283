#pragma once
// `notme token`: mint an access token for an agent and show what is inside it.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterTokenCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
