#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli/child_process.h"

using namespace notme::cli;

TEST_SUITE("RunForwardingSignals") {
  TEST_CASE("the child's exit status is returned") {
    auto r = RunForwardingSignals({"sh", "-c", "exit 7"}, {"PATH=/usr/bin:/bin"});
    REQUIRE(r);
    CHECK(*r == 7);
  }
  TEST_CASE("the child sees exactly the environment given") {
    auto r = RunForwardingSignals({"sh", "-c", "test \"$FOO\" = bar && test -z \"$HOME\""},
                                  {"PATH=/usr/bin:/bin", "FOO=bar"});
    REQUIRE(r);
    CHECK(*r == 0);
  }
  TEST_CASE("a missing program gives 127") {
    auto r = RunForwardingSignals({"notme-no-such-program-xyz"}, {"PATH=/usr/bin:/bin"});
    REQUIRE(r);
    CHECK(*r == 127);
  }
  TEST_CASE("a child killed by a signal gives 128 plus the signal") {
    auto r = RunForwardingSignals({"sh", "-c", "kill -TERM $$"}, {"PATH=/usr/bin:/bin"});
    REQUIRE(r);
    CHECK(*r == 128 + SIGTERM);
  }
  TEST_CASE("SIGTERM sent to notme by another process reaches the child") {
    std::thread killer([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      ::kill(::getpid(), SIGTERM);
    });
    auto r = RunForwardingSignals({"sleep", "10"}, {"PATH=/usr/bin:/bin"});
    killer.join();
    REQUIRE(r);
    CHECK(*r == 128 + SIGTERM);
  }
  TEST_CASE("an empty command is refused") { CHECK_FALSE(RunForwardingSignals({}, {})); }
}

TEST_SUITE("RunCapture") {
  TEST_CASE("stdout is captured with the exit status") {
    auto r = RunCapture({"sh", "-c", "echo hi; exit 3"}, std::chrono::seconds(5));
    REQUIRE(r);
    CHECK(r->output == "hi\n");
    CHECK(r->status == 3);
  }
  TEST_CASE("a program that runs too long is killed") {
    auto r = RunCapture({"sleep", "10"}, std::chrono::milliseconds(200));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == notme::ErrorCode::kTimeout);
  }
}
