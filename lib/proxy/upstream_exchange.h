#pragma once
// UpstreamExchange: one proxied request to an upstream, run by cpp-httplib's client on a
// worker of the proxy's exchange pool so that both bodies stream (docs/proxy.md
// "Streaming"):
//
//   server worker (caller side)              exchange worker (upstream side)
//   ContentReader ──► request BytePipe ──►  Client content provider (Content-Length or chunked)
//   WaitForHead() ◄── head (status, headers) ◄─ response_handler
//   content provider ◄─ response BytePipe ◄─ content_receiver
//
// httplib 0.11.4 runs a server handler to completion before sending anything and its
// client is a single blocking send(); a pipe between two threads is the only way to
// stream through both without holding a whole body. Memory per exchange is bounded by the
// two pipes' capacities plus httplib's read buffers. The exchange workers are reused
// (server::WorkerPool), so a request does not pay a thread start.
//
// The client (MakeUpstreamClient) connects to the address the caller resolved and checked
// (httplib's hostname_addr_map), sends SNI and verifies the certificate for the route's
// host name (system CA store, or the route's CA file), never follows redirects, never
// decompresses, keeps its connection alive, and has connect/read/write timeouts. After a
// clean exchange whose answer allows keep-alive the client goes back to the UpstreamPool
// under the route's key; after any error, or an answer closing the connection, it is
// dropped. A request without a body that fails on a reused connection before any answer
// arrived (the upstream closed the idle socket just then) is retried once on a new
// connection to the same checked address; only for GET, HEAD and OPTIONS (RFC 9110
// §9.2.2 idempotent and bodiless).
//
// Lifetime: shared by the handler, the response provider and the running task; Join()
// must be called once the caller is done (it aborts nothing by itself; call Abort() first
// to cut it short).
// Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <httplib.h>

#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "proxy/address_policy.h"
#include "proxy/byte_pipe.h"
#include "proxy/header_policy.h"
#include "proxy/route.h"
#include "proxy/upstream_pool.h"
#include "server/worker_pool.h"

namespace notme::proxy {

struct ForwarderOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{120000};  // also the longest SSE silence
  std::chrono::milliseconds write_timeout{60000};
  size_t pipe_capacity = 256 * 1024;  // per direction
  size_t max_exchanges = 256;         // concurrent upstream exchanges (worker threads)
  UpstreamPool::Options pool;         // idle keep-alive connections
};

struct UpstreamRequest {
  std::string method;
  std::string path;           // base path + rest + "?query", as sent upstream
  httplib::Headers headers;   // filtered caller headers plus the injected one
  RequestFraming framing;
};

struct ResponseHead {
  int status = 0;
  httplib::Headers headers;  // as the upstream sent them (filter before passing on)
  std::optional<uint64_t> content_length;
  bool has_body = false;  // false for HEAD, 1xx, 204, 304 and Content-Length: 0
};

// A client for `url` that connects only to `addr` (see above). `url` gives the host name
// for SNI, Host and certificate checks.
std::unique_ptr<httplib::ClientImpl> MakeUpstreamClient(const UpstreamUrl& url,
                                                        const ResolvedAddress& addr,
                                                        const std::string& ca_file,
                                                        const ForwarderOptions& options);

// Where an exchange runs and where its connection goes afterwards.
struct ExchangeConnection {
  std::unique_ptr<httplib::ClientImpl> client;  // from MakeUpstreamClient or the pool
  bool reused = false;                          // taken from the pool
  UpstreamPool* pool = nullptr;                 // returned here after a clean exchange
  std::string pool_key;
};

class UpstreamExchange {
 public:
  // Runs the exchange on a worker of `workers`. `url` gives the Host header.
  // Errors: kUnavailable when every exchange worker is busy.
  static Result<std::shared_ptr<UpstreamExchange>> Start(server::WorkerPool& workers,
                                                         ExchangeConnection connection,
                                                         const UpstreamUrl& url,
                                                         UpstreamRequest request,
                                                         const ForwarderOptions& options);
  ~UpstreamExchange() = default;
  UpstreamExchange(const UpstreamExchange&) = delete;
  UpstreamExchange& operator=(const UpstreamExchange&) = delete;

  // Request body from the caller. False once the upstream side failed (stop reading).
  bool WriteRequestBody(const char* data, size_t n);
  void FinishRequestBody();

  // Blocks until the upstream's status line and headers arrived, or the exchange failed.
  // Errors: kUpstream (connect, TLS, certificate, protocol), kTimeout.
  Result<ResponseHead> WaitForHead() EXCLUDES(mu_);

  // Response body for the caller (see BytePipe::Read).
  BytePipe::ReadStatus ReadResponseBody(std::string& out, size_t max);

  // Cuts the exchange short (caller went away).
  void Abort();
  // Waits for the exchange to finish; idempotent. Returns the upstream failure, if any.
  Result<void> Join() EXCLUDES(mu_);

  uint64_t request_bytes() const { return request_bytes_.load(); }
  uint64_t response_bytes() const { return response_bytes_.load(); }

 private:
  explicit UpstreamExchange(size_t pipe_capacity)
      : request_pipe_(pipe_capacity), response_pipe_(pipe_capacity) {}
  void Run(ExchangeConnection connection, const UpstreamUrl& url, UpstreamRequest request)
      EXCLUDES(mu_);
  bool head_published() const EXCLUDES(mu_);
  void PublishHead(ResponseHead head) EXCLUDES(mu_);
  void PublishError(Error error) EXCLUDES(mu_);

  BytePipe request_pipe_;
  BytePipe response_pipe_;
  std::atomic<uint64_t> request_bytes_{0};
  std::atomic<uint64_t> response_bytes_{0};

  mutable Mutex mu_;
  std::condition_variable_any head_cv_;  // head, error or done
  std::optional<ResponseHead> head_ GUARDED_BY(mu_);
  std::optional<Error> error_ GUARDED_BY(mu_);
  bool done_ GUARDED_BY(mu_) = false;
};

}  // namespace notme::proxy
