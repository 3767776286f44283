#include "server/http_server.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "notme/thread_annotations.h"
#include "server/connection_context.h"
#include "server/event_loop.h"
#include "server/http_response.h"
#include "server/unix_socket.h"
#include "server_test_util.h"

namespace notme::server {
namespace {

using testing::ConnectUnix;
using testing::ReadAll;
using testing::ReadUntil;
using testing::RoundTrip;
using testing::SendAll;
using testing::StatusOf;

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/nmsrvXXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

ServerLimits FastLimits() {
  ServerLimits l;
  l.io_timeout = std::chrono::milliseconds(300);
  l.request_timeout = std::chrono::milliseconds(800);
  l.keep_alive_timeout = std::chrono::milliseconds(300);
  l.max_body_bytes = 1024;
  l.max_head_bytes = 2048;
  return l;
}

struct Fixture {
  explicit Fixture(SocketIdentity id = SocketIdentity::Control(), size_t max_threads = 8,
                   uid_t expect = ::getuid())
      : pool(WorkerPool::Options{max_threads, 1, std::chrono::milliseconds(1000)}),
        server(std::move(id), expect, pool, FastLimits(),
               [this](const SocketIdentity&, const PeerInfo& peer, std::string_view reason) {
                 refused_pid = peer.pid;
                 refused_reason = std::string(reason);
                 refused.fetch_add(1);
               }) {
    sock = dir.path + "/s.sock";
    server.Get("/who", [](const Request&, Response& res) {
      const ConnectionContext* c = CurrentConnection();
      REQUIRE(c != nullptr);
      SendJson(res, 200,
               {{"socket", c->socket.Describe()}, {"uid", c->peer.uid}, {"pid", c->peer.pid}});
    });
    server.Post("/echo",
                [](const Request& req, Response& res) { res.set_content(req.body, "text/plain"); });
    server.Get("/big", [](const Request&, Response& res) {
      res.set_content(std::string(64 * 1024, 'b'), "text/plain");
    });
    server.Get("/slow", [](const Request&, Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      res.set_content("ok", "text/plain");
    });
    server.Get(R"(/p/[\s\S]*)", [](const Request& req, Response& res) {
      res.set_content("prefix:" + req.path, "text/plain");
    });
    server.Get("/q/([a-z]+)", [](const Request& req, Response& res) {
      res.set_content("regex:" + req.matches[1].str(), "text/plain");
    });
    auto bound = ListenUnixSocket(sock, ::getuid());
    REQUIRE(bound.has_value());
    REQUIRE(server.Start(std::move(*bound)).has_value());
  }
  TempDir dir;
  std::string sock;
  WorkerPool pool;
  std::atomic<int> refused{0};
  pid_t refused_pid = 0;
  std::string refused_reason;
  UnixHttpServer server;
};

TEST_SUITE("UnixHttpServer") {
  TEST_CASE("a handler sees the socket identity and the kernel's peer credentials") {
    Fixture f(SocketIdentity::Agent("bot"));
    std::string r = RoundTrip(f.sock, "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    CHECK(r.find("\"socket\":\"agent:bot\"") != std::string::npos);
    CHECK(r.find("\"uid\":" + std::to_string(::getuid())) != std::string::npos);
    CHECK(r.find("\"pid\":" + std::to_string(::getpid())) != std::string::npos);
    CHECK(r.find("Cache-Control: no-store") != std::string::npos);
  }

  TEST_CASE("a peer with another uid is refused without an answer and reported") {
    Fixture f(SocketIdentity::Control(), 8, ::getuid() + 1);
    std::string r = RoundTrip(f.sock, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(r.empty());
    for (int i = 0; i < 100 && f.refused.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(f.refused.load() == 1);
    CHECK(f.refused_reason == "peer_uid_mismatch");
    CHECK(f.refused_pid == ::getpid());
  }

  TEST_CASE("keep-alive serves several requests on one connection") {
    Fixture f;
    int fd = ConnectUnix(f.sock);
    REQUIRE(fd >= 0);
    SendAll(fd, "GET /who HTTP/1.1\r\nHost: x\r\n\r\nGET /who HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string r = ReadAll(fd, 500);
    ::close(fd);
    size_t first = r.find("HTTP/1.1 200");
    REQUIRE(first != std::string::npos);
    CHECK(r.find("HTTP/1.1 200", first + 1) != std::string::npos);
  }

  TEST_CASE("a literal-plus-any-rest route matches by prefix, decoded CR/LF included") {
    Fixture f;
    std::string r =
        RoundTrip(f.sock, "GET /p/a/b%0d%0ac HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    CHECK(r.find("prefix:/p/a/b\r\nc") != std::string::npos);
    CHECK(StatusOf(RoundTrip(f.sock, "GET /p/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) ==
          200);
    CHECK(StatusOf(RoundTrip(f.sock, "GET /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) ==
          404);
    CHECK(StatusOf(RoundTrip(f.sock,
                             "GET /px/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 404);
    CHECK(StatusOf(RoundTrip(f.sock,
                             "POST /p/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                             "Content-Length: 0\r\n\r\n")) == 404);
    r = RoundTrip(f.sock, "GET /q/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(r.find("regex:abc") != std::string::npos);
    CHECK(StatusOf(RoundTrip(
              f.sock, "GET /q/ab1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 404);
  }

  TEST_CASE("a body above the limit is refused with 413 before it is read") {
    Fixture f;
    std::string r =
        RoundTrip(f.sock, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    CHECK(StatusOf(r) == 413);
    CHECK(r.find("\"error\":\"invalid_request\"") != std::string::npos);
  }

  TEST_CASE("a body within the limit is echoed") {
    Fixture f;
    std::string r = RoundTrip(
        f.sock,
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    CHECK(StatusOf(r) == 200);
    CHECK(r.substr(r.size() - 5) == "hello");
  }

  TEST_CASE("chunked bodies are refused outside streaming routes") {
    Fixture f;
    std::string r = RoundTrip(f.sock,
                              "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                              "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    CHECK(StatusOf(r) == 411);
  }

  TEST_CASE("two Content-Length headers are refused") {
    Fixture f;
    std::string r = RoundTrip(
        f.sock,
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
    CHECK(StatusOf(r) == 400);
  }

  TEST_CASE("a malformed Content-Length is refused") {
    Fixture f;
    for (const char* v : {"-1", "1x", "", "99999999999999999999999"}) {
      std::string r =
          RoundTrip(f.sock, std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ") + v +
                                "\r\n\r\n");
      CHECK(StatusOf(r) == 400);
    }
  }

  TEST_CASE("endless headers are cut off by the head budget") {
    Fixture f;
    int fd = ConnectUnix(f.sock);
    std::string req = "GET /who HTTP/1.1\r\n";
    for (int i = 0; i < 200; ++i)
      req += "X-Pad-" + std::to_string(i) + ": aaaaaaaaaaaaaaaaaaaa\r\n";
    SendAll(fd, req);
    std::string r = ReadAll(fd, 1500);
    ::close(fd);
    CHECK(StatusOf(r) == 431);
  }

  TEST_CASE("garbage instead of a request line gets 400") {
    Fixture f;
    std::string r = RoundTrip(f.sock, "\x01\x02\xff garbage\r\n\r\n");
    CHECK(StatusOf(r) == 400);
  }

  TEST_CASE("an unknown path gets 404 with an error JSON body") {
    Fixture f;
    std::string r = RoundTrip(f.sock, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 404);
    CHECK(r.find("\"error\":\"not_found\"") != std::string::npos);
  }

  TEST_CASE("a silent client is dropped after the read timeout without blocking others") {
    Fixture f(SocketIdentity::Control(), 2);
    int idle = ConnectUnix(f.sock);
    REQUIRE(idle >= 0);
    std::string r = RoundTrip(f.sock, "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    // The silent one is closed by the server: recv sees EOF within the timeout.
    std::string nothing = ReadAll(idle, 2000);
    CHECK(nothing.empty());
    ::close(idle);
  }

  TEST_CASE("a client dribbling bytes is cut off by the request deadline") {
    Fixture f;
    int fd = ConnectUnix(f.sock);
    auto start = std::chrono::steady_clock::now();
    const std::string req = "GET /who HTTP/1.1\r\nHost: xxxxxxxxxxxxxxxxxxxx\r\n";
    bool closed = false;
    for (char c : req) {
      if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) {
        closed = true;
        break;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        closed = true;
        break;
      }
    }
    ::close(fd);
    CHECK(closed);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  }

  TEST_CASE("a streamed upload that always has bytes waiting is still cut at the deadline") {
    // The handler takes a piece every 50 ms while the client keeps the socket full: each
    // read finds bytes at once, yet 4 MiB would take far longer than the 800 ms deadline.
    TempDir dir;
    const std::string sock = dir.path + "/s.sock";
    WorkerPool pool(WorkerPool::Options{8, 1, std::chrono::milliseconds(1000)});
    UnixHttpServer server(SocketIdentity::Control(), ::getuid(), pool, FastLimits(), nullptr);
    std::atomic<bool> finished{false}, complete{true};
    std::atomic<long> took_ms{0};
    server.Post("/r/sink", [&](const Request&, Response& res, const ContentReader& reader) {
      const auto start = std::chrono::steady_clock::now();
      const bool ok = reader([](const char*, size_t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return true;
      });
      took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      complete = ok;
      finished = true;
      res.set_content("done", "text/plain");
    });
    auto bound = ListenUnixSocket(sock, ::getuid());
    REQUIRE(bound.has_value());
    REQUIRE(server.Start(std::move(*bound)).has_value());
    const size_t size = 4u << 20;
    int fd = ConnectUnix(sock);
    REQUIRE(fd >= 0);
    std::thread writer([fd, size] {
      const std::string head =
          "POST /r/sink HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(size) +
          "\r\n\r\n";
      (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
      const std::string chunk(64 * 1024, 'x');
      for (size_t sent = 0; sent < size;) {
        const ssize_t n =
            ::send(fd, chunk.data(), std::min(chunk.size(), size - sent), MSG_NOSIGNAL);
        if (n <= 0) return;  // the server gave up on the request
        sent += static_cast<size_t>(n);
      }
    });
    for (int i = 0; i < 500 && !finished.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::shutdown(fd, SHUT_RDWR);
    writer.join();
    ::close(fd);
    REQUIRE(finished.load());
    CHECK_FALSE(complete.load());
    CHECK(took_ms.load() < 2000);
    server.Stop();
  }

  TEST_CASE("connections beyond the pool limit get an immediate 503") {
    // A connection holds one of the pool's slots for its life (idle keep-alive ones too).
    Fixture f(SocketIdentity::Control(), 2);
    std::vector<int> held;
    for (int i = 0; i < 2; ++i) {
      int fd = ConnectUnix(f.sock);
      REQUIRE(fd >= 0);
      SendAll(fd, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
      CHECK(StatusOf(ReadUntil(fd, "}")) == 200);  // the JSON body's end; kept open
      held.push_back(fd);
    }
    std::string r = RoundTrip(f.sock, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(StatusOf(r) == 503);
    CHECK(r.find("\"error\":\"temporarily_unavailable\"") != std::string::npos);
    CHECK(f.server.overload_rejections() >= 1);
    for (int fd : held) ::close(fd);
  }

  TEST_CASE("a slow handler does not stall requests on other connections") {
    Fixture f(SocketIdentity::Control(), 8);
    std::atomic<bool> slow_done{false};
    std::thread slow([&] {
      CHECK(StatusOf(RoundTrip(
                f.sock, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200);
      slow_done.store(true);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string r = RoundTrip(f.sock, "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    CHECK_FALSE(slow_done.load());  // answered while the slow handler still ran
    slow.join();
  }

  TEST_CASE("streamed requests hung on more connections than loop workers never stall others") {
    // A proxied request waiting on a hung upstream runs inline on a loop worker; the loop
    // starts extra workers so that short requests (minting) are still answered at once.
    TempDir dir;
    const std::string sock = dir.path + "/s.sock";
    WorkerPool pool(WorkerPool::Options{32, 1, std::chrono::milliseconds(1000)});
    ServerLimits limits = FastLimits();
    limits.io_timeout = std::chrono::milliseconds(5000);
    limits.request_timeout = std::chrono::milliseconds(10000);
    UnixHttpServer server(SocketIdentity::Control(), ::getuid(), pool, limits, nullptr);
    Mutex mu;
    std::condition_variable_any cv;
    bool release = false;
    std::atomic<int> hung{0};
    server.Get("/r/hang", [&](const Request&, Response& res) {
      hung.fetch_add(1);
      MutexLock lock(&mu);
      cv.wait(mu, [&]() NO_THREAD_SAFETY_ANALYSIS { return release; });
      res.set_content("late", "text/plain");
    });
    server.Get("/who", [](const Request&, Response& res) { res.set_content("ok", "text/plain"); });
    auto bound = ListenUnixSocket(sock, ::getuid());
    REQUIRE(bound.has_value());
    REQUIRE(server.Start(std::move(*bound)).has_value());

    auto loop = EventLoop::Acquire();
    REQUIRE(loop.has_value());
    const size_t base = (*loop)->base_workers();
    const int kHung = static_cast<int>(base) * 2 + 2;
    std::vector<int> fds;
    for (int i = 0; i < kHung; ++i) {
      int fd = ConnectUnix(sock);
      REQUIRE(fd >= 0);
      SendAll(fd, "GET /r/hang HTTP/1.1\r\nHost: x\r\n\r\n");
      fds.push_back(fd);
    }
    // Every hung request got a worker of its own (none waits behind another).
    for (int i = 0; i < 200 && hung.load() < kHung; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(hung.load() == kHung);
    CHECK((*loop)->workers() >= static_cast<size_t>(kHung) + 1);
    for (int i = 0; i < 5; ++i) {
      const auto start = std::chrono::steady_clock::now();
      CHECK(StatusOf(RoundTrip(
                sock, "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200);
      CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));
    }
    {
      MutexLock lock(&mu);
      release = true;
    }
    cv.notify_all();
    for (int fd : fds) {
      CHECK(StatusOf(ReadUntil(fd, "late")) == 200);
      ::close(fd);
    }
    for (int i = 0; i < 200 && (*loop)->blocking() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK((*loop)->blocking() == 0);
    server.Stop();
  }

  TEST_CASE("a client that does not read its answers does not hold up others") {
    Fixture f;
    int greedy = ConnectUnix(f.sock);
    REQUIRE(greedy >= 0);
    std::string many;
    for (int i = 0; i < 32; ++i) many += "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    SendAll(greedy, many);  // 2 MiB of answers: far more than the socket buffer holds
    for (int i = 0; i < 4; ++i) {
      CHECK(StatusOf(RoundTrip(
                f.sock, "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200);
    }
    // Read late (within the io timeout): every answer arrives, in order, complete.
    std::string r = ReadAll(greedy, 250);
    ::close(greedy);
    size_t answers = 0;
    for (size_t at = r.find("HTTP/1.1 200"); at != std::string::npos;
         at = r.find("HTTP/1.1 200", at + 1)) {
      ++answers;
    }
    CHECK(answers == 32);
  }

  TEST_CASE("stop removes the socket file and closes idle keep-alive connections") {
    auto f = std::make_unique<Fixture>();
    int fd = ConnectUnix(f->sock);
    SendAll(fd, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string first = ReadAll(fd, 200);
    CHECK(StatusOf(first) == 200);
    const std::string sock = f->sock;
    f->server.Stop();
    CHECK_FALSE(std::filesystem::exists(sock));
    ::close(fd);
  }
}

}  // namespace
}  // namespace notme::server
