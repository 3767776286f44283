#pragma once
// ProxyService: serves "ANY /r/<route>/<path>" (docs/proxy.md). For each request it
//   1. parses and checks the target (proxy_path.h) and the route's method/path policy;
//   2. checks the caller may use the route (the human may use every route; an agent needs
//      the route's scope among the scopes it holds);
//   3. filters the caller's headers (header_policy.h);
//   4. resolves the upstream to one address and refuses non-public ones unless the route
//      allows loopback (address_policy.h);
//   5. reads the secret from the keyring, renders the injected header, and streams the
//      exchange both ways (upstream_exchange.h);
//   6. audits the outcome: caller, route, method, path (no query), status, bytes, duration;
//      never a header value, secret or token.
// The caller's identity comes from the daemon (socket kind, or a verified access token),
// never from the request itself.
// Idle upstream connections are kept per route and caller for reuse (UpstreamPool); each
// exchange runs on the handler's own thread (docs/proxy.md "Connection reuse").
// Thread-safe: const after construction apart from that internally locked pool;
// each request is independent.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "crypto/secret_bytes.h"
#include "notme/result.h"
#include "proxy/route_store.h"
#include "proxy/upstream_exchange.h"
#include "proxy/upstream_pool.h"
#include "server/http_message.h"

namespace notme::proxy {

struct ProxyCaller {
  std::string principal;            // "human" or the agent name (audit)
  bool is_human = false;            // control socket: every route
  std::vector<std::string> scopes;  // an agent's granted scopes
  // Authenticated with HTTP Basic (token as password; loopback listener): only git's
  // smart-HTTP requests are allowed (docs/proxy.md "git").
  bool git_only = false;
};

// Reads a secret by name from the keyring. Errors: kNotFound, kUnavailable.
using SecretLookup = std::function<Result<crypto::SecretBytes>(const std::string& name)>;

struct ProxyAuditRecord {
  std::string principal;
  std::string route;
  std::string method;
  std::string path;  // the path below the route, without the query
  int status = 0;    // what the caller got
  uint64_t request_bytes = 0;
  uint64_t response_bytes = 0;
  int64_t duration_ms = 0;
  std::string error;  // ErrorCodeName of a refusal or upstream failure, "" on success
};
using ProxyAuditSink = std::function<void(const ProxyAuditRecord&)>;

class ProxyService {
 public:
  // `routes` must outlive the service.
  ProxyService(const RouteStore& routes, SecretLookup secrets, ProxyAuditSink audit,
               ForwarderOptions options);
  // Closes the idle upstream connections (every request must have finished: stop the
  // servers first).
  ~ProxyService();
  ProxyService(const ProxyService&) = delete;
  ProxyService& operator=(const ProxyService&) = delete;

  // Closes every idle upstream connection (after a route reload).
  void CloseIdleConnections() const;
  // Idle upstream connections now in the pool. A connection goes back there when its
  // exchange has finished, which may be just after the caller received the whole answer.
  size_t idle_upstream_connections() const { return pool_->idle(); }

  // Serves one request. `body` is the server's ContentReader for methods that carry one,
  // or nullptr (then `req.body`, if any, is forwarded). Always sets a response.
  void Handle(const ProxyCaller& caller, const server::Request& req, server::Response& res,
              const server::ContentReader* body) const;

  // True when `caller` may use `route` (scope check only).
  static bool MayUse(const ProxyCaller& caller, const Route& route);
  // True for git smart-HTTP requests: GET .../info/refs?service=git-upload-pack|
  // git-receive-pack, POST .../git-upload-pack, POST .../git-receive-pack.
  static bool IsGitSmartHttp(const std::string& method, const std::vector<std::string>& segments,
                             const std::string& query);

 private:
  struct Prepared;
  Result<void> Forward(const ProxyCaller& caller, const Route& route, Prepared& prepared,
                       const server::Request& req, server::Response& res,
                       const server::ContentReader* body, ProxyAuditRecord& record,
                       std::chrono::steady_clock::time_point start, bool& audit_deferred) const;

  const RouteStore& routes_;
  SecretLookup secrets_;
  ProxyAuditSink audit_;
  ForwarderOptions options_;
  std::unique_ptr<UpstreamPool> pool_;
};

// Status and JSON error body for a refusal: authority::MapError (protected resource), but
// 405 for a method a route refuses, 414 for an overlong target and 502 for a secret that
// cannot be sent.
int ProxyHttpStatus(ErrorCode code);
void SetProxyError(server::Response& res, const Error& error);

}  // namespace notme::proxy
