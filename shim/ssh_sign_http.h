#pragma once
// A minimal HTTP/1.1 client over notmed's Unix socket, for notme-ssh-sign only.
//
// Why not lib/client: git starts the shim for every signature, and lib/client links
// cpp-httplib, whose shared library initialises OpenSSL at load time; that alone cost
// more than ssh-keygen's whole signature (docs/benchmarks.md "ssh"). This client does one
// request per connection (`Connection: close`), reads a Content-Length body, and nothing
// else. It still uses lib/client's socket checks, error decoding and form encoding.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "notme/result.h"

namespace notme::shim {

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::optional<std::string> dpop_nonce;  // DPoP-Nonce response header
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One keep-alive connection to notmed, used for the shim's few requests in a row (each
// new connection costs the daemon an accept-thread hand-off). Reconnects once if the
// server closed it. Not thread-safe.
class UnixHttpConnection {
 public:
  explicit UnixHttpConnection(std::string socket,
                              std::chrono::milliseconds timeout = std::chrono::seconds(15))
      : socket_(std::move(socket)), timeout_(timeout) {}
  ~UnixHttpConnection();
  UnixHttpConnection(const UnixHttpConnection&) = delete;
  UnixHttpConnection& operator=(const UnixHttpConnection&) = delete;

  // Connects now if not connected yet, so that notmed accepts and hands the connection
  // to a worker while the caller prepares its first request (Request connects lazily
  // otherwise). Errors: kDaemonUnreachable, kIo, kConfig (path too long).
  Result<void> Open();

  // Errors: kDaemonUnreachable (no socket / refused), kTimeout, kIo, kMalformed
  // (unparsable answer), kTooLarge (answer over 1 MiB).
  Result<HttpAnswer> Request(std::string_view method, std::string_view path,
                             std::string_view body, const HeaderList& headers);

 private:
  Result<void> Connect();
  Result<HttpAnswer> RequestOnce(const std::string& request, bool* retry);
  void Close();

  std::string socket_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  bool answered_ = false;  // an answer has been read on fd_
};

// Parses a complete response (status line, headers, Content-Length body). Exposed for
// tests. Errors: kMalformed.
Result<HttpAnswer> ParseHttpAnswer(std::string_view raw);

}  // namespace notme::shim
