#pragma once
// `notme route add|list|rm`: the proxy's routes (docs/proxy.md). A route names its
// upstream and the keyring secret injected into requests to it, never the secret's value.
// The daemon validates every field; control socket only.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterRouteCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
