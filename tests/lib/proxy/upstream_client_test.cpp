// The proxy's own HTTP/1.1 client against scripted (hostile) raw upstreams on loopback.
#include "proxy/upstream_client.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace notme::proxy {
namespace {

// Accepts one connection per scripted answer; for each, reads the request and sends
// the answer, then keeps the connection open (until destroyed) unless `close_after` is set.
class RawUpstream {
 public:
  explicit RawUpstream(std::vector<std::string> answers, bool close_after = false)
      : lfd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(lfd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(lfd_, 8) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(lfd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, answers = std::move(answers), close_after] {
      for (const std::string& answer : answers) {
        int c = ::accept(lfd_, nullptr, nullptr);
        if (c < 0) return;
        conns_.push_back(c);
        // One recv: the client writes a small request in one piece.
        char buf[4096];
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        requests_.emplace_back(buf, static_cast<size_t>(std::max<ssize_t>(n, 0)));
        (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
        if (close_after) ::shutdown(c, SHUT_WR);
      }
    });
  }
  ~RawUpstream() {
    ::shutdown(lfd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    for (int c : conns_) ::close(c);
    ::close(lfd_);
  }
  uint16_t port() const { return port_; }
  // Joins the script (every answer sent) and returns the requests seen.
  const std::vector<std::string>& Finish() {
    if (thread_.joinable()) thread_.join();
    return requests_;
  }

 private:
  int lfd_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::vector<int> conns_;
  std::vector<std::string> requests_;
};

UpstreamTarget Loopback(uint16_t port) {
  UpstreamTarget t;
  t.host = "127.0.0.1";
  t.port = port;
  t.tls = false;
  t.address = {"127.0.0.1", AF_INET};
  t.allow_non_public = true;
  return t;
}

StreamTimeouts Short() {
  return {std::chrono::seconds(5), std::chrono::seconds(5), std::chrono::seconds(5)};
}

std::unique_ptr<Http1Exchange> Get(std::unique_ptr<UpstreamConnection> c, bool reused = false,
                                   std::string_view method = "GET") {
  RequestBodyFraming none;
  return std::make_unique<Http1Exchange>(
      std::move(c), reused,
      RenderRequestHead(method, "/x", "127.0.0.1", {{"Authorization", "Bearer t"}}, none), none,
      /*head_request=*/method == "HEAD", /*retryable=*/method == "GET");
}

std::unique_ptr<UpstreamConnection> Open(uint16_t port) {
  auto c = UpstreamConnection::Open(Loopback(port), Short());
  REQUIRE(c.has_value());
  return std::move(*c);
}

Result<std::string> ReadAll(Http1Exchange& ex) {
  std::string body;
  for (;;) {
    NOTME_TRY(auto piece, ex.ReadBody());
    if (piece.empty()) return body;
    body.append(piece);
  }
}

// The answer's head must be refused (kUpstream) and the connection not kept.
void HeadRefused(const std::string& answer) {
  RawUpstream up({answer});
  auto ex = Get(Open(up.port()));
  auto head = ex->ReadHead();
  CHECK_FALSE(head.has_value());
  if (!head) CHECK(head.error().code() == ErrorCode::kUpstream);
  CHECK(ex->Release() == nullptr);
}

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/notme-upclient-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

// A TLS server on 127.0.0.1 whose certificate (from a fresh test CA) names only the IP
// address 127.0.0.1, answering GET /x with "tls ok".
struct TlsServer {
  TlsServer() {
    std::string cmd =
        "cd " + dir.path.string() +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
        " -subj /CN=test-ca -keyout ca.key -out ca.pem 2>/dev/null"
        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1"
        " -keyout srv.key -out srv.csr 2>/dev/null"
        " && printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf"
        " && openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1"
        " -extfile ext.cnf -out srv.pem 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    server = std::make_unique<httplib::SSLServer>((dir.path / "srv.pem").c_str(),
                                                  (dir.path / "srv.key").c_str());
    server->Get("/x", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("tls ok", "text/plain");
    });
    server->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1000));
      res.set_content("late", "text/plain");
    });
    port = static_cast<uint16_t>(server->bind_to_any_port("127.0.0.1"));
    thread = std::thread([this] { server->listen_after_bind(); });
    // stop() before the listener runs would be lost (and join would wait forever).
    for (int i = 0; i < 1000 && !server->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(server->is_running());
  }
  ~TlsServer() {
    server->stop();
    thread.join();
  }
  UpstreamTarget Target(const std::string& host, bool with_ca) const {
    UpstreamTarget t = Loopback(port);
    t.host = host;
    t.tls = true;
    if (with_ca) t.ca_file = (dir.path / "ca.pem").string();
    return t;
  }
  TempDir dir;
  std::unique_ptr<httplib::SSLServer> server;
  uint16_t port = 0;
  std::thread thread;
};

}  // namespace

TEST_SUITE("UpstreamClient") {
  TEST_CASE("a keep-alive answer is read in full and its connection may be reused") {
    RawUpstream up({"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"});
    auto ex = Get(Open(up.port()));
    auto head = ex->ReadHead();
    REQUIRE(head.has_value());
    CHECK(head->status == 200);
    CHECK(ReadAll(*ex).value() == "hello");
    CHECK(ex->Release() != nullptr);
    auto requests = up.Finish();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0] == "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer t\r\n\r\n");
  }

  TEST_CASE("a chunked answer is decoded and 100 Continue is skipped") {
    RawUpstream up(
        {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabc\r\n2;e=1\r\nde\r\n0\r\n\r\n"});
    auto ex = Get(Open(up.port()));
    auto head = ex->ReadHead();
    REQUIRE(head.has_value());
    CHECK(head->status == 201);
    CHECK(ReadAll(*ex).value() == "abcde");
    CHECK(ex->Release() != nullptr);
  }

  TEST_CASE("a request body goes out chunked when asked") {
    RawUpstream up({"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"});
    RequestBodyFraming chunked{std::nullopt, true};
    Http1Exchange ex(Open(up.port()), false, RenderRequestHead("POST", "/x", "h", {}, chunked),
                     chunked, false, false);
    REQUIRE(ex.WriteBody("hello").has_value());
    REQUIRE(ex.FinishBody().has_value());
    REQUIRE(ex.ReadHead().has_value());
    CHECK(ex.Release() != nullptr);
  }

  TEST_CASE("a request body longer or shorter than its Content-Length is refused") {
    RawUpstream up({"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"});
    RequestBodyFraming five{5, false};
    Http1Exchange longer(Open(up.port()), false, RenderRequestHead("POST", "/x", "h", {}, five),
                         five, false, false);
    CHECK(longer.WriteBody("toolong").error().code() == ErrorCode::kInvalidRequest);
    Http1Exchange shorter(Open(up.port()), false, RenderRequestHead("POST", "/x", "h", {}, five),
                          five, false, false);
    REQUIRE(shorter.WriteBody("abc").has_value());
    CHECK(shorter.FinishBody().error().code() == ErrorCode::kInvalidRequest);
  }

  TEST_CASE("smuggling framing in the answer is refused") {
    HeadRefused(
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    HeadRefused("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    HeadRefused("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
    HeadRefused("HTTP/1.1 200 OK\r\nX: a\nContent-Length: 0\r\n\r\n");
  }

  TEST_CASE("101 Switching Protocols is refused") {
    HeadRefused(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  }

  TEST_CASE("a head that never ends within the limit is refused") {
    HeadRefused("HTTP/1.1 200 OK\r\nX: " + std::string(70 * 1024, 'a'));
  }

  TEST_CASE("an upstream closing without an answer is an error") {
    RawUpstream up({""}, /*close_after=*/true);
    auto ex = Get(Open(up.port()));
    CHECK(ex->ReadHead().error().code() == ErrorCode::kUpstream);
  }

  TEST_CASE("a body cut short of its Content-Length is an error") {
    RawUpstream up({"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"}, /*close_after=*/true);
    auto ex = Get(Open(up.port()));
    REQUIRE(ex->ReadHead().has_value());
    CHECK_FALSE(ReadAll(*ex).has_value());
    CHECK(ex->Release() == nullptr);
  }

  TEST_CASE("a chunked body cut before its last chunk is an error") {
    RawUpstream up({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhalf\r\n"},
                   /*close_after=*/true);
    auto ex = Get(Open(up.port()));
    REQUIRE(ex->ReadHead().has_value());
    CHECK_FALSE(ReadAll(*ex).has_value());
  }

  TEST_CASE("a chunk size that overflows is an error") {
    RawUpstream up(
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nx"});
    auto ex = Get(Open(up.port()));
    REQUIRE(ex->ReadHead().has_value());
    CHECK(ReadAll(*ex).error().code() == ErrorCode::kUpstream);
  }

  TEST_CASE("bytes beyond the answer keep the connection from reuse") {
    RawUpstream up(
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: "
         "6\r\n\r\ninject"});
    auto ex = Get(Open(up.port()));
    REQUIRE(ex->ReadHead().has_value());
    CHECK(ReadAll(*ex).value() == "ok");
    CHECK(ex->Release() == nullptr);
  }

  TEST_CASE("Connection: close, HTTP/1.0 and a body until close keep the connection from reuse") {
    for (std::string answer :
         {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
          "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"}) {
      RawUpstream up({answer});
      auto ex = Get(Open(up.port()));
      REQUIRE(ex->ReadHead().has_value());
      CHECK(ReadAll(*ex).value() == "ok");
      CHECK(ex->Release() == nullptr);
    }
    RawUpstream up({"HTTP/1.1 200 OK\r\n\r\nuntil close"}, /*close_after=*/true);
    auto ex = Get(Open(up.port()));
    REQUIRE(ex->ReadHead().has_value());
    CHECK(ReadAll(*ex).value() == "until close");
    CHECK(ex->Release() == nullptr);
  }

  TEST_CASE("answers to HEAD and 204/304 have no body whatever they declare") {
    RawUpstream up({"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"});
    auto ex = Get(Open(up.port()), false, "HEAD");
    auto head = ex->ReadHead();
    REQUIRE(head.has_value());
    CHECK(head->declared_length == 100u);
    CHECK(ReadAll(*ex).value().empty());
    CHECK(ex->Release() != nullptr);
    RawUpstream up304({"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"});
    auto ex304 = Get(Open(up304.port()));
    REQUIRE(ex304->ReadHead().has_value());
    CHECK(ex304->complete());
  }

  TEST_CASE("a GET failing on a reused connection before any answer is retried once on a new one") {
    // The first connection closes without answering (an idle connection the upstream
    // closed); the second answers.
    RawUpstream up({"", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"}, /*close_after=*/true);
    auto ex = Get(Open(up.port()), /*reused=*/true);
    auto head = ex->ReadHead();
    REQUIRE(head.has_value());
    CHECK(ReadAll(*ex).value() == "fresh");
  }

  TEST_CASE("a failure on a new connection, or of a POST, is not retried") {
    // A retry would get the second scripted connection's answer.
    RawUpstream up({"", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"}, /*close_after=*/true);
    auto fresh = Get(Open(up.port()), /*reused=*/false);
    CHECK_FALSE(fresh->ReadHead().has_value());
    RawUpstream up2({"", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"},
                    /*close_after=*/true);
    auto post = Get(Open(up2.port()), /*reused=*/true, "POST");
    CHECK_FALSE(post->ReadHead().has_value());
  }

  TEST_CASE("a read timeout is kTimeout and is not retried, even on a reused connection") {
    // The first connection takes the request and never answers; a retry would get the
    // second scripted connection's answer and so double the wait.
    RawUpstream up({"", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"});
    StreamTimeouts quick = Short();
    quick.read = std::chrono::milliseconds(200);
    auto c = UpstreamConnection::Open(Loopback(up.port()), quick);
    REQUIRE(c.has_value());
    auto ex = Get(std::move(*c), /*reused=*/true);
    auto head = ex->ReadHead();
    REQUIRE_FALSE(head.has_value());
    CHECK(head.error().code() == ErrorCode::kTimeout);
    CHECK(head.error().message() == "reading from the upstream timed out");
    CHECK(ex->Release() == nullptr);
  }

  TEST_CASE("a request body the upstream does not take within the write timeout is kTimeout") {
    // The upstream reads the first piece of the request, then nothing: once the socket
    // buffers on both sides are full, the write waits for the write timeout.
    RawUpstream up({""});
    StreamTimeouts quick = Short();
    quick.write = std::chrono::milliseconds(200);
    auto c = UpstreamConnection::Open(Loopback(up.port()), quick);
    REQUIRE(c.has_value());
    RequestBodyFraming framing;
    framing.content_length = uint64_t{256} << 20;
    Http1Exchange ex(std::move(*c), false,
                     RenderRequestHead("POST", "/x", "127.0.0.1", {}, framing), framing,
                     /*head_request=*/false, /*retryable=*/false);
    const std::string chunk(1 << 20, 'x');
    Result<void> written = Ok();
    for (int i = 0; i < 256 && written; ++i) written = ex.WriteBody(chunk);
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code() == ErrorCode::kTimeout);
    CHECK(written.error().message() == "writing to the upstream timed out");
    CHECK(ex.Release() == nullptr);
  }

  TEST_CASE("a connection to a non-public address is refused unless allowed") {
    RawUpstream up({});
    UpstreamTarget t = Loopback(up.port());
    t.allow_non_public = false;
    auto c = UpstreamConnection::Open(t, Short());
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code() == ErrorCode::kPermissionDenied);
  }

  TEST_CASE("a refused connection is kUnavailable") {
    auto c = UpstreamConnection::Open(Loopback(1), Short());
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code() == ErrorCode::kUnavailable);
  }

  TEST_CASE("a TLS upstream verified against the CA file answers") {
    TlsServer tls;
    auto c = UpstreamConnection::Open(tls.Target("127.0.0.1", /*with_ca=*/true), Short());
    REQUIRE(c.has_value());
    auto ex = Get(std::move(*c));
    auto head = ex->ReadHead();
    REQUIRE(head.has_value());
    CHECK(head->status == 200);
    CHECK(ReadAll(*ex).value() == "tls ok");
  }

  TEST_CASE("a TLS upstream that does not answer within the read timeout is kTimeout") {
    TlsServer tls;
    StreamTimeouts quick = Short();
    quick.read = std::chrono::milliseconds(200);
    auto c = UpstreamConnection::Open(tls.Target("127.0.0.1", /*with_ca=*/true), quick);
    REQUIRE(c.has_value());
    RequestBodyFraming none;
    Http1Exchange ex(std::move(*c), false, RenderRequestHead("GET", "/slow", "127.0.0.1", {}, none),
                     none, /*head_request=*/false, /*retryable=*/true);
    auto head = ex.ReadHead();
    REQUIRE_FALSE(head.has_value());
    CHECK(head.error().code() == ErrorCode::kTimeout);
    CHECK(head.error().message() == "reading from the upstream timed out");
    CHECK(ex.Release() == nullptr);
  }

  TEST_CASE("a signal while waiting for a TLS upstream's answer does not end the wait") {
    // SIGUSR1 with a handler and without SA_RESTART: the blocked recv returns EINTR.
    struct sigaction quiet {
    }, old{};
    quiet.sa_handler = [](int) {};
    sigemptyset(&quiet.sa_mask);
    REQUIRE(::sigaction(SIGUSR1, &quiet, &old) == 0);
    TlsServer tls;
    auto c = UpstreamConnection::Open(tls.Target("127.0.0.1", /*with_ca=*/true), Short());
    REQUIRE(c.has_value());
    RequestBodyFraming none;
    Http1Exchange ex(std::move(*c), false, RenderRequestHead("GET", "/slow", "127.0.0.1", {}, none),
                     none, /*head_request=*/false, /*retryable=*/true);
    const pthread_t reader = ::pthread_self();
    std::thread interrupter([reader] {
      for (int i = 0; i < 3; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ::pthread_kill(reader, SIGUSR1);
      }
    });
    auto head = ex.ReadHead();
    interrupter.join();
    ::sigaction(SIGUSR1, &old, nullptr);
    REQUIRE(head.has_value());
    CHECK(head->status == 200);
    CHECK(ReadAll(ex).value() == "late");
  }

  TEST_CASE("a TLS certificate from a CA not trusted is refused") {
    TlsServer tls;
    auto c = UpstreamConnection::Open(tls.Target("127.0.0.1", /*with_ca=*/false), Short());
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code() == ErrorCode::kUpstream);
    CHECK(c.error().message().find("certificate") != std::string::npos);
  }

  TEST_CASE("a TLS certificate for another host name is refused") {
    TlsServer tls;
    // Same address, same trusted CA, but the certificate does not name "localhost".
    auto c = UpstreamConnection::Open(tls.Target("localhost", /*with_ca=*/true), Short());
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().message().find("certificate") != std::string::npos);
  }

  TEST_CASE("a CA file that cannot be read refuses the connection") {
    TlsServer tls;
    UpstreamTarget t = tls.Target("127.0.0.1", /*with_ca=*/false);
    t.ca_file = (tls.dir.path / "missing.pem").string();
    auto c = UpstreamConnection::Open(t, Short());
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code() == ErrorCode::kUpstream);
  }

  TEST_CASE("a TLS handshake with a plain-HTTP server fails") {
    RawUpstream up({"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"}, /*close_after=*/true);
    UpstreamTarget t = Loopback(up.port());
    t.tls = true;
    auto c = UpstreamConnection::Open(t, Short());
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code() == ErrorCode::kUpstream);
  }
}

}  // namespace notme::proxy
