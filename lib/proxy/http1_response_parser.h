#pragma once
// Parsing of an upstream's HTTP/1.1 answer (RFC 9112) for the proxy's own client
// (upstream_client.h). The upstream is untrusted: it may be hostile or confused, and whatever
// it sends must neither crash the daemon nor let it take bytes of one answer for the next
// (response splitting / desynchronisation). So the parser is strict rather than lenient:
//   - status line exactly "HTTP/1.1" or "HTTP/1.0", SP, three digits 100..599, then SP and
//     a reason phrase of visible characters, or nothing;
//   - every line ends in CRLF; a bare CR or LF, NUL or another control character anywhere,
//     obs-fold (a line starting with SP/HTAB), whitespace before the colon or a name that is
//     not a token are refused;
//   - the head is at most `max_head` bytes and `max_fields` fields;
//   - framing (§6.3): Transfer-Encoding other than exactly one "chunked", Transfer-Encoding
//     together with Content-Length, in an HTTP/1.0 answer, or repeated, and a repeated,
//     empty or non-decimal Content-Length (or one over 2^62) are refused;
//   - answers to HEAD, 1xx, 204 and 304 have no body whatever their headers say.
// An interim 1xx answer is parsed like any other; the caller skips it (101 it refuses:
// the proxy never asks for an upgrade).
// Pure functions and a small value-type decoder; thread-compatible.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::proxy {

struct ResponseLimits {
  size_t max_head = 64 * 1024;  // status line + fields + blank line
  size_t max_fields = 100;
};

struct ResponseField {
  std::string name;   // as sent (a token)
  std::string value;  // leading/trailing whitespace removed
};

enum class BodyFraming { kNone, kLength, kChunked, kUntilClose };

struct ParsedResponseHead {
  int status = 0;
  int minor_version = 1;  // HTTP/1.x
  std::vector<ResponseField> fields;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;              // kLength only
  std::optional<uint64_t> declared_length;  // the Content-Length field, if any (also for HEAD)
  bool keep_alive = false;                  // HTTP/1.1 without "Connection: close"
  size_t head_size = 0;                     // bytes of `buf` the head took, blank line included
};

// Parses the head at the start of `buf`. Returns std::nullopt while the blank line ending
// the head has not arrived yet (and `buf` is still within max_head). `head_request`: the
// request was HEAD (the answer has no body).
// Errors: kUpstream naming the rule broken (never echoing the offending bytes).
Result<std::optional<ParsedResponseHead>> ParseResponseHead(std::string_view buf, bool head_request,
                                                            const ResponseLimits& limits = {});

// Decodes a chunked body (RFC 9112 §7.1) incrementally. chunk-size is 1..15 hex digits
// (no overflow), extensions are skipped but bounded with the size line (4 KiB), the data
// must be followed by CRLF, trailer fields are skipped but bounded (same limits as a head).
// Not thread-safe (one body).
class ChunkedDecoder {
 public:
  struct Step {
    size_t consumed = 0;    // bytes of the input used
    std::string_view data;  // body bytes found (a view into the input), possibly empty
  };
  // Consumes a prefix of `in`. Call again with the unconsumed rest plus more input when
  // `consumed` is less than in.size() and nothing came out (a line is incomplete).
  // Errors: kUpstream.
  Result<Step> Next(std::string_view in);
  // The last chunk and the trailer section have been read.
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer, kDone };
  Result<Step> SizeLine(std::string_view in);
  Result<Step> TrailerLine(std::string_view in);

  State state_ = State::kSize;
  uint64_t remaining_ = 0;
  size_t trailer_bytes_ = 0;
  size_t trailer_fields_ = 0;
  ResponseLimits limits_;
};

}  // namespace notme::proxy
