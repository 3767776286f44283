#include "proxy/proxy_path.h"

#include "proxy/route.h"

namespace notme::proxy {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §3.3 pchar without pct-encoded (handled separately).
bool IsPcharLiteral(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                        // unreserved
    case '!': case '$': case '&': case '\'': case '(': case ')':   // sub-delims
    case '*': case '+': case ',': case ';': case '=':
    case ':': case '@':
      return true;
    default:
      return false;
  }
}

Result<void> Traversal(std::string_view why) {
  return Fail(ErrorCode::kPermissionDenied, "path refused: " + std::string(why));
}

// One raw segment: allowed characters, well-formed escapes, and after decoding no '/',
// '\', NUL, control characters, '%' (double encoding), and no "." / ".." — also when a
// server would strip ";params" (Tomcat-style "..;x").
Result<std::string> CheckSegment(std::string_view raw) {
  for (char c : raw) {
    if (c != '%' && !IsPcharLiteral(c)) {
      if (c == '\\') return Fail(Traversal("backslash").error());
      return Fail(ErrorCode::kInvalidRequest, "path contains a character that must be encoded");
    }
  }
  NOTME_TRY(std::string decoded, PercentDecode(raw));
  for (char sc : decoded) {
    auto c = static_cast<unsigned char>(sc);
    if (c == '/') return Fail(Traversal("encoded '/'").error());
    if (c == '\\') return Fail(Traversal("backslash").error());
    if (c == '%') return Fail(Traversal("double percent-encoding").error());
    if (c < 0x20 || c == 0x7f) return Fail(Traversal("control character").error());
  }
  std::string_view base(decoded);
  if (auto semi = base.find(';'); semi != std::string_view::npos) base = base.substr(0, semi);
  if (base == "." || base == "..") return Fail(Traversal("dot segment").error());
  return decoded;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) {
      return Fail(ErrorCode::kInvalidRequest, "truncated percent-escape");
    }
    int hi = HexValue(s[i + 1]);
    int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return Fail(ErrorCode::kInvalidRequest, "malformed percent-escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<std::vector<std::string>> CheckPath(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty()) return segments;
  if (path.front() != '/') return Fail(ErrorCode::kInvalidRequest, "path must start with '/'");
  std::string_view rest = path.substr(1);
  while (true) {
    size_t slash = rest.find('/');
    std::string_view raw = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (raw.empty() && !last) return Fail(Traversal("empty path segment").error());
    NOTME_TRY(std::string decoded, CheckSegment(raw));
    segments.push_back(std::move(decoded));
    if (last) break;
    rest = rest.substr(slash + 1);
  }
  return segments;
}

Result<void> CheckQuery(std::string_view query) {
  for (size_t i = 0; i < query.size(); ++i) {
    auto c = static_cast<unsigned char>(query[i]);
    if (c <= 0x20 || c >= 0x7f || c == '#' || c == '\\') {
      return Fail(ErrorCode::kInvalidRequest, "query contains a character that must be encoded");
    }
    if (c == '%') {
      if (i + 2 >= query.size() || HexValue(query[i + 1]) < 0 || HexValue(query[i + 2]) < 0) {
        return Fail(ErrorCode::kInvalidRequest, "malformed percent-escape in query");
      }
    }
  }
  return Ok();
}

Result<ProxyTarget> ParseProxyTarget(std::string_view target, size_t max_length) {
  if (target.size() > max_length) return Fail(ErrorCode::kTooLarge, "request-target too long");
  constexpr std::string_view kPrefix = "/r/";
  if (!target.starts_with(kPrefix)) return Fail(ErrorCode::kInvalidRequest, "not a proxy path");
  ProxyTarget out;
  std::string_view path = target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    out.has_query = true;
    out.query = std::string(target.substr(q + 1));
    path = target.substr(0, q);
    NOTME_TRY_VOID(CheckQuery(out.query));
  }
  if (path.find('#') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidRequest, "fragment in request-target");
  }
  path.remove_prefix(kPrefix.size());
  size_t slash = path.find('/');
  std::string_view name = path.substr(0, slash);
  if (!IsValidRouteName(name)) return Fail(ErrorCode::kInvalidRequest, "invalid route name");
  out.route = std::string(name);
  out.rest = slash == std::string_view::npos ? "" : std::string(path.substr(slash));
  NOTME_TRY(out.segments, CheckPath(out.rest));
  return out;
}

bool PathHasPrefix(const std::vector<std::string>& segments,
                   const std::vector<std::string>& prefix_segments) {
  size_t n = prefix_segments.size();
  if (n > 0 && prefix_segments.back().empty()) --n;
  if (segments.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (segments[i] != prefix_segments[i]) return false;
  }
  return true;
}

}  // namespace notme::proxy
