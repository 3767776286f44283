#pragma once
// UpstreamExchange: one proxied request to an upstream, run by cpp-httplib's client on a
// thread of its own so that both bodies stream (docs/proxy.md "Streaming"):
//
//   server worker (caller side)              exchange thread (upstream side)
//   ContentReader ──► request BytePipe ──►  Client content provider (Content-Length or chunked)
//   WaitForHead() ◄── head (status, headers) ◄─ response_handler
//   content provider ◄─ response BytePipe ◄─ content_receiver
//
// httplib 0.11.4 runs a server handler to completion before sending anything and its
// client is a single blocking send(); a pipe between two threads is the only way to
// stream through both without holding a whole body. Memory per exchange is bounded by the
// two pipes' capacities plus httplib's read buffers.
//
// The client connects to the address the caller resolved and checked (httplib's
// hostname_addr_map), sends SNI and verifies the certificate for the route's host name
// (system CA store, or the route's CA file), never follows redirects, never decompresses,
// and has connect/read/write timeouts.
//
// Lifetime: shared by the handler and the response provider; Join() must be called once
// the caller is done (it aborts nothing by itself; call Abort() first to cut it short).
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <httplib.h>

#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "proxy/address_policy.h"
#include "proxy/byte_pipe.h"
#include "proxy/header_policy.h"
#include "proxy/route.h"

namespace notme::proxy {

struct ForwarderOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{120000};  // also the longest SSE silence
  std::chrono::milliseconds write_timeout{60000};
  size_t pipe_capacity = 256 * 1024;  // per direction
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

class UpstreamExchange {
 public:
  // Starts the exchange thread. `url` gives the host name for SNI, Host and certificate
  // checks; `addr` is where to connect.
  static std::shared_ptr<UpstreamExchange> Start(const UpstreamUrl& url,
                                                 const ResolvedAddress& addr,
                                                 const std::string& ca_file,
                                                 UpstreamRequest request,
                                                 const ForwarderOptions& options);
  ~UpstreamExchange();
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
  // Waits for the exchange thread; idempotent. Returns the upstream failure, if any.
  Result<void> Join() EXCLUDES(mu_);

  uint64_t request_bytes() const { return request_bytes_.load(); }
  uint64_t response_bytes() const { return response_bytes_.load(); }

 private:
  UpstreamExchange(size_t pipe_capacity) : request_pipe_(pipe_capacity), response_pipe_(pipe_capacity) {}
  void Run(UpstreamUrl url, ResolvedAddress addr, std::string ca_file, UpstreamRequest request,
           ForwarderOptions options) EXCLUDES(mu_);
  void PublishHead(ResponseHead head) EXCLUDES(mu_);
  void PublishError(Error error) EXCLUDES(mu_);

  BytePipe request_pipe_;
  BytePipe response_pipe_;
  std::atomic<uint64_t> request_bytes_{0};
  std::atomic<uint64_t> response_bytes_{0};
  std::thread thread_;

  Mutex mu_;
  std::condition_variable_any head_cv_;
  std::optional<ResponseHead> head_ GUARDED_BY(mu_);
  std::optional<Error> error_ GUARDED_BY(mu_);
  bool joined_ GUARDED_BY(mu_) = false;
};

}  // namespace notme::proxy
