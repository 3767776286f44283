#include "proxy/upstream_pool.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>

#include "server/unique_fd.h"

namespace notme::proxy {
namespace {

// A loopback listener the pooled connections connect to (never accepted: the kernel
// completes the handshake from the backlog).
class Listener {
 public:
  Listener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0);
    REQUIRE(::listen(fd_.get(), 64) == 0);
    socklen_t len = sizeof(sin);
    REQUIRE(::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&sin), &len) == 0);
    port_ = ntohs(sin.sin_port);
  }
  uint16_t port() const { return port_; }

 private:
  server::UniqueFd fd_;
  uint16_t port_ = 0;
};

std::unique_ptr<UpstreamConnection> NewClient() {
  static Listener listener;
  UpstreamTarget t;
  t.host = "127.0.0.1";
  t.port = listener.port();
  t.tls = false;
  t.address = {"127.0.0.1", AF_INET};
  t.allow_non_public = true;
  auto c = UpstreamConnection::Open(t, StreamTimeouts{});
  REQUIRE(c.has_value());
  return std::move(*c);
}

Route MakeRoute(const std::string& name, const std::string& upstream) {
  RouteSpec spec;
  spec.name = name;
  spec.upstream = upstream;
  spec.secret = "s";
  spec.allow_loopback = true;
  return ValidateRouteSpec(spec, 1).value();
}

}  // namespace

TEST_SUITE("UpstreamPool") {
  TEST_CASE("a client put back is taken again under the same key only") {
    UpstreamPool pool({});
    auto c = NewClient();
    auto* raw = c.get();
    pool.Put("a", std::move(c));
    CHECK(pool.idle() == 1);
    CHECK(pool.Take("b") == nullptr);
    auto back = pool.Take("a");
    CHECK(back.get() == raw);
    CHECK(pool.Take("a") == nullptr);
    CHECK(pool.idle() == 0);
  }

  TEST_CASE("idle clients are bounded per key and in total") {
    UpstreamPool pool({/*max_idle_per_route=*/2, /*max_idle_total=*/3, std::chrono::seconds(60)});
    for (int i = 0; i < 5; ++i) pool.Put("a", NewClient());
    CHECK(pool.idle() == 2);
    for (int i = 0; i < 5; ++i) pool.Put("b", NewClient());
    CHECK(pool.idle() == 3);
  }

  TEST_CASE("idle clients past the timeout are closed, the newest is taken first") {
    auto t = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    UpstreamPool::Options options;
    options.idle_timeout = std::chrono::seconds(4);
    options.now = [&t] { return t; };
    UpstreamPool pool(options);
    auto oldest = NewClient();
    auto* oldest_raw = oldest.get();
    pool.Put("a", std::move(oldest));
    t += std::chrono::seconds(2);
    auto newer = NewClient();
    auto* newer_raw = newer.get();
    pool.Put("a", std::move(newer));
    pool.Put("a", NewClient());
    CHECK(pool.idle() == 3);
    t += std::chrono::seconds(1);
    auto newest = pool.Take("a");  // 1 s idle: the last one put
    CHECK(newest != nullptr);
    CHECK(newest.get() != oldest_raw);
    CHECK(newest.get() != newer_raw);
    t += std::chrono::seconds(1);  // the oldest has been idle for exactly the timeout
    auto next = pool.Take("a");
    CHECK(next.get() == newer_raw);
    CHECK(pool.idle() == 0);  // the oldest was closed, not handed out
    t += std::chrono::milliseconds(3999);
    CHECK(pool.keys() == 1);  // "a" was used 3.999 s ago
    t += std::chrono::milliseconds(1);
    CHECK(pool.Take("b") == nullptr);
    CHECK(pool.keys() == 0);  // unused for the timeout: the key's entry goes too
  }

  TEST_CASE("a key in steady use keeps its entry between a take and a put") {
    auto t = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    UpstreamPool::Options options;
    options.now = [&t] { return t; };
    UpstreamPool pool(options);
    pool.Put("a", NewClient());
    for (int i = 0; i < 10; ++i) {
      auto c = pool.Take("a");
      REQUIRE(c != nullptr);
      CHECK(pool.keys() == 1);
      t += std::chrono::seconds(1);
      pool.Put("a", std::move(c));
    }
    CHECK(pool.idle() == 1);
  }

  TEST_CASE("a zero idle timeout keeps nothing") {
    UpstreamPool pool({8, 64, std::chrono::milliseconds(0)});
    pool.Put("a", NewClient());
    CHECK(pool.idle() == 0);
    CHECK(pool.Take("a") == nullptr);
  }

  TEST_CASE("clear closes every idle client") {
    UpstreamPool pool({});
    pool.Put("a", NewClient());
    pool.Put("b", NewClient());
    pool.Clear();
    CHECK(pool.idle() == 0);
    CHECK(pool.Take("a") == nullptr);
  }

  TEST_CASE("the key separates routes, upstreams, CA files, address policies and callers") {
    Route a = MakeRoute("a", "http://127.0.0.1:8080");
    Route b = MakeRoute("b", "http://127.0.0.1:8080");
    Route a_port = MakeRoute("a", "http://127.0.0.1:8081");
    Route a_ca = a;
    a_ca.ca_file = "/etc/ca.pem";
    Route a_public = a;
    a_public.allow_loopback = false;
    Route a_base = MakeRoute("a", "http://127.0.0.1:8080/v1");
    Route a_tls = MakeRoute("a", "https://127.0.0.1:8080");
    Route a_host = MakeRoute("a", "http://127.0.0.2:8080");
    CHECK(UpstreamPoolKey(a, "bot") == UpstreamPoolKey(MakeRoute("a", "http://127.0.0.1:8080"), "bot"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(b, "bot"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(a_port, "bot"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(a_ca, "bot"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(a_public, "bot"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(a_base, "bot"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(a_tls, "bot"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(a_host, "bot"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(a, "other"));
    CHECK(UpstreamPoolKey(a, "bot") != UpstreamPoolKey(a, "human"));
  }
}

}  // namespace notme::proxy
