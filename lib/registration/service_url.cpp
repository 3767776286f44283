#include "registration/service_url.h"

#include <algorithm>
#include <charconv>

namespace notme::registration {
namespace {

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8 as a dotted-quad literal.
  return host.starts_with("127.") &&
         std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// RFC 3986 path/query characters we accept: unreserved, sub-delims, ':', '@', '/', '%'
// (and '?' inside a query). Anything else (space, quotes, '<', '\\', controls, non-ASCII)
// is refused rather than escaped: these URLs come from untrusted metadata.
bool IsPathChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/%").find(c) != std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

Unexpected Bad(std::string_view url, std::string_view why) {
  return Fail(ErrorCode::kInvalidArgument,
              "URL '" + std::string(url.substr(0, 200)) + "': " + std::string(why));
}

Result<std::string> WellKnownUrl(const ServiceUrl& id, std::string_view suffix) {
  if (!id.query.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "an identifier URL must not have a query");
  }
  std::string path = id.path;
  if (path == "/") path.clear();
  return id.Origin() + std::string(suffix) + path;
}

}  // namespace

std::string ServiceUrl::Origin() const {
  std::string out = scheme + "://";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const uint16_t default_port = scheme == "https" ? 443 : 80;
  if (port != default_port) out += ":" + std::to_string(port);
  return out;
}

std::string ServiceUrl::ToString() const {
  std::string out = Origin() + path;
  if (!query.empty()) out += "?" + query;
  return out;
}

bool ServiceUrl::IsLoopback() const { return IsLoopbackHost(host); }

Result<ServiceUrl> ParseServiceUrl(std::string_view text, const UrlPolicy& policy) {
  if (text.size() > kMaxUrlBytes) return Bad(text, "longer than 2048 bytes");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return Bad(text, "contains whitespace, control or non-ASCII characters");
  }
  ServiceUrl url;
  const size_t colon = text.find("://");
  if (colon == std::string_view::npos) return Bad(text, "not an absolute URL");
  url.scheme = Lower(text.substr(0, colon));
  if (url.scheme != "https" && url.scheme != "http") return Bad(text, "scheme must be https");
  url.port = url.scheme == "https" ? 443 : 80;
  std::string_view rest = text.substr(colon + 3);
  if (rest.find('#') != std::string_view::npos) return Bad(text, "fragments are not allowed");
  const size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  rest = auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return Bad(text, "userinfo is not allowed");
  std::string_view host;
  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(text, "unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Bad(text, "garbage after IPv6 literal");
      port = after.substr(1);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                 c == ':' || c == '.';
        })) {
      return Bad(text, "invalid IPv6 literal");
    }
  } else {
    const size_t pc = authority.find(':');
    host = authority.substr(0, pc);
    if (pc != std::string_view::npos) port = authority.substr(pc + 1);
  }
  url.host = Lower(host);
  if (url.host.empty()) return Bad(text, "empty host");
  if (!authority.starts_with("[") &&
      (!std::all_of(url.host.begin(), url.host.end(), IsHostChar) || url.host.size() > 253 ||
       url.host.front() == '.' || url.host.front() == '-')) {
    return Bad(text, "invalid host name");
  }
  if (authority.size() > 0 && authority.back() == ':' ) return Bad(text, "empty port");
  if (!port.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      return Bad(text, "invalid port");
    }
    url.port = static_cast<uint16_t>(value);
  }
  const size_t q = rest.find('?');
  url.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) url.query = std::string(rest.substr(q + 1));
  if (!std::all_of(url.path.begin(), url.path.end(), IsPathChar)) return Bad(text, "invalid path character");
  if (!std::all_of(url.query.begin(), url.query.end(), [](char c) { return IsPathChar(c) || c == '?'; })) {
    return Bad(text, "invalid query character");
  }
  // Dot segments would make two spellings of one endpoint; refuse them instead of
  // normalising (RFC 3986 §5.2.4 is not something metadata should rely on).
  std::string_view p = url.path;
  while (!p.empty()) {
    p.remove_prefix(1);
    const size_t slash = p.find('/');
    std::string_view seg = p.substr(0, slash);
    if (seg == "." || seg == ".." || Lower(seg) == "%2e" || Lower(seg) == "%2e%2e" ||
        Lower(seg) == ".%2e" || Lower(seg) == "%2e.") {
      return Bad(text, "dot segments are not allowed");
    }
    p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
  }
  if (url.scheme == "http" && !(policy.allow_loopback_http && url.IsLoopback())) {
    return Bad(text, "scheme must be https");
  }
  return url;
}

Result<std::string> ProtectedResourceMetadataUrl(const ServiceUrl& resource) {
  return WellKnownUrl(resource, "/.well-known/oauth-protected-resource");
}

Result<std::string> AuthorizationServerMetadataUrl(const ServiceUrl& issuer) {
  return WellKnownUrl(issuer, "/.well-known/oauth-authorization-server");
}

bool SameOrigin(const ServiceUrl& a, const ServiceUrl& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

bool SameIdentifier(const ServiceUrl& a, const ServiceUrl& b) {
  if (!SameOrigin(a, b) || a.query != b.query) return false;
  auto norm = [](const std::string& p) { return p == "/" ? std::string() : p; };
  return norm(a.path) == norm(b.path);
}

}  // namespace notme::registration
