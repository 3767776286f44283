#pragma once
// `notme doctor`: checks the installation and says how to fix each problem.
#include "cli/cli_context.h"
namespace notme::cli {
void RegisterDoctorCommands(CLI::App& app, CliContext& ctx);
}  // namespace notme::cli
