// UnixHttpServer over a real socket with hostile and unusual clients: smuggling,
// chunked bodies, pipelining, early close, slow heads, Expect, HEAD, HTTP/1.0.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "server/http_response.h"
#include "server/http_server.h"
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

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

struct WireFixture {
  WireFixture()
      : pool(WorkerPool::Options{8, 1, std::chrono::milliseconds(1000)}),
        server(SocketIdentity::Control(), ::getuid(), pool, Limits(), nullptr) {
    char tmpl[] = "/tmp/nmwireXXXXXX";
    dir = ::mkdtemp(tmpl);
    sock = dir + "/s.sock";
    server.Get("/hello",
               [](const Request&, Response& res) { res.set_content("hello", "text/plain"); });
    server.Post("/echo", [this](const Request& req, Response& res) {
      handled.fetch_add(1);
      res.set_content(req.body, "text/plain");
    });
    server.Get("/throw", [](const Request&, Response&) { throw std::runtime_error("boom"); });
    server.Get("/split", [](const Request&, Response& res) {
      res.headers.emplace("X-Evil", "a\r\nSet-Cookie: b");
      res.set_header("X-Also", "c\r\nSet-Cookie: d");
      res.set_content("ok", "text/plain");
    });
    server.Post("/r/echo", [this](const Request&, Response& res, const ContentReader& reader) {
      handled.fetch_add(1);
      std::string body;
      if (!reader([&](const char* d, size_t n) {
            body.append(d, n);
            return true;
          })) {
        res.status = 400;
        return;
      }
      res.set_content(body, "text/plain");
    });
    server.Post("/r/plain", [this](const Request& req, Response& res) {
      handled.fetch_add(1);
      res.set_content("got " + std::to_string(req.body.size()), "text/plain");
    });
    server.Get("/r/stream", [](const Request&, Response& res) {
      res.set_chunked_content_provider("text/plain", [](size_t offset, DataSink& sink) {
        if (offset >= 9) {
          sink.done();
          return true;
        }
        return sink.write("abc", 3);
      });
    });
    auto bound = ListenUnixSocket(sock, ::getuid());
    REQUIRE(bound.has_value());
    REQUIRE(server.Start(std::move(*bound)).has_value());
  }
  ~WireFixture() {
    server.Stop();
    std::filesystem::remove_all(dir);
  }
  static ServerLimits Limits() {
    ServerLimits l;
    l.io_timeout = std::chrono::milliseconds(300);
    l.request_timeout = std::chrono::milliseconds(800);
    l.keep_alive_timeout = std::chrono::milliseconds(300);
    l.max_body_bytes = 1024;
    l.max_stream_body_bytes = 4096;
    l.max_head_bytes = 2048;
    l.keep_alive_max_requests = 3;
    return l;
  }
  std::string dir;
  std::string sock;
  WorkerPool pool;
  UnixHttpServer server;
  std::atomic<int> handled{0};
};

// Sends `request` and reads until the server closes or goes quiet.
std::string Exchange(const WireFixture& f, const std::string& request, int quiet_ms = 500) {
  int fd = ConnectUnix(f.sock);
  if (fd < 0) return {};
  SendAll(fd, request);
  std::string r = ReadAll(fd, quiet_ms);
  ::close(fd);
  return r;
}

}  // namespace

TEST_SUITE("UnixHttpServer wire") {
  TEST_CASE("Content-Length together with Transfer-Encoding is refused and the rest not served") {
    WireFixture f;
    std::string r = Exchange(
        f,
        "POST /r/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(StatusOf(r) == 400);
    CHECK(Count(r, "HTTP/1.1 ") == 1);
    CHECK(f.handled.load() == 0);
  }

  TEST_CASE("a Transfer-Encoding other than chunked gets 400 on a streaming route") {
    WireFixture f;
    std::string r =
        Exchange(f, "POST /r/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    CHECK(StatusOf(r) == 400);
    CHECK(f.handled.load() == 0);
  }

  TEST_CASE("a chunked body reaches a streaming handler") {
    WireFixture f;
    std::string r =
        Exchange(f,
                 "POST /r/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 "Connection: close\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    CHECK(r.substr(r.size() - 11) == "hello world");
  }

  TEST_CASE("a chunked body is read into req.body for a handler without a reader") {
    WireFixture f;
    std::string r = Exchange(f,
                             "POST /r/plain HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                             "Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    CHECK(r.find("got 3") != std::string::npos);
  }

  TEST_CASE("a bad chunk size fails the read and closes the connection") {
    WireFixture f;
    std::string r =
        Exchange(f,
                 "POST /r/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "zz\r\nhello\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(StatusOf(r) == 400);
    CHECK(r.find("Connection: close") != std::string::npos);
    CHECK(Count(r, "HTTP/1.1 ") == 1);
  }

  TEST_CASE("a huge chunk size is refused without waiting for the data") {
    WireFixture f;
    std::string r =
        Exchange(f,
                 "POST /r/plain HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "fffffffffffffffff\r\n");
    CHECK(StatusOf(r) == 400);
    CHECK(f.handled.load() == 0);
  }

  TEST_CASE("a chunked body above the stream limit is cut off") {
    WireFixture f;
    std::string req = "POST /r/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) req += "400\r\n" + std::string(1024, 'a') + "\r\n";
    req += "0\r\n\r\n";
    std::string r = Exchange(f, req);
    CHECK(StatusOf(r) == 400);
  }

  TEST_CASE("a Content-Length above the stream limit gets 413 before the body") {
    WireFixture f;
    std::string r = Exchange(f, "POST /r/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    CHECK(StatusOf(r) == 413);
    CHECK(f.handled.load() == 0);
  }

  TEST_CASE("pipelined requests are answered in order on one connection") {
    WireFixture f;
    std::string r = Exchange(f,
                             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
                             "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                             "POST /r/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo");
    REQUIRE(Count(r, "HTTP/1.1 200") == 3);
    const size_t one = r.find("one");
    const size_t hello = r.find("hello");
    const size_t two = r.find("two");
    CHECK(one < hello);
    CHECK(hello < two);
  }

  TEST_CASE("a bad request after a good pipelined one closes the connection") {
    WireFixture f;
    std::string r = Exchange(f,
                             "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                             "GET /hello HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"
                             "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(Count(r, "HTTP/1.1 200") == 1);
    CHECK(Count(r, "HTTP/1.1 400") == 1);
  }

  TEST_CASE("a client closing mid-body never reaches the handler") {
    WireFixture f;
    int fd = ConnectUnix(f.sock);
    SendAll(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten..");
    ::close(fd);
    fd = ConnectUnix(f.sock);
    SendAll(fd, "POST /r/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten..");
    ::shutdown(fd, SHUT_WR);
    std::string r = ReadAll(fd, 1000);
    ::close(fd);
    CHECK((r.empty() || StatusOf(r) == 400));
    CHECK(StatusOf(RoundTrip(
              f.sock, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200);
    CHECK(f.handled.load() <= 1);
  }

  TEST_CASE("a head sent too slowly gets 408 within the request deadline") {
    WireFixture f;
    int fd = ConnectUnix(f.sock);
    SendAll(fd, "GET /hello HTTP/1.1\r\nHo");
    std::string r = ReadAll(fd, 3000);
    ::close(fd);
    CHECK(StatusOf(r) == 408);
  }

  TEST_CASE("a body that stops arriving gets 408") {
    WireFixture f;
    int fd = ConnectUnix(f.sock);
    SendAll(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    std::string r = ReadAll(fd, 3000);
    ::close(fd);
    CHECK(StatusOf(r) == 408);
    CHECK(f.handled.load() == 0);
  }

  TEST_CASE("Expect: 100-continue gets an interim 100 before the final answer") {
    WireFixture f;
    int fd = ConnectUnix(f.sock);
    SendAll(fd,
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    std::string interim = ReadUntil(fd, "\r\n\r\n");
    CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
    SendAll(fd, "hello");
    std::string r = ReadUntil(fd, "hello");
    ::close(fd);
    CHECK(StatusOf(r) == 200);
  }

  TEST_CASE("Expect: 100-continue is not answered for a body that is refused") {
    WireFixture f;
    std::string r = Exchange(f,
                             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                             "Expect: 100-continue\r\n\r\n");
    CHECK(StatusOf(r) == 413);
    CHECK(r.find("100 Continue") == std::string::npos);
  }

  TEST_CASE("HEAD gets the GET head without a body") {
    WireFixture f;
    std::string r = Exchange(f, "HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    CHECK(r.find("Content-Length: 5\r\n") != std::string::npos);
    CHECK(r.substr(r.size() - 4) == "\r\n\r\n");
  }

  TEST_CASE("HTTP/1.0 gets one answer and the connection closes") {
    WireFixture f;
    std::string r = Exchange(f, "GET /hello HTTP/1.0\r\n\r\nGET /hello HTTP/1.0\r\n\r\n", 2000);
    CHECK(Count(r, "HTTP/1.1 200") == 1);
    CHECK(r.find("Connection: close") != std::string::npos);
  }

  TEST_CASE("the connection closes after keep_alive_max_requests") {
    WireFixture f;
    std::string req;
    for (int i = 0; i < 5; ++i) req += "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string r = Exchange(f, req, 2000);
    CHECK(Count(r, "HTTP/1.1 200") == 3);
  }

  TEST_CASE("a handler that throws gets a 500 JSON body") {
    WireFixture f;
    std::string r = Exchange(f, "GET /throw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 500);
    CHECK(r.find("\"error\":\"server_error\"") != std::string::npos);
  }

  TEST_CASE("header values with CR or LF never reach the wire (response splitting)") {
    WireFixture f;
    std::string r = Exchange(f, "GET /split HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    CHECK(r.find("Set-Cookie") == std::string::npos);
    CHECK(r.find("X-Evil") == std::string::npos);
  }

  TEST_CASE("a chunked response is framed and terminated") {
    WireFixture f;
    std::string r = Exchange(f, "GET /r/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(StatusOf(r) == 200);
    CHECK(r.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(r.find("\r\n\r\n3\r\nabc\r\n3\r\nabc\r\n3\r\nabc\r\n0\r\n\r\n") != std::string::npos);
  }

  TEST_CASE("a request without Host gets 400") {
    WireFixture f;
    CHECK(StatusOf(Exchange(f, "GET /hello HTTP/1.1\r\n\r\n")) == 400);
  }

  TEST_CASE("obs-fold over the wire gets 400") {
    WireFixture f;
    CHECK(StatusOf(Exchange(f, "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")) == 400);
  }

  TEST_CASE("NUL in a header gets 400") {
    WireFixture f;
    CHECK(StatusOf(Exchange(f, std::string("GET /hello HTTP/1.1\r\nHost: x\0y\r\n\r\n", 36))) ==
          400);
  }

  TEST_CASE("an absolute-form target gets 400") {
    WireFixture f;
    CHECK(StatusOf(Exchange(f, "GET http://example.com/hello HTTP/1.1\r\nHost: x\r\n\r\n")) == 400);
  }

  TEST_CASE("an unsupported version gets 505") {
    WireFixture f;
    CHECK(StatusOf(Exchange(f, "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n")) == 505);
  }
}

}  // namespace notme::server
