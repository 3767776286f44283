#pragma once
// `notme register`, `notme claim`, `notme registration list|rm` (docs/registration.md):
// agentic registration performed by notmed — the credential goes from the service to the
// keyring and never through this process's output.

#include "cli/cli_context.h"

namespace notme::cli {

void RegisterRegistrationCommands(CLI::App& app, CliContext& ctx);

}  // namespace notme::cli
