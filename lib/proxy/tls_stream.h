#pragma once
// UpstreamStream: one outbound TCP connection, plain or TLS through OpenSSL's libssl, with
// a timeout on every wait — the transport of the proxy's own HTTP/1.1 client
// (upstream_client.h) and of the registration service client.
//
// Connecting: to exactly the numeric address given (no lookup here: the caller resolved
// and checked it, address_policy.h), non-blocking with a connect timeout, TCP_NODELAY.
// After the connect (and the TLS handshake, which has one deadline for all its round
// trips) the socket blocks, with the read and write timeouts as SO_RCVTIMEO/SO_SNDTIMEO:
// waiting for an answer is then the one recv that returns it, not a poll and a recv.
// Unless non-public addresses are allowed, the address actually connected to
// (getpeername) is checked again.
// TLS: TLS 1.2 or newer, certificate verification on (the system CA store, or only the
// given CA file), the host name checked against the certificate (SSL_set1_host, or the IP
// address for a literal), SNI for a DNS name. The SSL_CTX is made on first use and shared
// per CA file (reloaded when the file changes; the system store is loaded once).
// Owns the socket and the SSL object; closes both when destroyed.
// Not thread-safe: one exchange at a time uses a stream.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "notme/result.h"
#include "proxy/address_policy.h"
#include "server/unique_fd.h"

struct ssl_st;

namespace notme::proxy {

struct StreamTimeouts {
  std::chrono::milliseconds connect{10000};  // TCP connect and TLS handshake, each
  std::chrono::milliseconds read{120000};    // longest wait for the next bytes
  std::chrono::milliseconds write{60000};    // longest wait for the socket to drain
};

class UpstreamStream {
 public:
  // Errors: kTimeout (connect timed out), kUnavailable (refused / unreachable),
  // kPermissionDenied (connected to a non-public address that is not allowed).
  static Result<std::unique_ptr<UpstreamStream>> Connect(const ResolvedAddress& address,
                                                         uint16_t port, bool allow_non_public,
                                                         const StreamTimeouts& timeouts);
  ~UpstreamStream();
  UpstreamStream(const UpstreamStream&) = delete;
  UpstreamStream& operator=(const UpstreamStream&) = delete;

  // TLS handshake for `host` (DNS name or IP literal) verified against `ca_file` ("" = the
  // system store). Errors: kUpstream ("TLS handshake ... failed" / "certificate
  // verification failed"), kTimeout.
  Result<void> StartTls(const std::string& host, const std::string& ca_file);

  // Reads up to `n` bytes (at least one), waiting up to the read timeout for the first;
  // 0 means the peer closed the connection (for TLS, also without close_notify: the HTTP
  // framing tells whether that lost data).
  // Errors: kUpstream (reset, TLS failure), kTimeout (no byte within the read timeout).
  Result<size_t> ReadSome(char* buf, size_t n);
  // Writes all of `data`. Errors: kUpstream (closed, reset), kTimeout (the socket did not
  // drain within the write timeout).
  Result<void> WriteAll(std::string_view data);
  // True when nothing is waiting to be read: no decrypted TLS bytes, and the socket is not
  // readable (no data, no EOF). A connection with bytes no request asked for is not reused.
  bool Quiet() const;

  bool tls() const { return ssl_ != nullptr; }

 private:
  UpstreamStream(server::UniqueFd fd, const StreamTimeouts& timeouts)
      : fd_(std::move(fd)), timeouts_(timeouts) {}
  // Waits for `events` up to `timeout`; false on timeout or error.
  bool Wait(short events, std::chrono::milliseconds timeout) const;
  // Drives a non-blocking SSL call: waits as OpenSSL asks. False when it cannot go on.
  bool WaitFor(int ssl_error, std::chrono::milliseconds timeout) const;
  // Once, before the first read or write: the socket blocks, with the read and write
  // timeouts set on it.
  Result<void> MakeBlocking();

  server::UniqueFd fd_;
  StreamTimeouts timeouts_;
  ssl_st* ssl_ = nullptr;
  bool blocking_ = false;
};

}  // namespace notme::proxy
