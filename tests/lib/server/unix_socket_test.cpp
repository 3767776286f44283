#include "server/unix_socket.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace notme::server {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/nmsockXXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

TEST_SUITE("ListenUnixSocket") {
  TEST_CASE("the socket file is owner-only 0600") {
    TempDir d;
    auto s = ListenUnixSocket(d.path + "/a.sock", ::getuid());
    REQUIRE(s.has_value());
    struct stat st{};
    REQUIRE(::lstat((d.path + "/a.sock").c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0600);
    RemoveSocketFile(*s);
    CHECK_FALSE(std::filesystem::exists(d.path + "/a.sock"));
  }

  TEST_CASE("a stale socket is replaced") {
    TempDir d;
    auto first = ListenUnixSocket(d.path + "/a.sock", ::getuid());
    REQUIRE(first.has_value());
    first->fd.Reset();  // the old daemon died; its file remains
    auto second = ListenUnixSocket(d.path + "/a.sock", ::getuid());
    CHECK(second.has_value());
  }

  TEST_CASE("a regular file at the socket path is refused and left alone") {
    TempDir d;
    std::ofstream(d.path + "/a.sock") << "keep me";
    auto s = ListenUnixSocket(d.path + "/a.sock", ::getuid());
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code() == ErrorCode::kUnsafePath);
    CHECK(std::filesystem::file_size(d.path + "/a.sock") == 7);
  }

  TEST_CASE("a symlink at the socket path is refused") {
    TempDir d;
    std::filesystem::create_symlink("/tmp", d.path + "/a.sock");
    auto s = ListenUnixSocket(d.path + "/a.sock", ::getuid());
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code() == ErrorCode::kUnsafePath);
    CHECK(std::filesystem::is_symlink(d.path + "/a.sock"));
  }

  TEST_CASE("a directory at the socket path is refused") {
    TempDir d;
    std::filesystem::create_directory(d.path + "/a.sock");
    CHECK_FALSE(ListenUnixSocket(d.path + "/a.sock", ::getuid()).has_value());
  }

  TEST_CASE("a path longer than sun_path is refused") {
    TempDir d;
    auto s = ListenUnixSocket(d.path + "/" + std::string(120, 'a'), ::getuid());
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("removal leaves a socket that replaced ours alone") {
    TempDir d;
    auto first = ListenUnixSocket(d.path + "/a.sock", ::getuid());
    REQUIRE(first.has_value());
    auto second = ListenUnixSocket(d.path + "/a.sock", ::getuid());
    REQUIRE(second.has_value());
    RemoveSocketFile(*first);
    CHECK(std::filesystem::exists(d.path + "/a.sock"));
  }

  TEST_CASE("an inherited listener must be a listening Unix stream socket") {
    TempDir d;
    auto s = ListenUnixSocket(d.path + "/a.sock", ::getuid());
    REQUIRE(s.has_value());
    CHECK(CheckInheritedUnixListener(s->fd.get()).has_value());
    CHECK_FALSE(CheckInheritedUnixListener(0).has_value());
  }
}

}  // namespace
}  // namespace notme::server

#include "server/tcp_listener.h"

namespace notme::server {
namespace {

TEST_SUITE("ParseLoopbackAddress") {
  TEST_CASE("loopback addresses are accepted") {
    CHECK(ParseLoopbackAddress("127.0.0.1:8080")->port == 8080);
    CHECK(ParseLoopbackAddress("localhost:1")->host == "127.0.0.1");
    CHECK(ParseLoopbackAddress("[::1]:443")->host == "::1");
  }
  TEST_CASE("anything that is not loopback, or a bad port, is refused") {
    for (const char* bad : {"0.0.0.0:80", "192.168.1.1:80", "[::]:80", "example.com:80",
                            "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                            "127.0.0.1:8x", ":80"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseLoopbackAddress(bad).has_value());
    }
  }
  TEST_CASE("a loopback listener binds and reports its port") {
    auto s = ListenTcpLoopback({"127.0.0.1", 0});
    REQUIRE(s.has_value());
    auto port = BoundPort(s->fd.get());
    REQUIRE(port.has_value());
    CHECK(*port != 0);
  }
}

}  // namespace
}  // namespace notme::server
