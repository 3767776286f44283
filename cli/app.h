#pragma once
// The notme command tree and its runner. Command groups register themselves through a
// function passed in by main (see cli/main.cpp for the list and the pattern).

#include <functional>

#include "cli/cli_context.h"

namespace notme::cli {

using RegisterFn = std::function<void(CLI::App& app, CliContext& ctx)>;

// Builds the tree (global options, the groups `register_commands` adds, and the hidden
// `__generate` command for man pages and completions), parses argv, runs the chosen
// command. Returns the exit status: the command's, 0 for --help/--version, 2 for any
// argument error.
int RunCli(int argc, char** argv, CliContext& ctx, const RegisterFn& register_commands);

}  // namespace notme::cli
