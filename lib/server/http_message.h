#pragma once
// The request and response types of notme's own HTTP/1.1 server (http_server.h).
//
// They mirror the part of cpp-httplib's API that notme's handlers used (same member and
// method names: `req.body`, `res.set_content`, `get_header_value`, ...), so handlers
// port by changing the namespace; the lower-case accessor names are kept for that
// reason. What they leave out on purpose: multipart parsing, Range handling, response
// compression (a response holding a token must never be compressed next to attacker
// text; RFC 9110 §8.4 leaves it optional).
//
// A Request is filled by the server's parser (strict RFC 9112, see http_parser.h) and
// handed to one handler on one thread; a Response is written by that handler and sent by
// the server after it returns. Neither is thread-safe; neither needs to be.

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <string_view>

namespace notme::server {

// Ordering for header names whose equivalence is ASCII case-insensitive equality (RFC
// 9110 §5.1): by length, then case-insensitively by byte. Not alphabetical; a map only
// needs some strict weak ordering, and this one is cheap for names of different lengths.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// ASCII case-insensitive equality (header names, tokens such as "chunked").
// Inline: header names are compared against lists of names on every request, and most
// comparisons end at the size check.
inline char ToLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

// True when `s` contains CR, LF or NUL: never allowed in a header name or value, since it
// could end the field or the head early (RFC 9110 §5.5).
bool HasLineBreakOrNul(std::string_view s);

// Header fields in arrival order per name; several fields of one name are kept apart.
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
// Decoded query parameters (`+` is a space, `%XX` decoded), in order per name.
using Params = std::multimap<std::string, std::string>;

// Receives a piece of a streamed request body; return false to stop reading.
using ContentReceiver = std::function<bool(const char* data, size_t length)>;

// Handed to a handler registered with a reader (routes under a streaming prefix): reads
// the request body (Content-Length or chunked) piece by piece, within the route's body
// limit and the server's timeouts, calling `receiver` for each piece. Returns true once
// the whole body was delivered (also for an empty body), false when the client failed,
// a limit was hit or `receiver` returned false. Call it at most once; a body the handler
// does not read in full makes the server close the connection after the response.
class ContentReader {
 public:
  using Reader = std::function<bool(ContentReceiver receiver)>;
  explicit ContentReader(Reader reader) : reader_(std::move(reader)) {}
  bool operator()(ContentReceiver receiver) const { return reader_(std::move(receiver)); }

 private:
  Reader reader_;
};

// Where a content provider writes a streamed response body. `write` returns false once
// the client is gone (the provider should then return false); `done` ends a chunked
// body (for a provider with a length the server ends it after `length` bytes);
// `is_writable` is true while the connection can still take bytes.
struct DataSink {
  std::function<bool(const char* data, size_t length)> write;
  std::function<void()> done;
  std::function<bool()> is_writable;
};

// Called until `length` bytes were written (offset = bytes so far); false aborts the
// response and closes the connection.
using ContentProvider = std::function<bool(size_t offset, size_t length, DataSink& sink)>;
// Called until it calls sink.done(); the body goes out with Transfer-Encoding: chunked.
using ContentProviderWithoutLength = std::function<bool(size_t offset, DataSink& sink)>;
// Called exactly once when the response is destroyed: `success` is true when the whole
// streamed body was sent.
using ContentProviderResourceReleaser = std::function<void(bool success)>;

struct Request {
  std::string method;   // e.g. "GET" (a token; case-sensitive, RFC 9110 §9.1)
  std::string target;   // the raw request-target, e.g. "/r/gh/x%2Fy?page=2"
  std::string path;     // the target's path, percent-decoded (what routes match)
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  Headers headers;
  Params params;        // from the target's query
  std::string body;     // the body, for handlers registered without a reader
  std::smatch matches;  // the route pattern's groups over `path`

  bool has_header(std::string_view key) const;
  // The `id`-th value of `key`, or "" when there is none.
  std::string get_header_value(std::string_view key, size_t id = 0) const;
  size_t get_header_value_count(std::string_view key) const;
  bool has_param(std::string_view key) const;
  std::string get_param_value(std::string_view key, size_t id = 0) const;
};

struct Response {
  Response() = default;
  // Calls the content provider's releaser, if one is set and was not called yet.
  ~Response();
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;

  int status = 200;
  Headers headers;
  std::string body;

  bool has_header(std::string_view key) const;
  std::string get_header_value(std::string_view key, size_t id = 0) const;
  // Replaces every field named `key` with this one. A name or value holding CR, LF or
  // NUL is ignored (response splitting). Add a second field of one name with
  // headers.emplace.
  void set_header(std::string_view key, std::string_view value);
  // The body and its Content-Type (no Content-Type field when `content_type` is empty).
  void set_content(std::string body_text, std::string_view content_type);
  void set_content(const char* data, size_t length, std::string_view content_type);
  // A 3xx with `Location: url` (refused like set_header for CR/LF).
  void set_redirect(std::string_view url, int redirect_status = 302);
  // A streamed body of exactly `length` bytes.
  void set_content_provider(size_t length, std::string_view content_type,
                            ContentProvider provider,
                            ContentProviderResourceReleaser releaser = nullptr);
  // A streamed body of unknown length, sent chunked (RFC 9112 §7.1).
  void set_chunked_content_provider(std::string_view content_type,
                                    ContentProviderWithoutLength provider,
                                    ContentProviderResourceReleaser releaser = nullptr);

  // For the server: the streamed-body state set above.
  bool has_content_provider() const { return provider_ || chunked_provider_; }
  size_t content_length() const { return content_length_; }
  const ContentProvider& content_provider() const { return provider_; }
  const ContentProviderWithoutLength& chunked_content_provider() const {
    return chunked_provider_;
  }
  // Calls the releaser (once) with `success`.
  void Release(bool success);

 private:
  size_t content_length_ = 0;
  ContentProvider provider_;
  ContentProviderWithoutLength chunked_provider_;
  ContentProviderResourceReleaser releaser_;
};

// What a pre-routing hook decided.
enum class HandlerResponse { kHandled, kUnhandled };

using Handler = std::function<void(const Request& req, Response& res)>;
using HandlerWithContentReader =
    std::function<void(const Request& req, Response& res, const ContentReader& reader)>;
// Runs before routing; kHandled answers with `res` and skips the route.
using PreRoutingHook = std::function<HandlerResponse(const Request& req, Response& res)>;

}  // namespace notme::server
