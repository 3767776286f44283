#include "notme/exit_code.h"

namespace notme::client {

ExitCode ExitCodeFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kDaemonUnreachable: return ExitCode::kDaemonUnreachable;
    case ErrorCode::kInvalidArgument: return ExitCode::kUsage;
    default: return ExitCode::kFailure;
  }
}

std::string StartDaemonHint() {
  return "Start the daemon with:  systemctl --user start notmed.socket\n"
         "                   or:  notmed &";
}

std::string DescribeError(const Error& error) {
  if (error.code() == ErrorCode::kDaemonUnreachable) {
    return error.message() + "\n" + StartDaemonHint();
  }
  return error.message();
}

}  // namespace notme::client
