#pragma once
// Exit codes of notme's programs (CONTRACT.md "CLI") and the message a user sees for an
// Error. Stateless and thread-safe.

#include <string>

#include "notme/result.h"

namespace notme::client {

enum class ExitCode : int {
  kOk = 0,
  kFailure = 1,
  kUsage = 2,            // bad arguments
  kDaemonUnreachable = 3,
};

// kDaemonUnreachable → 3, kInvalidArgument → 2, anything else → 1.
ExitCode ExitCodeFor(const Error& error);
inline int ExitStatus(ExitCode code) { return static_cast<int>(code); }

// How to start the daemon, one line per way (systemd socket unit, or in the background).
std::string StartDaemonHint();

// The text to print after "<program>: ": the error message, plus StartDaemonHint() for
// kDaemonUnreachable. No trailing newline.
std::string DescribeError(const Error& error);

}  // namespace notme::client
