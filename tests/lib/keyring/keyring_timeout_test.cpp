// A session bus that accepts connections and never answers (a wedged bus or keyring):
// every keyring call must give up within its timeout instead of hanging the daemon.
// Own executable: GLib's session-bus singleton is left half-initialised afterwards.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "keyring/open_keyring.h"
#include "keyring/secret_service_keyring.h"

namespace notme::keyring {
namespace {

// Listens on a fresh Unix socket and never accepts: connect(2) succeeds, then silence.
std::string SilentBus() {
  static std::string address = [] {
    char tmpl[] = "/tmp/notme-kr-bus.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    const std::string path = std::string(tmpl) + "/bus";
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(listen(fd, 16) == 0);
    return "unix:path=" + path;  // fd stays open for the life of the process
  }();
  return address;
}

}  // namespace

TEST_SUITE("KeyringTimeout") {
  TEST_CASE("connecting to a bus that never answers times out") {
    REQUIRE(setenv("DBUS_SESSION_BUS_ADDRESS", SilentBus().c_str(), 1) == 0);
    const auto start = std::chrono::steady_clock::now();
    auto k = SecretServiceKeyring::Connect(std::chrono::milliseconds(300));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(k.has_value());
    CHECK(k.error().code() == ErrorCode::kTimeout);
    CHECK(elapsed < std::chrono::seconds(5));
  }

  TEST_CASE("auto mode gives up on a silent bus and falls back to ephemeral") {
    REQUIRE(setenv("DBUS_SESSION_BUS_ADDRESS", SilentBus().c_str(), 1) == 0);
    std::string warning;
    const auto start = std::chrono::steady_clock::now();
    auto k = OpenKeyring(Mode::kAuto, &warning);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE(k.has_value());
    CHECK((*k)->Backend() == "ephemeral");
    CHECK(warning.find("did not answer") != std::string::npos);
    CHECK(elapsed < std::chrono::seconds(10));
  }

  TEST_CASE("secret-service mode fails closed on a silent bus") {
    REQUIRE(setenv("DBUS_SESSION_BUS_ADDRESS", SilentBus().c_str(), 1) == 0);
    auto k = OpenKeyring(Mode::kSecretService, nullptr);
    REQUIRE_FALSE(k.has_value());
    const ErrorCode code = k.error().code();
    CHECK((code == ErrorCode::kTimeout || code == ErrorCode::kUnavailable));
  }
}

}  // namespace notme::keyring
