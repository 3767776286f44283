#include "proxy/header_policy.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "proxy/route.h"

namespace notme::proxy {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §7.6.1: hop-by-hop headers, plus the pseudo-headers httplib's server adds to
// every request (a client could also send headers with these names).
bool IsHopByHopOrInternal(const std::string& lower) {
  static const std::set<std::string> kNames = {
      "connection", "keep-alive", "te",          "trailer",     "upgrade",     "expect",
      "host",       "content-length", "transfer-encoding", "remote_addr", "remote_port",
      "local_addr", "local_port"};
  return kNames.contains(lower);
}

bool IsCallerCredentialOrRouting(const std::string& lower) {
  static const std::set<std::string> kNames = {"authorization", "dpop",      "cookie",
                                               "forwarded",     "x-real-ip", "via"};
  return kNames.contains(lower) || lower.starts_with("proxy-") || lower.starts_with("x-forwarded-");
}

// Names listed in Connection: headers (comma-separated tokens, RFC 9110 §7.6.1).
std::set<std::string> ConnectionListed(const server::Headers& in) {
  std::set<std::string> out;
  auto range = in.equal_range("Connection");
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view v = it->second;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view tok = Trim(v.substr(0, comma));
      if (!tok.empty()) out.insert(Lower(tok));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

Unexpected Refuse(std::string why) { return Fail(ErrorCode::kInvalidRequest, std::move(why)); }

}  // namespace

bool HasLineBreakOrNul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

Result<std::pair<server::Headers, RequestFraming>> FilterRequestHeaders(
    const server::Headers& in, std::string_view injected_header) {
  RequestFraming framing;
  size_t host_count = 0;
  size_t te_count = 0;
  std::string injected = Lower(injected_header);
  for (const auto& [name, value] : in) {
    if (!IsHttpToken(name)) return Refuse("header name is not a token");
    if (HasLineBreakOrNul(name) || HasLineBreakOrNul(value)) return Refuse("CR, LF or NUL in a header");
    std::string lower = Lower(name);
    if (lower == "host") ++host_count;
    if (lower == "transfer-encoding") {
      ++te_count;
      if (Lower(Trim(value)) != "chunked") return Refuse("Transfer-Encoding other than chunked");
      framing.chunked = true;
    }
    if (lower == "content-length") {
      std::string_view v = Trim(value);
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return Refuse("malformed Content-Length");
      if (framing.content_length) return Refuse("repeated Content-Length");
      framing.content_length = n;
    }
  }
  if (host_count > 1) return Refuse("more than one Host header");
  if (te_count > 1) return Refuse("repeated Transfer-Encoding");
  if (framing.chunked && framing.content_length) return Refuse("both Content-Length and Transfer-Encoding");

  std::set<std::string> listed = ConnectionListed(in);
  server::Headers out;
  for (const auto& [name, value] : in) {
    std::string lower = Lower(name);
    if (IsHopByHopOrInternal(lower) || IsCallerCredentialOrRouting(lower) || listed.contains(lower) ||
        lower == injected) {
      continue;
    }
    out.emplace(name, value);
  }
  return std::make_pair(std::move(out), framing);
}

server::Headers FilterResponseHeaders(const server::Headers& in,
                                       const std::vector<std::string_view>& secret_forms) {
  std::set<std::string> listed = ConnectionListed(in);
  server::Headers out;
  for (const auto& header : in) {
    const std::string& name = header.first;
    const std::string& value = header.second;
    std::string lower = Lower(name);
    if (IsHopByHopOrInternal(lower) || listed.contains(lower) || lower.starts_with("proxy-") ||
        lower == "set-cookie" || lower == "set-cookie2") {
      continue;
    }
    if (HasLineBreakOrNul(value)) continue;
    bool leaks = std::any_of(secret_forms.begin(), secret_forms.end(), [&](std::string_view f) {
      return !f.empty() && (value.find(f) != std::string::npos || name.find(f) != std::string::npos);
    });
    if (leaks) continue;
    out.emplace(name, value);
  }
  return out;
}

}  // namespace notme::proxy
