#pragma once
// UpstreamExchange: one proxied request to an upstream over notme's own HTTP/1.1 client
// (upstream_client.h), run on the server's handler thread (docs/proxy.md "Streaming"):
//
//   handler:           Start ─► WriteRequestBody… ─► FinishRequestBody ─► ReadHead
//   content provider:  ReadResponseBody… (the server calls it while sending the answer)
//   releaser:          Finish (connection back to the pool, or closed)
//
// Each body moves piece by piece from one socket to the other; nothing is held whole,
// and memory per exchange is the client's 64 KiB read buffer plus the request pieces
// being written.
//
// Connections: a pooled one (UpstreamPool, filed under the route+caller key) or a new one
// to the address the caller resolved and checked, with SNI and the certificate verified
// for the route's host name (system CA store, or the route's CA file). After an exchange
// whose answer was read in full and allows keep-alive, with nothing left to read, Finish()
// files the connection back under the same key; anything else closes it. A request without
// a body that fails on a reused connection before any answer byte arrived is retried once
// on a new connection (GET, HEAD, OPTIONS only; Http1Exchange).
// Not thread-safe: one request, used by one thread at a time (the handler, then the
// server's sending of the answer).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "notme/result.h"
#include "proxy/address_policy.h"
#include "proxy/header_policy.h"
#include "proxy/route.h"
#include "proxy/upstream_client.h"
#include "proxy/upstream_pool.h"
#include "server/http_message.h"

namespace notme::proxy {

struct ForwarderOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{120000};  // also the longest SSE silence
  std::chrono::milliseconds write_timeout{60000};
  UpstreamPool::Options pool;  // idle keep-alive connections
};

struct UpstreamRequest {
  std::string method;
  std::string path;         // base path + rest + "?query", as sent upstream
  // Filtered caller headers plus the injected one: views into the caller's request and
  // the rendered secret, which the caller keeps (and wipes) until Start has returned.
  FieldViews headers;
  RequestFraming framing;
};

struct ResponseHead {
  int status = 0;
  server::Headers headers;  // as the upstream sent them (filter before passing on)
  std::optional<uint64_t> content_length;
  bool has_body = false;  // false for HEAD, 204, 304 and Content-Length: 0
};

// Where to connect for `route` when no pooled connection is there: the checked `address`.
UpstreamTarget TargetFor(const Route& route, const ResolvedAddress& address);

// Where an exchange runs and where its connection goes afterwards.
struct ExchangeConnection {
  std::unique_ptr<UpstreamConnection> connection;  // from the pool, or nullptr
  UpstreamTarget target;                           // for a new connection (connection == nullptr)
  UpstreamPool* pool = nullptr;                    // returned here after a clean exchange
  std::string pool_key;
};

class UpstreamExchange {
 public:
  // Opens a new connection when none came from the pool, and prepares the request head
  // (sent with the first body bytes, or by ReadHead). `url` gives the Host header.
  // Errors: kUpstream (connect refused or failed, TLS, certificate), kTimeout (connect),
  // kPermissionDenied (connected to a non-public address the route does not allow).
  static Result<std::unique_ptr<UpstreamExchange>> Start(ExchangeConnection connection,
                                                         const UpstreamUrl& url,
                                                         UpstreamRequest request,
                                                         const ForwarderOptions& options);
  ~UpstreamExchange() { Finish(); }
  UpstreamExchange(const UpstreamExchange&) = delete;
  UpstreamExchange& operator=(const UpstreamExchange&) = delete;

  // Request body from the caller. Errors: kUpstream (the upstream side failed: stop
  // reading), kInvalidRequest (more or fewer bytes than the declared length).
  Result<void> WriteRequestBody(const char* data, size_t n);
  Result<void> FinishRequestBody();

  // Sends what is pending and reads the upstream's status line and headers.
  // Errors: kUpstream (connection, TLS, malformed answer), kTimeout.
  Result<ResponseHead> ReadHead();

  // The next piece of the response body (valid until the next call); empty at the end.
  // Errors: kUpstream.
  Result<std::string_view> ReadResponseBody();

  // Ends the exchange: the connection goes back to the pool when it may (see above),
  // else it is closed. Idempotent; no other call may follow.
  void Finish();

  uint64_t request_bytes() const { return exchange_->request_body_bytes(); }
  uint64_t response_bytes() const { return exchange_->response_body_bytes(); }

 private:
  UpstreamExchange(std::unique_ptr<Http1Exchange> exchange, UpstreamPool* pool,
                   std::string pool_key)
      : exchange_(std::move(exchange)), pool_(pool), pool_key_(std::move(pool_key)) {}

  std::unique_ptr<Http1Exchange> exchange_;
  UpstreamPool* pool_;
  std::string pool_key_;
  bool finished_ = false;
};

}  // namespace notme::proxy
