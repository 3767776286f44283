#include "daemon/hardening.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <string>

namespace notme::daemon {
namespace {

TEST_SUITE("Hardening") {
  TEST_CASE("socket-activation fds are counted only for this pid") {
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    ::setenv("LISTEN_FDS", "2", 1);
    CHECK(InheritedListenFdCount() == 2);
    ::setenv("LISTEN_PID", "1", 1);
    CHECK(InheritedListenFdCount() == 0);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    ::setenv("LISTEN_FDS", "x", 1);
    CHECK(InheritedListenFdCount() == 0);
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    CHECK(InheritedListenFdCount() == 0);
  }

  TEST_CASE("inherited fds are closed in a child, activation fds kept") {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // fd 3 stands for an activation fd, a high fd for a leaked one.
      int a = ::open("/dev/null", O_RDONLY);
      int leaked = ::fcntl(a, F_DUPFD, 40);
      if (::dup2(a, 3) != 3) ::_exit(10);
      if (!CloseInheritedFds(1)) ::_exit(11);
      if (::fcntl(3, F_GETFD) < 0) ::_exit(12);
      if (::fcntl(leaked, F_GETFD) >= 0) ::_exit(13);
      if (!HardenProcess()) ::_exit(14);
      mode_t old = ::umask(0);
      ::_exit(old == 077 ? 0 : 15);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

}  // namespace
}  // namespace notme::daemon
