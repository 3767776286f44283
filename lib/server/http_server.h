#pragma once
// UnixHttpServer: notme's own HTTP/1.1 server for one listening socket (the control
// socket, each agent socket, the loopback proxy listener). docs/daemon.md "Server".
//
// Concurrency: every server of the process shares one EventLoop (event_loop.h): one
// epoll set holding all listeners and every idle keep-alive connection, served by a
// small fixed set of worker threads (one per CPU, at least 2). A worker takes a ready
// connection (EPOLLONESHOT), reads what arrived into the connection's buffer, parses it
// incrementally (http_parser.h), runs the handler and writes the response, then re-arms
// the connection. Requests under a streaming or pooled prefix (the proxy, registration)
// run on the same worker, without a thread hand-off, inside an EventLoop::BlockingScope:
// the loop starts an extra worker whenever every worker would otherwise be inside one, so
// a slow upstream never stalls minting (event_loop.h "Elastic"). The shared WorkerPool
// holds the connection slots and flushes answers to clients that read them slowly.
// Timeouts are enforced by the loop's deadline sweep, not by a thread per connection.
//
// Per connection:
//   1. connection limit: the WorkerPool's connection slots (= its thread limit) are the
//      daemon-wide limit; beyond it a connection gets an immediate `503` and is closed;
//   2. peer check (Unix sockets): SO_PEERCRED uid must equal the daemon's uid, else the
//      connection is closed unanswered and `on_refused` is told (audit `peer.refused`);
//   3. keep-alive with io, request and keep-alive timeouts, at most
//      keep_alive_max_requests requests, head and body byte limits;
//   4. ConnectionContext (socket identity + kernel peer credentials) for the handlers,
//      through CurrentConnection() — handlers must never trust a header for this.
// Built-in request policy before any handler runs: the strict parser's refusals (400,
// 431, 501, 505), `Content-Length` above the route's limit → 413, `Transfer-Encoding`
// outside streaming routes → 411, all closing the connection; every 4xx/5xx the server
// or a handler produces without a body gets an RFC 6749-shaped JSON body; a handler that
// throws gets a 500. A response's head and (non-streamed) body leave in one sendmsg(2).
//
// Register routes and hooks before Start(); Start/Stop from one thread. Handlers run
// concurrently on loop workers and pool threads.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "server/connection_context.h"
#include "server/http_message.h"
#include "server/unix_socket.h"
#include "server/worker_pool.h"

namespace notme::server {

class EventLoop;
class HttpConnection;

struct ServerLimits {
  size_t max_head_bytes = 16 * 1024;         // request line + all headers
  size_t max_body_bytes = 64 * 1024;         // OAuth and management bodies
  size_t max_stream_body_bytes = 64u << 20;  // routes under a streaming prefix (the proxy)
  std::vector<std::string> streaming_prefixes = {"/r/"};
  // Routes whose handlers wait on the network (registration calls an external service):
  // run in a blocking scope like streaming routes, but with max_body_bytes.
  std::vector<std::string> pooled_prefixes = {"/v1/registrations"};
  std::chrono::milliseconds io_timeout{5000};
  std::chrono::milliseconds request_timeout{15000};
  std::chrono::milliseconds keep_alive_timeout{5000};
  size_t keep_alive_max_requests = 1000;
};

// Told about every refused connection: wrong peer uid or unreadable credentials.
// `reason` is a short code ("peer_uid_mismatch", "no_peer_credentials").
using RefusedPeerHook = std::function<void(const SocketIdentity& socket, const PeerInfo& peer,
                                           std::string_view reason)>;

class UnixHttpServer {
 public:
  // `pool` must outlive the server.
  UnixHttpServer(SocketIdentity identity, uid_t expected_uid, WorkerPool& pool, ServerLimits limits,
                 RefusedPeerHook on_refused);
  // Stop().
  ~UnixHttpServer();
  UnixHttpServer(const UnixHttpServer&) = delete;
  UnixHttpServer& operator=(const UnixHttpServer&) = delete;

  // Routes: `pattern` is an ECMAScript regex that must match the whole decoded path
  // (its groups land in req.matches). First registered match wins; no match → 404.
  // A Get route also answers HEAD (without the body). The reader forms are for routes
  // under a streaming prefix: the handler streams the body instead of getting req.body.
  UnixHttpServer& Get(const std::string& pattern, Handler handler);
  UnixHttpServer& Post(const std::string& pattern, Handler handler);
  UnixHttpServer& Post(const std::string& pattern, HandlerWithContentReader handler);
  UnixHttpServer& Put(const std::string& pattern, Handler handler);
  UnixHttpServer& Put(const std::string& pattern, HandlerWithContentReader handler);
  UnixHttpServer& Patch(const std::string& pattern, Handler handler);
  UnixHttpServer& Patch(const std::string& pattern, HandlerWithContentReader handler);
  UnixHttpServer& Delete(const std::string& pattern, Handler handler);
  UnixHttpServer& Delete(const std::string& pattern, HandlerWithContentReader handler);
  UnixHttpServer& Options(const std::string& pattern, Handler handler);

  // Runs before routing (after the built-in policy), in the order added; the first that
  // returns kHandled answers.
  void AddPreRoutingHook(PreRoutingHook hook);

  // Serves `listener` (takes ownership) on the shared event loop.
  Result<void> Start(BoundSocket listener);
  // Stops accepting, shuts down live connections (their in-flight request completes or
  // fails), waits for them, and removes the socket file if it is still ours. Idempotent.
  void Stop();

  const SocketIdentity& identity() const { return identity_; }
  // Connections answered 503 because the connection limit was reached.
  uint64_t overload_rejections() const { return overload_rejections_.load(); }

  // Makes the current connection close after this response (e.g. after refusing a body
  // that was not read). Call from a handler.
  static void CloseAfterResponse();

 private:
  friend class HttpConnection;
  class Listener;

  struct Route {
    std::string method;
    std::string literal;  // set when the pattern has no regex syntax: compared as is
    // set when the pattern is a literal followed by [\s\S]* (any rest): a prefix compare
    std::string prefix;
    std::regex regex;
    Handler handler;
    HandlerWithContentReader reader_handler;
  };

  UnixHttpServer& AddRoute(std::string method, const std::string& pattern, Handler handler,
                           HandlerWithContentReader reader_handler);
  // The route for `method` and `req.path` (fills req.matches), or nullptr.
  const Route* FindRoute(std::string_view method, Request& req) const;
  bool IsStreamingPath(std::string_view path) const;
  bool IsPooledPath(std::string_view path) const;
  bool Stopping() EXCLUDES(mu_);
  size_t BodyLimitFor(std::string_view path) const;
  // Accepts every pending connection of the listener (called by the loop).
  void AcceptReady();
  void Admit(int fd);
  void RejectOverloaded(int fd);
  bool Track(HttpConnection* conn) EXCLUDES(mu_);
  // Closes the connection's fd and forgets it (the last thing a connection does).
  void Untrack(HttpConnection* conn) EXCLUDES(mu_);

  const SocketIdentity identity_;
  const uid_t expected_uid_;
  WorkerPool& pool_;
  const ServerLimits limits_;
  RefusedPeerHook on_refused_;
  std::vector<PreRoutingHook> hooks_;
  std::vector<Route> routes_;
  std::shared_ptr<EventLoop> loop_;
  BoundSocket listener_;
  uint64_t listener_id_ = 0;
  std::atomic<uint64_t> overload_rejections_{0};

  Mutex mu_;
  std::condition_variable_any idle_cv_;
  bool started_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  int accepting_ GUARDED_BY(mu_) = 0;
  std::set<HttpConnection*> live_ GUARDED_BY(mu_);
};

}  // namespace notme::server
