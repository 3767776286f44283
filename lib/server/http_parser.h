#pragma once
// The request parser of notme's HTTP/1.1 server: untrusted bytes from any local process
// (or, on the loopback listener, any user on the machine). Strict RFC 9112: anything a
// proxy or another parser could read differently is refused rather than repaired
// (request smuggling). Incremental: the server feeds what has arrived so far and calls
// again with more. Thread-safe (pure functions; ChunkedDecoder is one per request).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "notme/result.h"
#include "server/http_message.h"

namespace notme::server {

// Limits of a request head beyond its byte size.
inline constexpr size_t kMaxHeaderFields = 100;
inline constexpr size_t kMaxTargetBytes = 8192;  // longer: 414

struct RequestHead {
  std::string method;
  std::string target;
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  Headers headers;
};

// Outcome of ParseRequestHead.
struct HeadParse {
  enum class State { kIncomplete, kComplete, kInvalid };
  State state = State::kIncomplete;
  size_t consumed = 0;  // kComplete: bytes of the head, including the blank line
  int status = 0;       // kInvalid: 400, 414 (target), 431 (head), 501 (method), 505 (version)
  std::string reason;   // kInvalid: for the error body (never echoes input)
};

// Parses a request head from the start of `in`:
//   request-line = method SP origin-form SP HTTP-version CRLF (RFC 9112 §3)
//   field-line   = token ":" OWS field-value OWS CRLF         (RFC 9112 §5)
// Refused: bare CR or LF, obs-fold (a line starting with SP/HTAB), whitespace before the
// colon, a name that is not a token, CTLs other than HTAB in a value, a target that is not
// origin-form (or "*") or longer than kMaxTargetBytes (414), a version other than
// HTTP/1.0 or 1.1, more than kMaxHeaderFields
// fields, more than one Host, no Host on HTTP/1.1. Up to two empty lines before the
// request line are skipped (RFC 9112 §2.2). A head longer than `max_head_bytes` is
// refused with 431 as soon as that many bytes arrived without its end.
HeadParse ParseRequestHead(std::string_view in, size_t max_head_bytes, RequestHead& out);

// True when `s` is a non-empty RFC 9110 §5.6.2 token (a method or a field name); one table
// lookup per byte.
bool IsToken(std::string_view s);

// How the body of a request is delimited (RFC 9112 §6.3).
struct BodyFraming {
  enum class Kind { kNone, kLength, kChunked };
  Kind kind = Kind::kNone;
  uint64_t length = 0;  // kLength
};

// From the head's Content-Length / Transfer-Encoding. Errors (kInvalidRequest with the
// reason): both present, Content-Length more than once or not 1*DIGIT (or above 2^63),
// Transfer-Encoding more than once. kUnsupported: a Transfer-Encoding other than exactly
// "chunked" (RFC 9112 §6.1; the server answers it 400 too).
Result<BodyFraming> DetermineFraming(const Headers& headers);

// Percent-decodes a request path (%XX → byte; a '%' not followed by two hex digits stays
// as is; '+' stays '+').
std::string DecodePath(std::string_view path);

// application/x-www-form-urlencoded query text → params ('+' is a space, %XX decoded;
// a field without '=' gets an empty value).
void ParseQuery(std::string_view query, Params& out);

// Incremental decoder of a chunked body (RFC 9112 §7.1): chunk-size in hex (at most 15
// digits, so no overflow), chunk extensions skipped (their line bounded), CRLF after
// each chunk's data, trailer fields skipped (bounded in count and size). Bare LF refused.
class ChunkedDecoder {
 public:
  enum class Status { kNeedMore, kDone, kInvalid };

  // Consumes bytes from `in`, appending chunk data to `out` (at most `max_out` bytes of
  // data per call, so a caller can bound its buffer). Sets `consumed` to the bytes of
  // `in` used. kDone once the last chunk and the trailer section were read; bytes after
  // them are not consumed.
  Status Feed(std::string_view in, size_t max_out, std::string& out, size_t& consumed);
  // The decoded body bytes so far.
  uint64_t body_bytes() const { return body_bytes_; }
  const std::string& error() const { return error_; }

 private:
  enum class State {
    kSize,
    kExtension,
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerStart,
    kTrailer,
    kTrailerLf,
    kFinalLf,
    kDone,
    kInvalid
  };
  Status Invalid(std::string why);

  State state_ = State::kSize;
  uint64_t chunk_left_ = 0;
  size_t size_digits_ = 0;
  size_t line_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  size_t trailer_fields_ = 0;
  uint64_t body_bytes_ = 0;
  std::string error_;
};

}  // namespace notme::server
