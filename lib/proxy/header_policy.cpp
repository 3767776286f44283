#include "proxy/header_policy.h"

#include <algorithm>
#include <charconv>
#include <span>
#include <vector>

#include "proxy/route.h"

namespace notme::proxy {
namespace {

// Header names are ASCII and compared without case (RFC 9110 §5.1), never through the
// locale's tolower and without building a lowered copy per header: this runs for every
// header of every proxied request. The lists are constants, not rebuilt per call.
bool EqualsAny(std::string_view name, std::span<const std::string_view> names) {
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view n) { return server::EqualsIgnoreCase(name, n); });
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && server::EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §7.6.1: hop-by-hop headers, plus the pseudo-headers httplib's server adds to
// every request (a client could also send headers with these names).
constexpr std::string_view kHopByHopOrInternal[] = {
    "connection",        "keep-alive",  "te",          "trailer",
    "upgrade",           "expect",      "host",        "content-length",
    "transfer-encoding", "remote_addr", "remote_port", "local_addr",
    "local_port"};
constexpr std::string_view kCallerCredentialOrRouting[] = {"authorization", "dpop",      "cookie",
                                                           "forwarded",     "x-real-ip", "via"};
constexpr std::string_view kSetCookie[] = {"set-cookie", "set-cookie2"};

bool IsHopByHopOrInternal(std::string_view name) { return EqualsAny(name, kHopByHopOrInternal); }

bool IsCallerCredentialOrRouting(std::string_view name) {
  return EqualsAny(name, kCallerCredentialOrRouting) || StartsWithIgnoreCase(name, "proxy-") ||
         StartsWithIgnoreCase(name, "x-forwarded-");
}

// Names listed in Connection: headers (comma-separated tokens, RFC 9110 §7.6.1), as views
// into `in`'s values.
std::vector<std::string_view> ConnectionListed(const server::Headers& in) {
  std::vector<std::string_view> out;
  auto range = in.equal_range("Connection");
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view v = it->second;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view tok = Trim(v.substr(0, comma));
      if (!tok.empty()) out.push_back(tok);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool IsListed(const std::vector<std::string_view>& listed, std::string_view name) {
  return std::any_of(listed.begin(), listed.end(),
                     [&](std::string_view l) { return server::EqualsIgnoreCase(name, l); });
}

Unexpected Refuse(std::string why) { return Fail(ErrorCode::kInvalidRequest, std::move(why)); }

}  // namespace

Result<std::pair<FieldViews, RequestFraming>> FilterRequestHeaders(
    const server::Headers& in, std::string_view injected_header) {
  RequestFraming framing;
  size_t host_count = 0;
  size_t te_count = 0;
  for (const auto& [name, value] : in) {
    if (!IsHttpToken(name)) return Refuse("header name is not a token");
    // A token (checked above) has no CR, LF or NUL; the value is checked here.
    if (server::HasLineBreakOrNul(value)) return Refuse("CR, LF or NUL in a header");
    if (server::EqualsIgnoreCase(name, "host")) ++host_count;
    if (server::EqualsIgnoreCase(name, "transfer-encoding")) {
      ++te_count;
      if (!server::EqualsIgnoreCase(Trim(value), "chunked"))
        return Refuse("Transfer-Encoding other than chunked");
      framing.chunked = true;
    }
    if (server::EqualsIgnoreCase(name, "content-length")) {
      std::string_view v = Trim(value);
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size())
        return Refuse("malformed Content-Length");
      if (framing.content_length) return Refuse("repeated Content-Length");
      framing.content_length = n;
    }
  }
  if (host_count > 1) return Refuse("more than one Host header");
  if (te_count > 1) return Refuse("repeated Transfer-Encoding");
  if (framing.chunked && framing.content_length)
    return Refuse("both Content-Length and Transfer-Encoding");

  const std::vector<std::string_view> listed = ConnectionListed(in);
  FieldViews out;
  out.reserve(in.size() + 1);  // room for the injected header the caller adds
  for (const auto& [name, value] : in) {
    if (IsHopByHopOrInternal(name) || IsCallerCredentialOrRouting(name) || IsListed(listed, name) ||
        server::EqualsIgnoreCase(name, injected_header)) {
      continue;
    }
    out.emplace_back(name, value);
  }
  return std::make_pair(std::move(out), framing);
}

server::Headers FilterResponseHeaders(server::Headers in,
                                      std::span<const std::string_view> secret_forms) {
  // Filtered in place: the kept fields are neither copied nor reallocated. Every decision
  // is made before anything is erased, since `listed` views into the Connection field.
  const std::vector<std::string_view> listed = ConnectionListed(in);
  auto echoes_secret = [&](const std::string& name, const std::string& value) {
    return std::any_of(secret_forms.begin(), secret_forms.end(), [&](std::string_view f) {
      return !f.empty() &&
             (value.find(f) != std::string::npos || name.find(f) != std::string::npos);
    });
  };
  std::vector<server::Headers::iterator> dropped;
  for (auto it = in.begin(); it != in.end(); ++it) {
    const auto& [name, value] = *it;
    if (IsHopByHopOrInternal(name) || IsListed(listed, name) ||
        StartsWithIgnoreCase(name, "proxy-") || EqualsAny(name, kSetCookie) ||
        server::HasLineBreakOrNul(value) || echoes_secret(name, value)) {
      dropped.push_back(it);
    }
  }
  for (auto it : dropped) in.erase(it);
  return in;
}

}  // namespace notme::proxy
