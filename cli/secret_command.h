#pragma once
// `notme secret set|list|rm`: upstream secrets kept in the OS keyring by notmed
// (docs/proxy.md). The value is read from stdin only (never argv or the environment);
// on a terminal it is not echoed. Control socket only.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterSecretCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
