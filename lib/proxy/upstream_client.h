#pragma once
// notme's own HTTP/1.1 client for upstreams (docs/proxy.md "Streaming"): one request and
// its answer over one UpstreamConnection, driven entirely by the calling thread — write
// the request head, stream the request body, read the answer's head, stream its body. No
// thread, no pipe, no copy of a whole body.
//
//   UpstreamConnection  a connected UpstreamStream (plain or TLS) plus the UpstreamTarget it
//                       was made for; what the UpstreamPool keeps between requests.
//   Http1Exchange       one request/answer on a connection. The request head (which may
//                       carry an injected secret) is wiped from memory once the answer's
//                       head arrived or the exchange ends.
//
// The answer is parsed as untrusted input (http1_response_parser.h). Interim 1xx answers
// are skipped, except 101 (refused: nothing here asks for an upgrade). Redirects are not
// followed: a 3xx is an answer like any other. Nothing is decompressed.
// Reuse: Release() hands the connection back only after the whole answer was read, the
// answer allowed keep-alive (HTTP/1.1, no "Connection: close", a framed body) and nothing
// more is waiting on the connection (no byte beyond the answer, buffered, in a TLS record
// or on the socket).
// Retry: when a request without a body, marked retryable (GET, HEAD, OPTIONS: RFC 9110
// §9.2.2 idempotent), fails on a reused connection before a single byte of answer
// arrived — the upstream closed the idle connection just then — it is sent once more on a
// new connection to the same checked address.
// Not thread-safe: one exchange, one thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"
#include "proxy/address_policy.h"
#include "proxy/http1_response_parser.h"
#include "proxy/tls_stream.h"

namespace notme::proxy {

// Where and how to connect. `host` is the name for SNI and the certificate check.
struct UpstreamTarget {
  std::string host;
  uint16_t port = 443;
  bool tls = true;
  std::string ca_file;      // "" = the system store
  ResolvedAddress address;  // checked by the caller (address_policy.h)
  bool allow_non_public = false;
};

class UpstreamConnection {
 public:
  // Connects (and for TLS, handshakes). Errors: those of UpstreamStream::Connect and
  // StartTls.
  static Result<std::unique_ptr<UpstreamConnection>> Open(const UpstreamTarget& target,
                                                          const StreamTimeouts& timeouts);
  const UpstreamTarget& target() const { return target_; }
  const StreamTimeouts& timeouts() const { return timeouts_; }
  UpstreamStream& stream() { return *stream_; }

 private:
  UpstreamConnection(std::unique_ptr<UpstreamStream> stream, UpstreamTarget target,
                     const StreamTimeouts& timeouts)
      : stream_(std::move(stream)), target_(std::move(target)), timeouts_(timeouts) {}
  std::unique_ptr<UpstreamStream> stream_;
  UpstreamTarget target_;
  StreamTimeouts timeouts_;
};

// How the request body is framed for the upstream.
struct RequestBodyFraming {
  std::optional<uint64_t> content_length;  // sent as Content-Length
  bool chunked = false;                    // sent as Transfer-Encoding: chunked
};

// "METHOD target HTTP/1.1", Host, the given fields in order, then the framing field.
// The caller has validated every name and value (header_policy.h); `fields` may hold a
// secret, and so does the result.
std::string RenderRequestHead(
    std::string_view method, std::string_view target, std::string_view host,
    const std::vector<std::pair<std::string_view, std::string_view>>& fields,
    const RequestBodyFraming& framing);

class Http1Exchange {
 public:
  // `head` from RenderRequestHead (taken and wiped later). Nothing is sent until the first
  // body write or ReadHead (a small request goes out in one write).
  Http1Exchange(std::unique_ptr<UpstreamConnection> connection, bool reused, std::string head,
                const RequestBodyFraming& framing, bool head_request, bool retryable);
  ~Http1Exchange();
  Http1Exchange(const Http1Exchange&) = delete;
  Http1Exchange& operator=(const Http1Exchange&) = delete;

  // Request body bytes. Errors: kUpstream (write failed or timed out), kInvalidRequest
  // (more bytes than the declared Content-Length).
  Result<void> WriteBody(std::string_view data);
  // Ends the request body. Errors: kUpstream, kInvalidRequest (fewer bytes than declared).
  Result<void> FinishBody();

  // Sends what is queued and reads the answer's head (skipping 1xx). Errors: kUpstream
  // (connection, TLS, malformed or refused answer), kTimeout.
  Result<ParsedResponseHead> ReadHead();

  // The next piece of the answer's body, valid until the next call; empty at its end.
  // Errors: kUpstream (connection failed, body cut short or malformed).
  Result<std::string_view> ReadBody();

  // The connection, if it may be reused (see above); else nullptr (and it is closed).
  std::unique_ptr<UpstreamConnection> Release();

  bool complete() const { return complete_; }
  uint64_t request_body_bytes() const { return request_body_bytes_; }
  uint64_t response_body_bytes() const { return response_body_bytes_; }

 private:
  Result<void> Queue(std::string_view data);
  Result<void> Flush();
  // Reads more bytes into the buffer, waiting for the first; 0 at EOF.
  Result<size_t> Fill();
  Result<ParsedResponseHead> ReadHeadOnce();
  Result<void> Reconnect();
  void WipeHead();

  std::unique_ptr<UpstreamConnection> connection_;
  bool reused_;
  std::string head_;  // kept for a retry until the answer's head arrived
  bool head_sent_ = false;
  RequestBodyFraming framing_;
  bool head_request_;
  bool retryable_;
  std::string out_;  // queued request bytes
  uint64_t request_body_bytes_ = 0;

  // Answer bytes [in_pos_, in_end_) of kInBuffer, allocated on the first read without
  // zero-filling (a small answer uses a few hundred bytes of it).
  std::unique_ptr<char[]> in_;
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  uint64_t received_ = 0;                  // answer bytes received in all
  BodyFraming body_ = BodyFraming::kNone;  // of the answer, once its head arrived
  bool keep_alive_ = false;
  bool request_done_ = false;  // the whole request went out (head and body)
  uint64_t body_left_ = 0;     // kLength
  ChunkedDecoder chunked_;
  bool complete_ = false;
  bool failed_ = false;
  bool retried_ = false;
  uint64_t response_body_bytes_ = 0;
};

}  // namespace notme::proxy
