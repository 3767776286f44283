#include "server/http_parser.h"

#include <array>
#include <charconv>
#include <cstring>

namespace notme::server {
namespace {

constexpr size_t kMaxChunkSizeDigits = 15;  // 16^15 > any body limit; never overflows
constexpr size_t kMaxChunkLineBytes = 1024;
constexpr size_t kMaxTrailerBytes = 4096;
constexpr size_t kMaxTrailerFields = 32;
constexpr size_t kMaxLeadingEmptyLines = 2;

// RFC 9110 §5.6.2 tchar.
constexpr std::array<bool, 256> MakeTcharTable() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kTchar = MakeTcharTable();

bool IsTchar(char c) { return kTchar[static_cast<unsigned char>(c)]; }

// RFC 9110 §5.5 field-vchar / SP / HTAB; obs-text (>= 0x80) is allowed in values.
bool IsFieldValueByte(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

bool IsTargetByte(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c > 0x20 && c < 0x7f;
}

bool IsKnownMethod(std::string_view m) {
  for (std::string_view k : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (m == k) return true;
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HeadParse Invalid(int status, std::string reason) {
  HeadParse p;
  p.state = HeadParse::State::kInvalid;
  p.status = status;
  p.reason = std::move(reason);
  return p;
}

// Finds the end of the line starting at `pos`: the index of its CR (followed by LF).
// npos when the line is not complete yet; sets `bad` for a bare CR or LF. Two memchr
// scans over the line only, instead of a test per byte.
size_t FindLineEnd(std::string_view in, size_t pos, bool& bad) {
  if (pos >= in.size()) return std::string_view::npos;
  const char* const begin = in.data() + pos;
  const size_t left = in.size() - pos;
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', left));
  const size_t scanned = cr != nullptr ? static_cast<size_t>(cr - begin) : left;
  if (std::memchr(begin, '\n', scanned) != nullptr) {
    bad = true;  // LF without CR
    return std::string_view::npos;
  }
  if (cr == nullptr) return std::string_view::npos;
  const size_t i = pos + scanned;
  if (i + 1 == in.size()) return std::string_view::npos;
  if (in[i + 1] != '\n') {
    bad = true;  // CR without LF
    return std::string_view::npos;
  }
  return i;
}

HeadParse ParseRequestLine(std::string_view line, RequestHead& out) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return Invalid(400, "malformed request line");
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Invalid(400, "malformed request line");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Invalid(400, "malformed method");
  if (target.empty()) return Invalid(400, "empty request target");
  if (target.size() > kMaxTargetBytes) return Invalid(414, "request target too long");
  for (char c : target) {
    if (!IsTargetByte(c)) return Invalid(400, "malformed request target");
  }
  // origin-form only (RFC 9112 §3.2.1); "*" for OPTIONS. notmed is not a forward proxy.
  if (target[0] != '/' && !(target == "*" && method == "OPTIONS")) {
    return Invalid(400, "request target must be a path");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    const bool looks_like_http = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                                 HexValue(version[5]) >= 0 && HexValue(version[5]) <= 9 &&
                                 version[6] == '.' && HexValue(version[7]) >= 0 &&
                                 HexValue(version[7]) <= 9;
    return looks_like_http ? Invalid(505, "HTTP version not supported")
                           : Invalid(400, "malformed HTTP version");
  }
  if (!IsKnownMethod(method)) return Invalid(501, "method not implemented");
  out.method = std::string(method);
  out.target = std::string(target);
  out.version = std::string(version);
  return {};
}

HeadParse ParseFieldLine(std::string_view line, RequestHead& out) {
  if (line[0] == ' ' || line[0] == '\t') return Invalid(400, "obsolete line folding");
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Invalid(400, "header field without ':'");
  std::string_view name = line.substr(0, colon);
  // Whitespace before the colon is refused (RFC 9112 §5.1), like any non-token byte.
  if (!IsToken(name)) return Invalid(400, "malformed header field name");
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  for (char c : value) {
    if (!IsFieldValueByte(c)) return Invalid(400, "control character in a header field");
  }
  if (out.headers.size() >= kMaxHeaderFields) return Invalid(431, "too many header fields");
  out.headers.emplace(std::string(name), std::string(value));
  return {};
}

}  // namespace

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

HeadParse ParseRequestHead(std::string_view in, size_t max_head_bytes, RequestHead& out) {
  out = RequestHead{};
  size_t pos = 0;
  // RFC 9112 §2.2: skip empty lines before the request line (a client's stray CRLF after
  // a body).
  for (size_t skipped = 0; skipped < kMaxLeadingEmptyLines; ++skipped) {
    if (in.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else {
      break;
    }
  }
  bool first = true;
  for (;;) {
    bool bad = false;
    const size_t end = FindLineEnd(in, pos, bad);
    if (bad) return Invalid(400, "bare CR or LF in the request head");
    if (end == std::string_view::npos) {
      if (in.size() >= max_head_bytes) return Invalid(431, "request head too large");
      HeadParse p;
      p.state = HeadParse::State::kIncomplete;
      return p;
    }
    if (end + 2 > max_head_bytes) return Invalid(431, "request head too large");
    std::string_view line = in.substr(pos, end - pos);
    pos = end + 2;
    if (first) {
      if (line.empty()) return Invalid(400, "empty request line");
      if (auto p = ParseRequestLine(line, out); p.state == HeadParse::State::kInvalid) return p;
      first = false;
      continue;
    }
    if (line.empty()) break;
    if (auto p = ParseFieldLine(line, out); p.state == HeadParse::State::kInvalid) return p;
  }
  const size_t hosts = out.headers.count("Host");
  if (hosts > 1) return Invalid(400, "more than one Host");
  // RFC 9112 §3.2: an HTTP/1.1 request without Host must be answered 400.
  if (hosts == 0 && out.version == "HTTP/1.1") return Invalid(400, "no Host header");
  HeadParse p;
  p.state = HeadParse::State::kComplete;
  p.consumed = pos;
  return p;
}

Result<BodyFraming> DetermineFraming(const Headers& headers) {
  const size_t lengths = headers.count("Content-Length");
  const size_t encodings = headers.count("Transfer-Encoding");
  // RFC 9112 §6.3: both framings at once is how requests are smuggled; refuse.
  if (lengths > 0 && encodings > 0) {
    return Fail(ErrorCode::kInvalidRequest, "both Content-Length and Transfer-Encoding");
  }
  BodyFraming f;
  if (encodings > 0) {
    if (encodings > 1) return Fail(ErrorCode::kInvalidRequest, "more than one Transfer-Encoding");
    if (!EqualsIgnoreCase(headers.find("Transfer-Encoding")->second, "chunked")) {
      return Fail(ErrorCode::kUnsupported, "only Transfer-Encoding: chunked is accepted");
    }
    f.kind = BodyFraming::Kind::kChunked;
    return f;
  }
  if (lengths == 0) return f;
  if (lengths > 1) return Fail(ErrorCode::kInvalidRequest, "more than one Content-Length");
  const std::string& v = headers.find("Content-Length")->second;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || v[0] == '+' || ec != std::errc() || end != v.data() + v.size() ||
      n > (uint64_t{1} << 63)) {
    return Fail(ErrorCode::kInvalidRequest, "malformed Content-Length");
  }
  f.kind = BodyFraming::Kind::kLength;
  f.length = n;
  return f;
}

std::string DecodePath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size()) {
      const int hi = HexValue(path[i + 1]);
      const int lo = HexValue(path[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(path[i]);
  }
  return out;
}

void ParseQuery(std::string_view query, Params& out) {
  auto decode = [](std::string_view s) {
    std::string plus;
    plus.reserve(s.size());
    for (char c : s) plus.push_back(c == '+' ? ' ' : c);
    return DecodePath(plus);
  };
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view field = query.substr(start, amp - start);
    if (!field.empty()) {
      const size_t eq = field.find('=');
      if (eq == std::string_view::npos) {
        out.emplace(decode(field), std::string());
      } else {
        out.emplace(decode(field.substr(0, eq)), decode(field.substr(eq + 1)));
      }
    }
    start = amp + 1;
  }
}

ChunkedDecoder::Status ChunkedDecoder::Invalid(std::string why) {
  state_ = State::kInvalid;
  error_ = std::move(why);
  return Status::kInvalid;
}

ChunkedDecoder::Status ChunkedDecoder::Feed(std::string_view in, size_t max_out, std::string& out,
                                            size_t& consumed) {
  consumed = 0;
  size_t produced = 0;
  size_t i = 0;
  auto finish = [&](Status s) {
    consumed = i;
    return s;
  };
  if (state_ == State::kInvalid) return Status::kInvalid;
  while (i < in.size() && state_ != State::kDone) {
    const char c = in[i];
    switch (state_) {
      case State::kSize: {
        const int h = HexValue(c);
        if (h >= 0) {
          if (++size_digits_ > kMaxChunkSizeDigits) return Invalid("chunk size too large");
          chunk_left_ = (chunk_left_ << 4) | static_cast<uint64_t>(h);
          ++i;
          break;
        }
        if (size_digits_ == 0) return Invalid("malformed chunk size");
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExtension;  // RFC 9112 §7.1.1: extensions are ignored
          line_bytes_ = size_digits_;
        } else {
          return Invalid("malformed chunk size");
        }
        ++i;
        break;
      }
      case State::kExtension:
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n' || (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
          return Invalid("control character in a chunk extension");
        } else if (++line_bytes_ > kMaxChunkLineBytes) {
          return Invalid("chunk extension too long");
        }
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return Invalid("bare CR after a chunk size");
        ++i;
        size_digits_ = 0;
        state_ = chunk_left_ == 0 ? State::kTrailerStart : State::kData;
        break;
      case State::kData: {
        if (produced >= max_out) return finish(Status::kNeedMore);
        const size_t take = static_cast<size_t>(
            std::min<uint64_t>({chunk_left_, static_cast<uint64_t>(in.size() - i),
                                static_cast<uint64_t>(max_out - produced)}));
        out.append(in.data() + i, take);
        i += take;
        produced += take;
        chunk_left_ -= take;
        body_bytes_ += take;
        if (chunk_left_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return Invalid("chunk data longer than its size");
        ++i;
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (c != '\n') return Invalid("bare CR after chunk data");
        ++i;
        state_ = State::kSize;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kFinalLf;
        } else if (c == '\n') {
          return Invalid("bare LF in the trailer section");
        } else {
          if (++trailer_fields_ > kMaxTrailerFields) return Invalid("too many trailer fields");
          state_ = State::kTrailer;
          if (++trailer_bytes_ > kMaxTrailerBytes) return Invalid("trailer section too large");
        }
        ++i;
        break;
      case State::kTrailer:
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (c == '\n') {
          return Invalid("bare LF in the trailer section");
        } else if (++trailer_bytes_ > kMaxTrailerBytes) {
          return Invalid("trailer section too large");
        }
        ++i;
        break;
      case State::kTrailerLf:
        if (c != '\n') return Invalid("bare CR in the trailer section");
        ++i;
        state_ = State::kTrailerStart;
        break;
      case State::kFinalLf:
        if (c != '\n') return Invalid("bare CR at the end of the chunked body");
        ++i;
        state_ = State::kDone;
        break;
      case State::kDone:
      case State::kInvalid:
        break;
    }
  }
  return finish(state_ == State::kDone ? Status::kDone : Status::kNeedMore);
}

}  // namespace notme::server
