#include "proxy/git_credential.h"

#include <algorithm>
#include <charconv>

#include "proxy/route.h"

namespace notme::proxy {
namespace {

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '[' || c == ']';
}

Unexpected Malformed(std::string msg) { return Fail(ErrorCode::kMalformed, "git credential: " + std::move(msg)); }

}  // namespace

std::optional<std::string_view> GitCredential::Other(std::string_view key) const {
  for (const auto& [k, v] : other) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

Result<GitCredential> ParseGitCredential(std::string_view input) {
  if (input.size() > kMaxCredentialInput) return Fail(ErrorCode::kTooLarge, "git credential: input too large");
  if (input.find('\0') != std::string_view::npos) return Malformed("NUL in input");
  if (input.find('\r') != std::string_view::npos) return Malformed("CR in input");
  GitCredential cred;
  std::vector<std::string> seen;
  while (!input.empty()) {
    size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    if (line.empty()) break;  // a blank line ends the description
    if (line.size() > kMaxCredentialLine) return Fail(ErrorCode::kTooLarge, "git credential: line too long");
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return Malformed("line without '='");
    std::string key(line.substr(0, eq));
    std::string value(line.substr(eq + 1));
    if (key.empty() || !std::all_of(key.begin(), key.end(), IsKeyChar)) return Malformed("invalid key");
    if (key == "url") return Malformed("url= is not part of the helper protocol");
    bool multi = key.ends_with("[]");
    if (!multi) {
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) return Malformed("repeated key '" + key + "'");
      seen.push_back(key);
    }
    if (key == "protocol") {
      cred.protocol = std::move(value);
    } else if (key == "host") {
      cred.host = std::move(value);
    } else if (key == "path") {
      cred.path = std::move(value);
    } else if (key == "username") {
      cred.username = std::move(value);
    } else if (key == "password") {
      cred.password = std::move(value);
    } else {
      if (cred.other.size() >= 64) return Fail(ErrorCode::kTooLarge, "git credential: too many attributes");
      cred.other.emplace_back(std::move(key), std::move(value));
    }
  }
  return cred;
}

Result<int64_t> ParseExpiryUtc(std::string_view value) {
  int64_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || value.size() > 19 || value.front() == '-' || ec != std::errc() ||
      end != value.data() + value.size()) {
    return Malformed("password_expiry_utc is not a number");
  }
  return out;
}

Result<std::string> FormatGitCredential(const std::vector<std::pair<std::string, std::string>>& attrs) {
  std::string out;
  for (const auto& [key, value] : attrs) {
    if (value.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos ||
        key.find_first_of(std::string_view("\0\r\n=", 4)) != std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument, "git credential: value would break the protocol");
    }
    out += key + "=" + value + "\n";
  }
  return out;
}

std::optional<std::string> ProxyRouteOf(const GitCredential& cred) {
  std::string_view p = cred.path;
  if (!p.starts_with("r/")) return std::nullopt;
  p.remove_prefix(2);
  std::string_view name = p.substr(0, p.find('/'));
  if (!IsValidRouteName(name)) return std::nullopt;
  return std::string(name);
}

}  // namespace notme::proxy
