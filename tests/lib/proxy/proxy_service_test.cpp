// End-to-end: a real httplib client → a front server running ProxyService → real loopback
// upstreams (plain HTTP and TLS with a CA made by the openssl CLI).
#include "proxy/proxy_service.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "proxy/proxy_endpoints.h"
#include "server/tcp_listener.h"

namespace notme::proxy {
namespace {

constexpr char kSecret[] = "s3cret-upstream-token";

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/notme-proxy-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

bool Authorized(const httplib::Request& req) {
  return req.get_header_value("Authorization") == std::string("Bearer ") + kSecret;
}

// The upstream: accepts only the real secret, and misbehaves on request.
void SetUpUpstream(httplib::Server& up, std::atomic<int>& stolen) {
  up.Get("/api/hello", [](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req)) {
      res.status = 401;
      return;
    }
    res.set_content(
        "hello " + req.get_header_value("X-Caller-Note") + " q=" + req.get_param_value("q"),
        "text/plain");
  });
  up.Get("/api/two-types", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
    res.headers.emplace("Content-Type", "text/html");  // a second, conflicting field
  });
  up.Get("/api/echo", [](const httplib::Request& req, httplib::Response& res) {
    std::string all;
    for (const auto& [k, v] : req.headers) all += k + ": " + v + "\n";
    res.set_header("X-Echo-Authorization", req.get_header_value("Authorization"));
    res.set_header("Set-Cookie", "session=upstream");
    res.set_content(all, "text/plain");
  });
  up.Post("/api/upload", [](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
    if (!Authorized(req)) {
      res.status = 401;
      return;
    }
    size_t total = 0;
    unsigned sum = 0;
    reader([&](const char* d, size_t n) {
      total += n;
      for (size_t i = 0; i < n; ++i) sum += static_cast<unsigned char>(d[i]);
      return true;
    });
    res.set_content(std::to_string(total) + ":" + std::to_string(sum), "text/plain");
  });
  up.Get("/api/big", [](const httplib::Request& req, httplib::Response& res) {
    size_t n = std::stoul(req.get_param_value("n"));
    res.set_content_provider(n, "application/octet-stream",
                             [](size_t offset, size_t length, httplib::DataSink& sink) {
                               std::string chunk(std::min<size_t>(length, 32768), '\0');
                               for (size_t i = 0; i < chunk.size(); ++i)
                                 chunk[i] = static_cast<char>((offset + i) % 251);
                               return sink.write(chunk.data(), chunk.size());
                             });
  });
  up.Get("/api/sse", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/event-stream", [](size_t offset, httplib::DataSink& sink) {
          if (offset >= 3 * 13) {
            sink.done();
            return true;
          }
          std::string ev = "data: ev-" + std::to_string(offset / 13) + "\n\n\n";
          ev.resize(13, '\n');
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return sink.write(ev.data(), ev.size());
        });
  });
  up.Get("/api/redirect", [](const httplib::Request& req, httplib::Response& res) {
    res.set_redirect("http://127.0.0.1:" + req.get_param_value("port") + "/steal", 302);
  });
  up.Get("/steal", [&stolen](const httplib::Request&, httplib::Response& res) {
    ++stolen;
    res.set_content("stolen", "text/plain");
  });
  // Which upstream connection (client port) served the request; optionally asks to close it
  // or breaks off the body halfway.
  up.Get("/api/port", [](const httplib::Request& req, httplib::Response& res) {
    if (req.has_param("close")) res.set_header("Connection", "close");
    res.set_content(std::to_string(req.remote_port), "text/plain");
  });
  up.Get("/api/broken", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(1000, "text/plain",
                             [](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset > 0) return false;
                               return sink.write("half", 4);
                             });
  });
  // Answers only after 600 ms: longer than a test's short read timeout.
  up.Get("/api/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    res.set_content("late", "text/plain");
  });
  up.Delete("/api/item", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  up.Get("/api/allowed/x", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  up.Get("/api/allowedx", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("bad", "text/plain");
  });
}

struct Fixture {
  explicit Fixture(ForwarderOptions options = {}) {
    SetUpUpstream(upstream, stolen);
    up_port = upstream.bind_to_any_port("127.0.0.1");
    up_thread = std::thread([this] { upstream.listen_after_bind(); });
    store = RouteStore::Open(dir.path).value();
    AddRoute("api", "http://127.0.0.1:" + std::to_string(up_port) + "/api", true, {}, {});
    AddRoute("strict", "http://127.0.0.1:" + std::to_string(up_port) + "/api", true, {"GET"},
             {"/allowed"});
    RouteSpec noloop;
    noloop.name = "noloop";
    noloop.upstream = "https://127.0.0.1:" + std::to_string(up_port);
    noloop.secret = "tok";
    REQUIRE(store->Add(ValidateRouteSpec(noloop, 1).value()).has_value());
    RouteSpec missing;
    missing.name = "nosecret";
    missing.upstream = "http://127.0.0.1:" + std::to_string(up_port) + "/api";
    missing.secret = "absent";
    missing.allow_loopback = true;
    REQUIRE(store->Add(ValidateRouteSpec(missing, 1).value()).has_value());

    service = std::make_unique<ProxyService>(
        *store,
        [](const std::string& name) -> Result<crypto::SecretBytes> {
          if (name != "tok") return Fail(ErrorCode::kNotFound, "no such secret");
          std::string v = kSecret;
          return crypto::SecretBytes::CopyFrom(
              std::span(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
        },
        [this](const ProxyAuditRecord& r) {
          std::lock_guard lock(audit_mu);
          audit.push_back(r);
        },
        options);
    RegisterProxyEndpoints(front, *service, [this](const server::Request&) -> Result<ProxyCaller> {
      std::lock_guard lock(caller_mu);
      return caller;
    });
    auto bound = server::ListenTcpLoopback({"127.0.0.1", 0});
    REQUIRE(bound.has_value());
    front_port = server::BoundPort(bound->fd.get()).value();
    REQUIRE(front.Start(std::move(*bound)).has_value());
    SetCaller({"human", true, {}, false});
  }
  ~Fixture() {
    front.Stop();
    upstream.stop();
    up_thread.join();
  }
  void AddRoute(const std::string& name, const std::string& url, bool loopback,
                std::vector<std::string> methods, std::vector<std::string> paths) {
    RouteSpec s;
    s.name = name;
    s.upstream = url;
    s.secret = "tok";
    s.allow_loopback = loopback;
    s.allow_methods = std::move(methods);
    s.allow_paths = std::move(paths);
    REQUIRE(store->Add(ValidateRouteSpec(s, 1).value()).has_value());
  }
  void SetCaller(ProxyCaller c) {
    std::lock_guard lock(caller_mu);
    caller = std::move(c);
  }
  httplib::Client Client() {
    httplib::Client c("127.0.0.1", front_port);
    c.set_read_timeout(std::chrono::seconds(10));
    return c;
  }
  // The exchange returns its connection to the pool just after the caller got the answer;
  // wait for that before the next request so that reuse is deterministic.
  bool WaitIdle(size_t n) {
    for (int i = 0; i < 500; ++i) {
      if (service->idle_upstream_connections() == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::vector<ProxyAuditRecord> Audit() {
    // The audit of a streamed response is written after the body; give it a moment.
    for (int i = 0; i < 100; ++i) {
      {
        std::lock_guard lock(audit_mu);
        if (!audit.empty()) return audit;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {};
  }

  TempDir dir;
  httplib::Server upstream;
  server::WorkerPool front_pool{
      server::WorkerPool::Options{64, 1, std::chrono::milliseconds(1000)}};
  server::UnixHttpServer front{server::SocketIdentity::Loopback(), ::getuid(), front_pool,
                               server::ServerLimits{}, nullptr};
  int up_port = 0;
  int front_port = 0;
  std::thread up_thread;
  std::unique_ptr<RouteStore> store;
  std::unique_ptr<ProxyService> service;
  std::atomic<int> stolen{0};
  std::mutex caller_mu;
  ProxyCaller caller;
  std::mutex audit_mu;
  std::vector<ProxyAuditRecord> audit;
};

}  // namespace

TEST_SUITE("ProxyService") {
  TEST_CASE("a GET is forwarded with the secret injected and the query kept") {
    Fixture f;
    auto c = f.Client();
    auto r = c.Get("/r/api/hello?q=1", {{"X-Caller-Note", "hi"}, {"Authorization", "Bearer fake"}});
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "hello hi q=1");
    auto audit = f.Audit();
    REQUIRE(audit.size() == 1);
    CHECK(audit[0].principal == "human");
    CHECK(audit[0].route == "api");
    CHECK(audit[0].method == "GET");
    CHECK(audit[0].path == "/hello");
    CHECK(audit[0].status == 200);
    CHECK(audit[0].response_bytes == 12);
  }

  TEST_CASE("an upstream echoing headers never shows the secret in response headers") {
    Fixture f;
    auto c = f.Client();
    auto r = c.Get("/r/api/echo",
                   {{"Cookie", "mine=1"}, {"DPoP", "proof"}, {"X-Forwarded-For", "1.2.3.4"}});
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK_FALSE(r->has_header("X-Echo-Authorization"));
    CHECK_FALSE(r->has_header("Set-Cookie"));
    CHECK(r->body.find("mine=1") == std::string::npos);
    CHECK(r->body.find("proof") == std::string::npos);
    CHECK(r->body.find("1.2.3.4") == std::string::npos);
    CHECK(r->body.find("Host: 127.0.0.1:" + std::to_string(f.up_port)) != std::string::npos);
  }

  TEST_CASE("an answer's Content-Type is passed on once") {
    Fixture f;
    auto c = f.Client();
    auto one = c.Get("/r/api/hello");
    REQUIRE(one);
    CHECK(one->get_header_value_count("Content-Type") == 1);
    CHECK(one->get_header_value("Content-Type") == "text/plain");
    auto two = c.Get("/r/api/two-types");
    REQUIRE(two);
    CHECK(two->status == 200);
    CHECK(two->get_header_value_count("Content-Type") == 1);
    CHECK(two->get_header_value("Content-Type") == "application/json");
    CHECK(two->body == "{}");
  }

  TEST_CASE("request bodies stream through with content length and chunked framing") {
    Fixture f;
    auto c = f.Client();
    std::string body(3 * 1024 * 1024 + 17, '\0');
    unsigned sum = 0;
    for (size_t i = 0; i < body.size(); ++i) {
      body[i] = static_cast<char>(i * 7 % 256);
      sum += static_cast<unsigned char>(body[i]);
    }
    auto r = c.Post("/r/api/upload", body, "application/octet-stream");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == std::to_string(body.size()) + ":" + std::to_string(sum));
    size_t sent = 0;
    auto chunked = c.Post(
        "/r/api/upload",
        [&](size_t, httplib::DataSink& sink) {
          if (sent >= body.size()) {
            sink.done();
            return true;
          }
          size_t n = std::min<size_t>(100000, body.size() - sent);
          sink.write(body.data() + sent, n);
          sent += n;
          return true;
        },
        "application/octet-stream");
    REQUIRE(chunked);
    CHECK(chunked->body == std::to_string(body.size()) + ":" + std::to_string(sum));
  }

  TEST_CASE("a large response body streams back intact") {
    Fixture f;
    auto c = f.Client();
    size_t n = 10 * 1024 * 1024;
    size_t got = 0;
    bool intact = true;
    auto r = c.Get("/r/api/big?n=" + std::to_string(n), [&](const char* d, size_t len) {
      for (size_t i = 0; i < len; ++i)
        intact = intact && static_cast<unsigned char>(d[i]) == (got + i) % 251;
      got += len;
      return true;
    });
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(got == n);
    CHECK(intact);
  }

  TEST_CASE("server-sent events arrive as the upstream sends them") {
    Fixture f;
    auto c = f.Client();
    std::string all;
    auto r = c.Get("/r/api/sse", [&](const char* d, size_t n) {
      all.append(d, n);
      return true;
    });
    REQUIRE(r);
    CHECK(r->get_header_value("Content-Type") == "text/event-stream");
    CHECK(all.find("data: ev-0") != std::string::npos);
    CHECK(all.find("data: ev-2") != std::string::npos);
  }

  TEST_CASE("a redirect to another host is passed back, never followed") {
    Fixture f;
    auto c = f.Client();
    auto r = c.Get("/r/api/redirect?port=" + std::to_string(f.up_port));
    REQUIRE(r);
    CHECK(r->status == 302);
    CHECK(r->get_header_value("Location") ==
          "http://127.0.0.1:" + std::to_string(f.up_port) + "/steal");
    CHECK(f.stolen.load() == 0);
  }

  TEST_CASE("consecutive requests on a route reuse one upstream connection") {
    Fixture f;
    auto c = f.Client();
    auto first = c.Get("/r/api/port");
    REQUIRE(first);
    REQUIRE(first->status == 200);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(f.WaitIdle(1));
      auto again = c.Get("/r/api/port");
      REQUIRE(again);
      CHECK(again->body == first->body);
    }
  }

  TEST_CASE("two routes to the same upstream never share a connection") {
    Fixture f;
    f.AddRoute("api2", "http://127.0.0.1:" + std::to_string(f.up_port) + "/api", true, {}, {});
    auto c = f.Client();
    auto a = c.Get("/r/api/port");
    REQUIRE(f.WaitIdle(1));
    auto b = c.Get("/r/api2/port");
    REQUIRE(f.WaitIdle(2));
    auto a2 = c.Get("/r/api/port");
    REQUIRE(f.WaitIdle(2));
    auto b2 = c.Get("/r/api2/port");
    REQUIRE((a && b && a2 && b2));
    CHECK(a->body != b->body);
    CHECK(a2->body == a->body);
    CHECK(b2->body == b->body);
  }

  TEST_CASE("an upstream answer closing the connection is not reused") {
    Fixture f;
    auto c = f.Client();
    auto closing = c.Get("/r/api/port?close=1");
    REQUIRE(f.WaitIdle(0));
    auto next = c.Get("/r/api/port");
    REQUIRE((closing && next));
    CHECK(closing->status == 200);
    CHECK(next->status == 200);
    CHECK(next->body != closing->body);
  }

  TEST_CASE("a connection that failed mid-body is not reused") {
    Fixture f;
    auto c = f.Client();
    auto before = c.Get("/r/api/port");
    REQUIRE(before);
    REQUIRE(f.WaitIdle(1));
    auto broken = c.Get("/r/api/broken");
    CHECK_FALSE((broken && broken->status == 200 && broken->body.size() == 1000));
    REQUIRE(f.WaitIdle(0));
    auto c2 = f.Client();
    auto after = c2.Get("/r/api/port");
    REQUIRE(after);
    CHECK(after->status == 200);
    // The broken exchange took the pooled connection and must have dropped it.
    CHECK(after->body != before->body);
  }

  TEST_CASE("an upstream sending bytes beyond its answer does not get the connection reused") {
    Fixture f;
    // A raw upstream: the first connection answers "ok" followed by a second, unasked-for
    // answer; a second connection answers "fresh".
    int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(lfd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(lfd, 4) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    std::thread raw([lfd] {
      const char* answers[] = {
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
          "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ninject",
          "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"};
      std::vector<int> conns;
      for (const char* answer : answers) {
        int c = ::accept(lfd, nullptr, nullptr);
        if (c < 0) break;
        conns.push_back(c);
        char buf[4096];
        (void)::recv(c, buf, sizeof buf, 0);
        (void)::send(c, answer, std::strlen(answer), MSG_NOSIGNAL);
      }
      for (int c : conns) ::close(c);
    });
    f.AddRoute("raw", "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), true, {}, {});
    auto c = f.Client();
    auto first = c.Get("/r/raw/x");
    REQUIRE(first);
    CHECK(first->body == "ok");
    REQUIRE(f.WaitIdle(0));
    auto second = c.Get("/r/raw/x");
    REQUIRE(second);
    CHECK(second->body == "fresh");
    raw.join();
    ::close(lfd);
  }

  TEST_CASE("a route re-added with another upstream does not get the old connections") {
    Fixture f;
    httplib::Server other;
    other.Get("/api/port", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("other", "text/plain");
    });
    int other_port = other.bind_to_any_port("127.0.0.1");
    std::thread t([&] { other.listen_after_bind(); });
    auto c = f.Client();
    auto first = c.Get("/r/api/port");
    REQUIRE(first);
    REQUIRE(f.WaitIdle(1));
    REQUIRE(f.store->Remove("api").has_value());
    f.AddRoute("api", "http://127.0.0.1:" + std::to_string(other_port) + "/api", true, {}, {});
    auto second = c.Get("/r/api/port");
    REQUIRE(second);
    CHECK(second->body == "other");
    other.stop();
    t.join();
  }

  TEST_CASE("a 204 answer has no body and is audited") {
    Fixture f;
    auto c = f.Client();
    auto r = c.Delete("/r/api/item");
    REQUIRE(r);
    CHECK(r->status == 204);
    CAPTURE(r->body);
    CHECK(f.Audit().at(0).status == 204);
  }

  TEST_CASE("traversal out of the route is refused before any upstream contact") {
    Fixture f;
    auto c = f.Client();
    for (const char* p :
         {"/r/api/%2e%2e/steal", "/r/api/..%2fsteal", "/r/api/a/%2E%2E/%2E%2E/steal",
          "/r/api/%252e%252e/steal", "/r/api/..;/steal", "/r/api/x%5c..%5csteal"}) {
      CAPTURE(p);
      auto r = c.Get(p);
      REQUIRE(r);
      CHECK(r->status >= 400);
      CHECK(r->status < 500);
    }
    CHECK(f.stolen.load() == 0);
  }

  TEST_CASE("allow-method and allow-path limit a route on segment boundaries") {
    Fixture f;
    auto c = f.Client();
    auto ok = c.Get("/r/strict/allowed/x");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    auto sibling = c.Get("/r/strict/allowedx");
    REQUIRE(sibling);
    CHECK(sibling->status == 403);
    auto post = c.Post("/r/strict/allowed/x", "x", "text/plain");
    REQUIRE(post);
    CHECK(post->status == 405);
  }

  TEST_CASE("an agent without the route's scope is refused and learns nothing") {
    Fixture f;
    f.SetCaller({"bot", false, {"route:other"}, false});
    auto c = f.Client();
    auto r = c.Get("/r/api/hello");
    REQUIRE(r);
    CHECK(r->status == 403);
    auto unknown = c.Get("/r/nosuch/hello");
    REQUIRE(unknown);
    CHECK(unknown->status == 403);
    auto audit = f.Audit();
    REQUIRE_FALSE(audit.empty());
    CHECK(audit[0].principal == "bot");
    CHECK(audit[0].error == "permission_denied");
  }

  TEST_CASE("an agent holding the route's scope is forwarded") {
    Fixture f;
    f.SetCaller({"bot", false, {"route:api"}, false});
    auto c = f.Client();
    auto r = c.Get("/r/api/hello");
    REQUIRE(r);
    CHECK(r->status == 200);
  }

  TEST_CASE("a git-only caller may use only git smart-HTTP requests") {
    Fixture f;
    f.SetCaller({"bot", false, {"route:api"}, true});
    auto c = f.Client();
    auto r = c.Get("/r/api/hello");
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(ProxyService::IsGitSmartHttp("GET", {"repo.git", "info", "refs"},
                                       "service=git-upload-pack"));
    CHECK(ProxyService::IsGitSmartHttp("POST", {"repo.git", "git-receive-pack"}, ""));
    CHECK_FALSE(ProxyService::IsGitSmartHttp("GET", {"repo.git", "info", "refs"}, "service=x"));
  }

  TEST_CASE("an upstream resolving to loopback is refused without allow-loopback") {
    Fixture f;
    auto c = f.Client();
    auto r = c.Get("/r/noloop/x");
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(r->body.find("allow-loopback") != std::string::npos);
  }

  TEST_CASE("a missing secret is a 503 naming the secret, not its value") {
    Fixture f;
    auto c = f.Client();
    auto r = c.Get("/r/nosecret/hello");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->body.find("absent") != std::string::npos);
  }

  TEST_CASE("header smuggling is refused") {
    Fixture f;
    auto c = f.Client();
    auto te = c.Get("/r/api/hello", {{"Transfer-Encoding", "gzip"}});
    REQUIRE(te);
    CHECK(te->status == 400);
  }

  TEST_CASE("refusals map to statuses by the shared table, with the proxy's own three") {
    // A refused token or proof (the loopback listener) is a 401, never a 502.
    for (ErrorCode code :
         {ErrorCode::kInvalidToken, ErrorCode::kInvalidDpopProof, ErrorCode::kReplay,
          ErrorCode::kBadSignature, ErrorCode::kExpired, ErrorCode::kNotYetValid,
          ErrorCode::kInvalidIssuer, ErrorCode::kInvalidAudience, ErrorCode::kUseDpopNonce}) {
      CHECK(ProxyHttpStatus(code) == 401);
    }
    CHECK(ProxyHttpStatus(ErrorCode::kInternal) == 500);
    CHECK(ProxyHttpStatus(ErrorCode::kUpstream) == 502);
    CHECK(ProxyHttpStatus(ErrorCode::kConfig) == 502);
    CHECK(ProxyHttpStatus(ErrorCode::kUnsupported) == 405);
    CHECK(ProxyHttpStatus(ErrorCode::kTooLarge) == 414);
    CHECK(ProxyHttpStatus(ErrorCode::kInvalidScope) == 403);
    CHECK(ProxyHttpStatus(ErrorCode::kTimeout) == 504);
    server::Response res;
    SetProxyError(res, Error(ErrorCode::kReplay, "DPoP proof replayed"));
    CHECK(res.status == 401);
    CHECK(res.body.find("\"error\":\"invalid_dpop_proof\"") != std::string::npos);
    CHECK(res.has_header("WWW-Authenticate"));
  }

  TEST_CASE("an unreachable upstream is a 502") {
    Fixture f;
    // Port 1 on loopback: nothing listens there in a test environment (refused at once).
    f.AddRoute("dead", "http://127.0.0.1:1", true, {}, {});
    auto c = f.Client();
    auto r = c.Get("/r/dead/x");
    REQUIRE(r);
    CHECK(r->status == 502);
  }

  TEST_CASE("an upstream that does not answer within the read timeout is a 504, audited") {
    ForwarderOptions quick;
    quick.read_timeout = std::chrono::milliseconds(150);
    Fixture f(quick);
    auto c = f.Client();
    auto r = c.Get("/r/api/slow");
    REQUIRE(r);
    CHECK(r->status == 504);
    CHECK(r->body.find("\"error\":\"gateway_timeout\"") != std::string::npos);
    CHECK(r->body.find("timed out") != std::string::npos);
    auto audit = f.Audit();
    REQUIRE(audit.size() == 1);
    CHECK(audit[0].status == 504);
    CHECK(audit[0].error == "timeout");
  }

  TEST_CASE("a TLS upstream is verified against the route's CA file and refused without it") {
    Fixture f;
    auto dir = f.dir.path;
    std::string cmd =
        "cd " + dir.string() +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
        " -subj /CN=test-ca -keyout ca.key -out ca.pem 2>/dev/null"
        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1"
        " -keyout srv.key -out srv.csr 2>/dev/null"
        " && printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf"
        " && openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1"
        " -extfile ext.cnf -out srv.pem 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    httplib::SSLServer tls((dir / "srv.pem").c_str(), (dir / "srv.key").c_str());
    tls.Get("/x", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(Authorized(req) ? "tls ok" : "denied", "text/plain");
    });
    int port = tls.bind_to_any_port("127.0.0.1");
    std::thread t([&] { tls.listen_after_bind(); });
    RouteSpec good;
    good.name = "tls";
    good.upstream = "https://127.0.0.1:" + std::to_string(port);
    good.secret = "tok";
    good.allow_loopback = true;
    good.ca_file = (dir / "ca.pem").string();
    REQUIRE(f.store->Add(ValidateRouteSpec(good, 1).value()).has_value());
    RouteSpec noca = good;
    noca.name = "tls-noca";
    noca.ca_file.clear();
    REQUIRE(f.store->Add(ValidateRouteSpec(noca, 1).value()).has_value());
    auto c = f.Client();
    auto ok = c.Get("/r/tls/x");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->body == "tls ok");
    auto refused = c.Get("/r/tls-noca/x");
    REQUIRE(refused);
    CHECK(refused->status == 502);
    CHECK(refused->body.find("certificate") != std::string::npos);
    tls.stop();
    t.join();
  }
}

}  // namespace notme::proxy
