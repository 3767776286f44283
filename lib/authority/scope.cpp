#include "authority/scope.h"

#include <algorithm>

namespace notme::authority {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 3986 §2.2/§2.3 minus '#': the only characters an absolute URI without fragment
// may contain besides %HH.
bool IsUriChar(char c) {
  if (IsAlpha(c) || IsDigit(c)) return true;
  static constexpr std::string_view kOthers = "-._~:/?[]@!$&'()*+,;=";
  return kOthers.find(c) != std::string_view::npos;
}

std::string Excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    out.push_back(c > 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
  }
  return out;
}

}  // namespace

bool IsValidScopeToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxScopeTokenLength) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
  });
}

Result<std::vector<std::string>> ParseScopeParameter(std::string_view scope) {
  std::vector<std::string> out;
  if (scope.empty()) return out;
  size_t start = 0;
  for (;;) {
    const size_t end = std::min(scope.find(' ', start), scope.size());
    const std::string_view token = scope.substr(start, end - start);
    if (token.empty()) {
      return Fail(ErrorCode::kInvalidScope, "scope: empty scope token (extra space)");
    }
    if (!IsValidScopeToken(token)) {
      return Fail(ErrorCode::kInvalidScope, "scope: invalid scope token \"" + Excerpt(token) + "\"");
    }
    if (std::find(out.begin(), out.end(), token) != out.end()) {
      return Fail(ErrorCode::kInvalidScope, "scope: duplicate scope \"" + Excerpt(token) + "\"");
    }
    if (out.size() == kMaxScopesPerRequest) {
      return Fail(ErrorCode::kInvalidScope, "scope: too many scopes");
    }
    out.emplace_back(token);
    if (end == scope.size()) break;
    start = end + 1;
  }
  return out;
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& s : scopes) {
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

bool IsValidAudience(std::string_view uri) {
  if (uri.empty() || uri.size() > kMaxAudienceLength) return false;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1)
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || !IsAlpha(uri[0])) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char c = uri[i];
    if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  if (colon + 1 == uri.size()) return false;
  for (size_t i = colon + 1; i < uri.size(); ++i) {
    const char c = uri[i];
    if (c == '%') {
      if (i + 2 >= uri.size() || !IsHex(uri[i + 1]) || !IsHex(uri[i + 2])) return false;
      i += 2;
    } else if (!IsUriChar(c)) {
      return false;  // includes '#' (RFC 8707 §2: no fragment), spaces and controls
    }
  }
  return true;
}

}  // namespace notme::authority
