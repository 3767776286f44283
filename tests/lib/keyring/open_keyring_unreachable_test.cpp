// OpenKeyring without a reachable Secret Service. Each case sets the environment itself
// (before libsecret ever connects in this process), so the machine's own session bus, if
// any, plays no part.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "keyring/open_keyring.h"
#include "lib/keyring/keyring_test_util.h"
#include "test_util.h"

namespace notme::keyring {
namespace {

// A private XDG_RUNTIME_DIR without a `bus` socket, so GDBus finds no bus there.
void UseEmptyRuntimeDir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/notme-kr-test.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    return std::string(tmpl);
  }();
  REQUIRE(setenv("XDG_RUNTIME_DIR", dir.c_str(), 1) == 0);
  unsetenv("DISPLAY");
}

void ExpectEphemeralWithWarning() {
  std::string warning;
  auto k = OpenKeyring(Mode::kAuto, &warning);
  REQUIRE(k.has_value());
  CHECK((*k)->Backend() == "ephemeral");
  CHECK(warning.find("ephemeral") != std::string::npos);
  CHECK(warning.find("Secret Service") != std::string::npos);
  // The fallback is a working keyring.
  REQUIRE((*k)->Store("ssh-ca", testing::Secret("seed"), "ca").has_value());
  CHECK(testing::Reveal(*(*k)->Lookup("ssh-ca")) == testing::Bytes("seed"));
}

void ExpectSecretServiceFailsClosed() {
  std::string warning;
  auto k = OpenKeyring(Mode::kSecretService, &warning);
  REQUIRE_FALSE(k.has_value());
  CHECK(k.error().code() == ErrorCode::kUnavailable);
}

bool Mapped(const std::string& library) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find(library) != std::string::npos;
}

}  // namespace

TEST_SUITE("OpenKeyringUnreachable") {
  TEST_CASE("ephemeral and a missing session bus never load libsecret or GLib") {
    // In a child, so that no other case of this binary has loaded them yet.
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      UseEmptyRuntimeDir();
      unsetenv("DBUS_SESSION_BUS_ADDRESS");
      if (!OpenKeyring(Mode::kEphemeral, nullptr)) ::_exit(10);
      if (OpenKeyring(Mode::kSecretService, nullptr)) ::_exit(11);
      auto k = OpenKeyring(Mode::kAuto, nullptr);
      if (!k || (*k)->Backend() != "ephemeral") ::_exit(12);
      if (Mapped("libsecret-1.so") || Mapped("libglib-2.0.so") || Mapped("libgio-2.0.so")) {
        ::_exit(13);
      }
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  TEST_CASE("without a session bus, auto falls back to ephemeral with a warning") {
    UseEmptyRuntimeDir();
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
    ExpectEphemeralWithWarning();
  }

  TEST_CASE("without a session bus, secret-service fails closed") {
    UseEmptyRuntimeDir();
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
    ExpectSecretServiceFailsClosed();
  }

  TEST_CASE("with a bus address nobody listens on, auto falls back with a warning") {
    UseEmptyRuntimeDir();
    REQUIRE(setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/notme-test-bus", 1) == 0);
    ExpectEphemeralWithWarning();
  }

  TEST_CASE("with a bus address nobody listens on, secret-service fails closed") {
    UseEmptyRuntimeDir();
    REQUIRE(setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/notme-test-bus", 1) == 0);
    ExpectSecretServiceFailsClosed();
  }

  TEST_CASE("a libsecret that cannot be loaded fails closed and says which library") {
    if (std::getenv("NOTME_TEST_BOGUS_LIBSECRET") != nullptr) {
      // The re-executed child: its LD_LIBRARY_PATH finds a libsecret-1.so.0 that is not
      // a library. A bus address is set, so Connect gets as far as loading libsecret.
      UseEmptyRuntimeDir();
      REQUIRE(setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/notme-test-bus", 1) == 0);
      auto strict = OpenKeyring(Mode::kSecretService, nullptr);
      REQUIRE_FALSE(strict);
      CHECK(strict.error().code() == ErrorCode::kUnavailable);
      CHECK(strict.error().message().find("cannot load libsecret-1.so.0") != std::string::npos);
      std::string warning;
      auto fallback = OpenKeyring(Mode::kAuto, &warning);
      REQUIRE(fallback);
      CHECK((*fallback)->Backend() == "ephemeral");
      CHECK(warning.find("libsecret-1.so.0") != std::string::npos);
      return;
    }
    CHECK(notme::testing::RunSelfWithBogusLibrary("libsecret-1.so.0", "NOTME_TEST_BOGUS_LIBSECRET",
                                                  "a libsecret that cannot be loaded*") == 0);
  }

  TEST_CASE("a null warning pointer is allowed") {
    UseEmptyRuntimeDir();
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
    auto k = OpenKeyring(Mode::kAuto, nullptr);
    REQUIRE(k.has_value());
    CHECK((*k)->Backend() == "ephemeral");
  }
}

}  // namespace notme::keyring
