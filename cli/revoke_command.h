#pragma once
// `notme revoke --agent NAME | --jti ID | --all`.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterRevokeCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
