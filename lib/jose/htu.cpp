// htu normalisation for DPoP (RFC 9449 §4.3 point 9: "the htu claim matches the HTTP URI
// value for the HTTP request in which the JWT was received, ignoring any query and
// fragment parts", compared after syntax- and scheme-based normalisation, RFC 3986
// §6.2.2 and §6.2.3).

#include <string>

#include "jose/dpop.h"

namespace notme::jose {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsUnreserved(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool IsSubDelim(char c) {
  return c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' ||
         c == '+' || c == ',' || c == ';' || c == '=';
}
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  return Lower(c) - 'a' + 10;
}

Result<std::string> Malformed(const char* why) {
  return Fail(ErrorCode::kMalformed, std::string("htu: ") + why);
}

// RFC 3986 §6.2.2.1/§6.2.2.2: percent-encodings in uppercase, unreserved ones decoded.
// Only pchar and '/' may appear in a path.
Result<std::string> NormalizePathEncoding(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return Malformed("truncated percent-encoding");
      if (!IsHex(path[i + 1]) || !IsHex(path[i + 2])) return Malformed("bad percent-encoding");
      const char decoded = static_cast<char>(HexValue(path[i + 1]) * 16 + HexValue(path[i + 2]));
      if (IsUnreserved(decoded)) {
        out.push_back(decoded);
      } else {
        out.push_back('%');
        out.push_back(Upper(path[i + 1]));
        out.push_back(Upper(path[i + 2]));
      }
      i += 2;
    } else if (IsUnreserved(c) || IsSubDelim(c) || c == ':' || c == '@' || c == '/') {
      out.push_back(c);
    } else {
      return Malformed("character not allowed in a path");
    }
  }
  return out;
}

// RFC 3986 §5.2.4 remove_dot_segments.
std::string RemoveDotSegments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      const size_t slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const size_t next = in.find('/', 1);
      const size_t len = next == std::string_view::npos ? in.size() : next;
      out.append(in.substr(0, len));
      in.remove_prefix(len);
    }
  }
  return out;
}

}  // namespace

Result<std::string> NormalizeHtu(std::string_view url) {
  if (url.size() > 4096) return Malformed("too long");
  const size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return Malformed("no scheme");
  std::string scheme;
  for (char c : url.substr(0, colon)) scheme.push_back(Lower(c));
  if (scheme != "http" && scheme != "https") return Malformed("scheme must be http or https");
  std::string_view rest = url.substr(colon + 1);
  if (!rest.starts_with("//")) return Malformed("no authority");
  rest.remove_prefix(2);
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return Malformed("userinfo not allowed");

  std::string host;
  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Malformed("unterminated IP literal");
    for (char c : authority.substr(0, close + 1)) {
      if (!(IsHex(c) || c == ':' || c == '.' || c == '[' || c == ']')) {
        return Malformed("bad IP literal");
      }
      host.push_back(Lower(c));
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Malformed("junk after IP literal");
      port = after.substr(1);
    }
  } else {
    const size_t port_colon = authority.find(':');
    const std::string_view name = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) port = authority.substr(port_colon + 1);
    for (char c : name) {
      if (!(IsUnreserved(c) || IsSubDelim(c))) return Malformed("bad host");
      host.push_back(Lower(c));
    }
  }
  if (host.empty()) return Malformed("empty host");
  uint32_t port_number = 0;
  for (char c : port) {
    if (!IsDigit(c)) return Malformed("bad port");
    port_number = port_number * 10 + static_cast<uint32_t>(c - '0');
    if (port_number > 65535) return Malformed("bad port");
  }

  // Query and fragment are not part of the comparison (RFC 9449 §4.3).
  const std::string_view path = rest.substr(0, rest.find_first_of("?#"));
  std::string out = scheme + "://" + host;
  // RFC 3986 §6.2.3: an empty port and the scheme's default port are omitted.
  const bool default_port = (scheme == "http" && port_number == 80) ||
                            (scheme == "https" && port_number == 443);
  if (!port.empty() && !default_port) out += ":" + std::to_string(port_number);
  NOTME_TRY(std::string encoded, NormalizePathEncoding(path));
  std::string normalized_path = RemoveDotSegments(encoded);
  out += normalized_path.empty() ? "/" : normalized_path;
  return out;
}

}  // namespace notme::jose
