#include "daemon/systemd.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace notme::daemon {
namespace {

constexpr pid_t kSelf = 4242;

Result<std::multimap<std::string, int>> Parse(const char* pid, const char* fds,
                                              const char* names = nullptr) {
  return ParseListenFds(pid, fds, names, kSelf);
}

void CheckRefused(const char* pid, const char* fds, const char* names = nullptr) {
  CAPTURE(pid);
  CAPTURE(fds);
  CAPTURE(names == nullptr ? "(unset)" : names);
  auto r = Parse(pid, fds, names);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == ErrorCode::kConfig);
  CHECK(r.error().message().find("refusing to start") != std::string::npos);
}

// A datagram socket bound to `address` (a path, or "@name" for the abstract namespace).
class Receiver {
 public:
  explicit Receiver(const std::string& address) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, address.data(), address.size());
    if (address[0] == '@') addr.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                                               (address[0] == '@' ? 0 : 1));
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), length) == 0);
  }
  ~Receiver() { ::close(fd_); }
  std::string Receive() {
    char buf[256];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n < 0 ? std::string("(nothing)") : std::string(buf, static_cast<size_t>(n));
  }

 private:
  int fd_ = -1;
};

TEST_SUITE("SystemdListenFds") {
  TEST_CASE("without LISTEN_PID or LISTEN_FDS nothing was passed") {
    CHECK(Parse(nullptr, nullptr)->empty());
    CHECK(Parse("4242", nullptr)->empty());
    CHECK(Parse(nullptr, "1")->empty());
  }

  TEST_CASE("variables meant for another process are ignored") {
    CHECK(Parse("1", "2", "control:other")->empty());
    CHECK(Parse("4243", "1")->empty());
  }

  TEST_CASE("named fds start at 3 in order") {
    auto r = Parse("4242", "2", "control:extra");
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK(r->find("control")->second == 3);
    CHECK(r->find("extra")->second == 4);
  }

  TEST_CASE("fds without LISTEN_FDNAMES are named unknown") {
    auto r = Parse("4242", "3");
    REQUIRE(r);
    CHECK(r->count("unknown") == 3);
  }

  TEST_CASE("malformed numbers are refused") {
    for (const char* bad :
         {"", "0", "-1", "+1", " 1", "1 ", "01", "1x", "x", "0x10", "99999999999999999999999"}) {
      CheckRefused("4242", bad);
      CheckRefused(bad, "1");
    }
  }

  TEST_CASE("more than 64 fds are refused") {
    CheckRefused("4242", "65");
    CheckRefused("4242", "100000");
    CHECK(Parse("4242", "64"));
  }

  TEST_CASE("a name count different from LISTEN_FDS is refused") {
    CheckRefused("4242", "1", "control:extra");
    CheckRefused("4242", "2", "control");
    CheckRefused("4242", "1", "");
  }

  TEST_CASE("empty, overlong and non-printable names are refused") {
    CheckRefused("4242", "2", "control:");
    CheckRefused("4242", "2", ":control");
    CheckRefused("4242", "1", "con trol");
    CheckRefused("4242", "1", "con\ntrol");
    CheckRefused("4242", "1", "con\x7ftrol");
    CheckRefused("4242", "1", "caf\xc3\xa9");
    const std::string overlong(256, 'a');
    CheckRefused("4242", "1", overlong.c_str());
    const std::string longest(255, 'a');
    CHECK(Parse("4242", "1", longest.c_str()));
  }

  TEST_CASE("taking the fds checks they are sockets and unsets the variables") {
    // In a child: fd 3 and 4 set up as a socket-activating manager would.
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) ::_exit(10);
      if (::dup2(pair[0], 3) != 3 || ::dup2(pair[1], 4) != 4) ::_exit(11);
      ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
      ::setenv("LISTEN_FDS", "2", 1);
      ::setenv("LISTEN_FDNAMES", "control:b", 1);
      auto fds = TakeListenFds();
      if (!fds || fds->size() != 2 || fds->find("control")->second != 3) ::_exit(12);
      if (std::getenv("LISTEN_PID") || std::getenv("LISTEN_FDS") || std::getenv("LISTEN_FDNAMES")) {
        ::_exit(13);
      }
      // fd 4 is now a regular file: refused.
      if (::dup2(::open("/dev/null", O_RDONLY), 4) != 4) ::_exit(14);
      ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
      ::setenv("LISTEN_FDS", "2", 1);
      auto refused = TakeListenFds();
      if (refused || refused.error().code() != ErrorCode::kConfig) ::_exit(15);
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

TEST_SUITE("SystemdNotify") {
  TEST_CASE("a state reaches a socket named by path") {
    char dir[] = "/tmp/notme-sdn-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/notify";
    {
      Receiver receiver(path);
      REQUIRE(NotifyTo(path.c_str(), "READY=1"));
      CHECK(receiver.Receive() == "READY=1");
      REQUIRE(NotifyTo(path.c_str(), "STOPPING=1"));
      CHECK(receiver.Receive() == "STOPPING=1");
    }
    ::unlink(path.c_str());
    ::rmdir(dir);
  }

  TEST_CASE("a state reaches an abstract socket named with @") {
    const std::string name = "@notme-sdn-test-" + std::to_string(::getpid());
    Receiver receiver(name);
    REQUIRE(NotifyTo(name.c_str(), "READY=1"));
    CHECK(receiver.Receive() == "READY=1");
  }

  TEST_CASE("without NOTIFY_SOCKET nothing is sent and nothing fails") {
    CHECK(NotifyTo(nullptr, "READY=1"));
    CHECK(NotifyTo("", "READY=1"));
  }

  TEST_CASE("relative, bare-@ and overlong addresses are refused") {
    const std::string overlong = "/" + std::string(200, 'a');
    for (const char* bad : {"notify", "./notify", "@", "vsock:2:1234", overlong.c_str()}) {
      CAPTURE(bad);
      auto r = NotifyTo(bad, "READY=1");
      REQUIRE_FALSE(r);
      CHECK(r.error().code() == ErrorCode::kConfig);
    }
  }

  TEST_CASE("a socket nobody listens on is an I/O error") {
    auto r = NotifyTo("/nonexistent-notme-dir/notify", "READY=1");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() != ErrorCode::kConfig);
  }
}

}  // namespace
}  // namespace notme::daemon
