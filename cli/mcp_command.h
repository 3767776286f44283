#pragma once
// `notme mcp ROUTE`: a stdio MCP server that relays the MCP client's JSON-RPC to the
// route's Streamable HTTP MCP endpoint through notmed's proxy, so the secret the upstream
// needs is injected by the daemon and never reaches the client (docs/mcp.md).
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterMcpCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
