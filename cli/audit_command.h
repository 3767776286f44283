#pragma once
// `notme audit [--follow] [--agent NAME]`: the daemon's audit trail.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterAuditCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
