#pragma once
// UnixHttpServer: one httplib HTTP/1.1 server per listening socket (the control socket,
// each agent socket, the loopback proxy listener), all sharing one WorkerPool.
//
// httplib parses requests and routes them; this class owns everything per connection
// (it overrides httplib's private virtual `process_and_close_socket`):
//   1. connection limit: when the shared pool is full the connection gets an immediate
//      `503` and is closed (never queued behind slow clients);
//   2. peer check (Unix sockets): SO_PEERCRED uid must equal the daemon's uid, else the
//      connection is closed unanswered and `on_refused` is told (audit `peer.refused`);
//   3. its own keep-alive loop over an FdStream (io timeout, per-request deadline, head
//      and body byte budgets), calling httplib's `process_request`;
//   4. ConnectionContext (socket identity + kernel peer credentials) for the handlers,
//      through CurrentConnection() — handlers must never trust a header for this.
// Built-in request policy before any handler runs: `Content-Length` above the route's
// limit → 413, `Transfer-Encoding` outside streaming routes → 411, both closing the
// connection; httplib's own error statuses get an RFC 6749-shaped JSON body.
//
// A response with a body of at most 16 KiB (not streamed) leaves in one send(2), head and
// body together.
//
// Register routes with the inherited Get/Post/Put/Delete before Start(). Use
// AddPreRoutingHook instead of set_pre_routing_handler; set_post_routing_handler is
// reserved too. Start/Stop from one
// thread; handlers run concurrently on pool threads.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>

#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "server/connection_context.h"
#include "server/unix_socket.h"
#include "server/worker_pool.h"

namespace notme::server {

struct ServerLimits {
  size_t max_head_bytes = 16 * 1024;     // request line + all headers
  size_t max_body_bytes = 64 * 1024;     // OAuth and management bodies
  size_t max_stream_body_bytes = 64u << 20;  // routes under a streaming prefix (the proxy)
  std::vector<std::string> streaming_prefixes = {"/r/"};
  std::chrono::milliseconds io_timeout{5000};
  std::chrono::milliseconds request_timeout{15000};
  std::chrono::milliseconds keep_alive_timeout{5000};
  size_t keep_alive_max_requests = 1000;
};

// Told about every refused connection: wrong peer uid or unreadable credentials.
// `reason` is a short code ("peer_uid_mismatch", "no_peer_credentials").
using RefusedPeerHook =
    std::function<void(const SocketIdentity& socket, const PeerInfo& peer, std::string_view reason)>;

class UnixHttpServer : public httplib::Server {
 public:
  UnixHttpServer(SocketIdentity identity, uid_t expected_uid, WorkerPool& pool,
                 ServerLimits limits, RefusedPeerHook on_refused);
  // Stop().
  ~UnixHttpServer() override;
  UnixHttpServer(const UnixHttpServer&) = delete;
  UnixHttpServer& operator=(const UnixHttpServer&) = delete;

  // Serves `listener` on a new accept thread; returns once accepting. Takes ownership.
  Result<void> Start(BoundSocket listener);
  // Stops accepting, shuts down live connections (their in-flight request completes or
  // fails), waits for them, and removes the socket file if it is still ours. Idempotent.
  void Stop();

  // Runs before routing; return Handled to answer without a route.
  void AddPreRoutingHook(HandlerWithResponse hook);

  const SocketIdentity& identity() const { return identity_; }
  // Connections answered 503 because the pool was full.
  uint64_t overload_rejections() const { return overload_rejections_.load(); }

  // Makes the current connection close after this response (e.g. after refusing a body
  // that was not read). Call from a handler.
  static void CloseAfterResponse();

 private:
  using httplib::Server::bind_to_any_port;
  using httplib::Server::bind_to_port;
  using httplib::Server::listen;
  using httplib::Server::listen_after_bind;
  using httplib::Server::set_post_routing_handler;
  using httplib::Server::set_pre_routing_handler;

  bool process_and_close_socket(socket_t sock) override;
  void ServeConnection(int fd, const PeerInfo& peer);
  void RejectOverloaded(int fd);
  size_t BodyLimitFor(std::string_view path) const;
  HandlerResponse BuiltinPreRouting(const httplib::Request& req, httplib::Response& res);
  bool Track(int fd) EXCLUDES(mu_);
  void Untrack(int fd) EXCLUDES(mu_);

  const SocketIdentity identity_;
  const uid_t expected_uid_;
  WorkerPool& pool_;
  const ServerLimits limits_;
  RefusedPeerHook on_refused_;
  std::vector<HandlerWithResponse> hooks_;
  BoundSocket listener_;
  std::thread accept_thread_;
  std::atomic<uint64_t> overload_rejections_{0};

  Mutex mu_;
  std::condition_variable_any idle_cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::set<int> live_ GUARDED_BY(mu_);
};

}  // namespace notme::server
