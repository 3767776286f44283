#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "notme/client_socket.h"

namespace fs = std::filesystem;
using namespace notme;
using notme::client::CheckSocket;
using notme::client::ResolveClientSocket;

namespace {

EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](std::string_view k) -> std::optional<std::string> {
    auto it = m.find(std::string(k));
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/notme-clt-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void Bind(const fs::path& p) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, p.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::close(fd);
  ::chmod(p.c_str(), 0600);
}

}  // namespace

TEST_SUITE("ResolveClientSocket") {
  TEST_CASE("NOTME_SOCKET wins over the control socket") {
    auto s = ResolveClientSocket(MapEnv({{"NOTME_SOCKET", "/run/x/agents/a.sock"}, {"HOME", "/h"}}), 1000);
    REQUIRE(s);
    CHECK(*s == "/run/x/agents/a.sock");
  }
  TEST_CASE("without NOTME_SOCKET the control socket of the runtime dir is used") {
    auto s = ResolveClientSocket(MapEnv({{"XDG_RUNTIME_DIR", "/run/user/7"}, {"HOME", "/h"}}), 7);
    REQUIRE(s);
    CHECK(*s == "/run/user/7/notme/control.sock");
  }
  TEST_CASE("a relative NOTME_SOCKET is refused") {
    auto s = ResolveClientSocket(MapEnv({{"NOTME_SOCKET", "agents/a.sock"}, {"HOME", "/h"}}), 1);
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == ErrorCode::kConfig);
  }
  TEST_CASE("NOTME_SOCKET works without HOME") {
    CHECK(ResolveClientSocket(MapEnv({{"NOTME_SOCKET", "/s.sock"}}), 1));
  }
}

TEST_SUITE("CheckSocket") {
  TEST_CASE("a private socket in a private directory is accepted") {
    TempDir d;
    Bind(d.path / "c.sock");
    CHECK(CheckSocket(d.path / "c.sock", ::getuid()));
  }
  TEST_CASE("a missing socket means the daemon is not running") {
    TempDir d;
    auto r = CheckSocket(d.path / "none.sock", ::getuid());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kDaemonUnreachable);
  }
  TEST_CASE("a missing directory means the daemon is not running") {
    auto r = CheckSocket("/tmp/notme-clt-does-not-exist/x/c.sock", ::getuid());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kDaemonUnreachable);
  }
  TEST_CASE("a group- or world-accessible socket is refused with the fix") {
    TempDir d;
    Bind(d.path / "c.sock");
    ::chmod((d.path / "c.sock").c_str(), 0666);
    auto r = CheckSocket(d.path / "c.sock", ::getuid());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsafePath);
    CHECK(r.error().message().find("chmod 600") != std::string::npos);
  }
  TEST_CASE("a regular file is not a socket") {
    TempDir d;
    { std::FILE* f = std::fopen((d.path / "c.sock").c_str(), "w"); std::fclose(f); }
    auto r = CheckSocket(d.path / "c.sock", ::getuid());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsafePath);
  }
  TEST_CASE("a symlink to a good socket is refused") {
    TempDir d;
    Bind(d.path / "real.sock");
    fs::create_symlink(d.path / "real.sock", d.path / "c.sock");
    auto r = CheckSocket(d.path / "c.sock", ::getuid());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsafePath);
  }
  TEST_CASE("a socket owned by someone else is refused") {
    TempDir d;
    Bind(d.path / "c.sock");
    auto r = CheckSocket(d.path / "c.sock", ::getuid() + 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsafePath);
  }
  TEST_CASE("a socket in a world-writable directory is refused") {
    TempDir d;
    Bind(d.path / "c.sock");
    ::chmod(d.path.c_str(), 0777);
    auto r = CheckSocket(d.path / "c.sock", ::getuid());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsafePath);
  }
}
