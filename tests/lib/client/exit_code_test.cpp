#include <doctest/doctest.h>

#include "notme/exit_code.h"

using namespace notme;
using namespace notme::client;

TEST_SUITE("ExitCode") {
  TEST_CASE("an unreachable daemon exits 3 and the message says how to start it") {
    Error e(ErrorCode::kDaemonUnreachable, "notmed is not running");
    CHECK(ExitStatus(ExitCodeFor(e)) == 3);
    CHECK(DescribeError(e).find("systemctl --user start notmed.socket") != std::string::npos);
    CHECK(DescribeError(e).find("notmed &") != std::string::npos);
  }
  TEST_CASE("a daemon that answers unavailable is a plain failure, not exit 3") {
    CHECK(ExitStatus(ExitCodeFor(Error(ErrorCode::kUnavailable, "keyring locked"))) == 1);
  }
  TEST_CASE("invalid arguments exit 2") {
    CHECK(ExitStatus(ExitCodeFor(Error(ErrorCode::kInvalidArgument, "x"))) == 2);
  }
  TEST_CASE("other errors exit 1 and carry no start hint") {
    Error e(ErrorCode::kInvalidScope, "scope not allowed");
    CHECK(ExitStatus(ExitCodeFor(e)) == 1);
    CHECK(DescribeError(e) == "scope not allowed");
  }
}
