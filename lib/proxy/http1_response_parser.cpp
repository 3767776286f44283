#include "proxy/http1_response_parser.h"

#include <algorithm>

#include "server/http_message.h"
#include "server/http_parser.h"

namespace notme::proxy {
namespace {

constexpr size_t kMaxChunkLine = 4096;
// 2^62: far beyond any body, and sums of such lengths cannot overflow a uint64_t.
constexpr uint64_t kMaxLength = uint64_t{1} << 62;

// field-vchar, SP and HTAB (RFC 9110 §5.5, obs-text allowed): no NUL, CTL or DEL.
bool IsFieldText(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

bool HasLineBreak(std::string_view s) {
  return s.find('\r') != std::string_view::npos || s.find('\n') != std::string_view::npos;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error Bad(const std::string& what) {
  return Error(ErrorCode::kUpstream, "the upstream sent a malformed answer (" + what + ")");
}

// "HTTP/1.x SSS[ reason]".
Result<void> ParseStatusLine(std::string_view line, ParsedResponseHead& head) {
  constexpr std::string_view kPrefix = "HTTP/1.";
  if (line.size() < 12 || line.substr(0, kPrefix.size()) != kPrefix) {
    return Fail(Bad("status line"));
  }
  char minor = line[7];
  if ((minor != '0' && minor != '1') || line[8] != ' ') return Fail(Bad("status line"));
  head.minor_version = minor - '0';
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return Fail(Bad("status code"));
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || status > 599) return Fail(Bad("status code"));
  head.status = status;
  std::string_view rest = line.substr(12);
  if (!rest.empty() && (rest.front() != ' ' || !IsFieldText(rest))) {
    return Fail(Bad("reason phrase"));
  }
  return Ok();
}

Result<ResponseField> ParseField(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') return Fail(Bad("obsolete line folding"));
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Fail(Bad("field without a colon"));
  std::string_view name = line.substr(0, colon);
  if (!server::IsToken(name)) return Fail(Bad("field name"));
  std::string_view value = TrimOws(line.substr(colon + 1));
  if (!IsFieldText(value)) return Fail(Bad("field value"));
  return ResponseField{std::string(name), std::string(value)};
}

Result<uint64_t> ParseLength(std::string_view v) {
  if (v.empty() || v.size() > 19) return Fail(Bad("Content-Length"));
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return Fail(Bad("Content-Length"));
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > kMaxLength) return Fail(Bad("Content-Length"));
  return n;
}

bool ListsClose(std::string_view v) {
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view item = TrimOws(v.substr(0, comma));
    if (server::EqualsIgnoreCase(item, "close")) return true;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return false;
}

// RFC 9112 §6.3, refusing every ambiguous combination instead of picking one reading.
Result<void> DecideFraming(ParsedResponseHead& head, bool head_request) {
  const ResponseField* te = nullptr;
  const ResponseField* cl = nullptr;
  bool close = head.minor_version == 0;
  for (const auto& f : head.fields) {
    if (server::EqualsIgnoreCase(f.name, "Transfer-Encoding")) {
      if (te != nullptr) return Fail(Bad("repeated Transfer-Encoding"));
      te = &f;
    } else if (server::EqualsIgnoreCase(f.name, "Content-Length")) {
      if (cl != nullptr) return Fail(Bad("repeated Content-Length"));
      cl = &f;
    } else if (server::EqualsIgnoreCase(f.name, "Connection") && ListsClose(f.value)) {
      close = true;
    }
  }
  if (te != nullptr && cl != nullptr) return Fail(Bad("Transfer-Encoding with Content-Length"));
  if (te != nullptr && head.minor_version == 0) return Fail(Bad("Transfer-Encoding in HTTP/1.0"));
  if (te != nullptr && !server::EqualsIgnoreCase(te->value, "chunked")) {
    return Fail(Bad("Transfer-Encoding other than chunked"));
  }
  if (cl != nullptr) {
    NOTME_TRY(head.declared_length, ParseLength(cl->value));
  }
  head.keep_alive = !close;
  if (head_request || head.status < 200 || head.status == 204 || head.status == 304) {
    head.framing = BodyFraming::kNone;
  } else if (te != nullptr) {
    head.framing = BodyFraming::kChunked;
  } else if (head.declared_length) {
    head.framing = *head.declared_length == 0 ? BodyFraming::kNone : BodyFraming::kLength;
    head.content_length = *head.declared_length;
  } else {
    head.framing = BodyFraming::kUntilClose;
    head.keep_alive = false;
  }
  return Ok();
}

}  // namespace

Result<std::optional<ParsedResponseHead>> ParseResponseHead(std::string_view buf, bool head_request,
                                                            const ResponseLimits& limits) {
  size_t end = buf.substr(0, limits.max_head).find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (buf.size() >= limits.max_head) return Fail(Bad("head too large"));
    return std::optional<ParsedResponseHead>();
  }
  ParsedResponseHead head;
  head.fields.reserve(16);
  head.head_size = end + 4;
  std::string_view lines = buf.substr(0, end + 2);  // every line with its CRLF
  bool first = true;
  while (!lines.empty()) {
    size_t eol = lines.find("\r\n");
    std::string_view line = lines.substr(0, eol);
    lines.remove_prefix(eol + 2);
    // Lines were split on CRLF: any CR or LF left is a bare one.
    if (HasLineBreak(line)) return Fail(Bad("bare CR or LF"));
    if (first) {
      NOTME_TRY_VOID(ParseStatusLine(line, head));
      first = false;
      continue;
    }
    if (line.empty()) return Fail(Bad("empty field line"));
    if (head.fields.size() == limits.max_fields) return Fail(Bad("too many fields"));
    NOTME_TRY(auto field, ParseField(line));
    head.fields.push_back(std::move(field));
  }
  NOTME_TRY_VOID(DecideFraming(head, head_request));
  return std::optional<ParsedResponseHead>(std::move(head));
}

Result<ChunkedDecoder::Step> ChunkedDecoder::SizeLine(std::string_view in) {
  size_t eol = in.substr(0, kMaxChunkLine).find("\r\n");
  if (eol == std::string_view::npos) {
    if (in.size() >= kMaxChunkLine) return Fail(Bad("chunk size line too long"));
    return Step{};
  }
  std::string_view line = in.substr(0, eol);
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size()) {
    char c = line[digits];
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) break;
    // 15 hex digits stay below 2^60: no overflow.
    if (++digits > 15) return Fail(Bad("chunk size too large"));
    size = size * 16 + static_cast<uint64_t>(v);
  }
  if (digits == 0) return Fail(Bad("chunk size"));
  // chunk-ext (§7.1.1): BWS ";" ...; skipped, but it must be field text.
  std::string_view ext = TrimOws(line.substr(digits));
  if (!ext.empty() && (ext.front() != ';' || !IsFieldText(ext)))
    return Fail(Bad("chunk extension"));
  if (HasLineBreak(line)) return Fail(Bad("bare CR or LF"));
  if (size == 0) {
    state_ = State::kTrailer;
  } else {
    remaining_ = size;
    state_ = State::kData;
  }
  return Step{eol + 2, {}};
}

Result<ChunkedDecoder::Step> ChunkedDecoder::TrailerLine(std::string_view in) {
  size_t budget = limits_.max_head - trailer_bytes_;
  size_t eol = in.substr(0, budget).find("\r\n");
  if (eol == std::string_view::npos) {
    if (in.size() >= budget) return Fail(Bad("trailer section too large"));
    return Step{};
  }
  std::string_view line = in.substr(0, eol);
  trailer_bytes_ += eol + 2;
  if (line.empty()) {
    state_ = State::kDone;
    return Step{eol + 2, {}};
  }
  if (HasLineBreak(line)) return Fail(Bad("bare CR or LF"));
  if (++trailer_fields_ > limits_.max_fields) return Fail(Bad("too many trailer fields"));
  NOTME_TRY_VOID(ParseField(line));
  return Step{eol + 2, {}};
}

Result<ChunkedDecoder::Step> ChunkedDecoder::Next(std::string_view in) {
  Step total;
  while (state_ != State::kDone) {
    std::string_view rest = in.substr(total.consumed);
    Step step;
    switch (state_) {
      case State::kData: {
        if (rest.empty()) return total;
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDataEnd;
        total.data = rest.substr(0, take);
        total.consumed += take;
        return total;
      }
      case State::kDataEnd:
        if (rest.size() < 2) return total;
        if (rest[0] != '\r' || rest[1] != '\n') return Fail(Bad("chunk not followed by CRLF"));
        state_ = State::kSize;
        step.consumed = 2;
        break;
      case State::kSize: {
        NOTME_TRY(step, SizeLine(rest));
        break;
      }
      case State::kTrailer: {
        NOTME_TRY(step, TrailerLine(rest));
        break;
      }
      case State::kDone:
        break;
    }
    if (step.consumed == 0) return total;
    total.consumed += step.consumed;
  }
  return total;
}

}  // namespace notme::proxy
