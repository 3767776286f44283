#pragma once
// Running programs without a shell: `notme run`'s child (with signal forwarding and its
// exit status passed through) and short captured commands for `notme doctor`.
// Not thread-safe: RunForwardingSignals installs process-wide signal handlers for the
// duration of the call.

#include <chrono>
#include <string>
#include <vector>

#include "notme/result.h"

namespace notme::cli {

// fork + execvp(argv[0]) with `env` as the child's whole environment. While the child
// runs, SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to this process by another process
// (kill, systemd) are forwarded to the child; signals the terminal generates already
// reach the child (same process group) and are not sent twice. Answers the child's exit
// status, or 128 + the signal number that killed it; 127 when the program is not found,
// 126 when it cannot be executed (with a message on stderr, like a shell).
// Errors: kInvalidArgument for an empty argv, kIo when fork fails.
Result<int> RunForwardingSignals(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env);

struct Captured {
  int status = 0;      // exit status, 128+signal, or 127 when not found
  std::string output;  // stdout (at most 64 KiB; stderr discarded)
};

// Runs argv (PATH search, current environment, stdin from /dev/null) and captures its
// stdout; kills it after `timeout`. Errors: kIo when it cannot start, kTimeout.
Result<Captured> RunCapture(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout);

// The absolute path of a sibling program: next to the running executable, then (in a
// build tree) ../shim/, then on PATH. Empty when not found.
std::string FindHelperProgram(const std::string& name);

}  // namespace notme::cli
