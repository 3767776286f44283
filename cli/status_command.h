#pragma once
// `notme status`: is notmed running, and what it holds.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterStatusCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
