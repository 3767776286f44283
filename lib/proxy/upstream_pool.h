#pragma once
// UpstreamPool: idle keep-alive connections to upstreams (docs/proxy.md "Connection
// reuse"), so that a proxied request does not pay a TCP (and TLS) handshake, a DNS lookup
// and the CA store load every time.
//
// An entry is one UpstreamConnection (upstream_client.h) whose socket is open after a
// complete exchange. Entries
// are filed under a key naming the route, the caller AND everything that decided where and
// how the client connects (UpstreamPoolKey): a connection is never shared across routes or
// callers, and a
// route changed by `route add`/`rm` or a SIGHUP reload never gets the old route's
// connections. The caller returns a client only after an exchange that ended cleanly with
// a keep-alive answer; on any error, or when the upstream asked to close, the client is
// dropped (closing its socket).
//
// Bounds: at most `max_idle_per_route` idle clients per key and `max_idle_total` in all;
// an idle client older than `idle_timeout` is closed at the next Take or Put (below the
// common 5 s server-side keep-alive timeout, so a reused socket is rarely one the upstream
// is closing at that very moment; the forwarder retries an idempotent request once when
// that happens).
// Thread-safe.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "notme/thread_annotations.h"
#include "proxy/route.h"
#include "proxy/upstream_client.h"

namespace notme::proxy {

// Route name, upstream URL, CA file, address policy and the caller (`principal`), joined
// unambiguously. Keying by caller too means that even an upstream desynchronising its
// answers could not hand one agent's answer to another.
std::string UpstreamPoolKey(const Route& route, const std::string& principal);

class UpstreamPool {
 public:
  struct Options {
    size_t max_idle_per_route = 8;
    size_t max_idle_total = 64;
    std::chrono::milliseconds idle_timeout{4000};
    // The clock idle times are measured with; tests inject their own.
    std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
  };

  explicit UpstreamPool(Options options) : options_(options) {}
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // The most recently returned idle connection for `key`, or nullptr.
  std::unique_ptr<UpstreamConnection> Take(const std::string& key) EXCLUDES(mu_);
  // Files `client` (whose socket is open and quiet) as idle under `key`; drops it when
  // the bounds are reached.
  void Put(const std::string& key, std::unique_ptr<UpstreamConnection> client) EXCLUDES(mu_);
  // Closes every idle client.
  void Clear() EXCLUDES(mu_);

  size_t idle() const EXCLUDES(mu_);
  // Keys with an entry: those with idle clients or used within the idle timeout.
  size_t keys() const EXCLUDES(mu_);

 private:
  struct Idle {
    std::unique_ptr<UpstreamConnection> client;
    std::chrono::steady_clock::time_point since;
  };
  // A key's idle clients, oldest first, and when the key was last taken from or put to.
  // Kept while empty until unused for the idle timeout, so that a route in steady use
  // does not allocate an entry per request.
  struct Entry {
    std::vector<Idle> idle;
    std::chrono::steady_clock::time_point used;
  };
  // Moves idle clients older than the timeout to `out` (closed by the caller, unlocked).
  void ExpireLocked(std::chrono::steady_clock::time_point now, std::vector<Idle>& out)
      REQUIRES(mu_);

  const Options options_;
  mutable Mutex mu_;
  std::map<std::string, Entry> idle_ GUARDED_BY(mu_);
  size_t count_ GUARDED_BY(mu_) = 0;
};

}  // namespace notme::proxy
