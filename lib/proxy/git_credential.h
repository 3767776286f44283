#pragma once
// git's credential helper protocol (git-credential(1) "INPUT/OUTPUT FORMAT"), parsed
// strictly because its input comes from remote URLs an attacker may choose: lines
// "key=value\n" up to a blank line or EOF; keys and values never contain NUL, and
// values never contain CR or LF (a CR smuggled through a URL once let a helper answer for
// the wrong host: CVE-2024-50338, CVE-2020-5260). Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::proxy {

inline constexpr size_t kMaxCredentialInput = 64 * 1024;
inline constexpr size_t kMaxCredentialLine = 8 * 1024;

// One credential description. protocol, host and path are empty when absent (git never
// sends them empty). username and password distinguish absent from empty: git stores
// "username=" + "password=" for SSO hosts and expects them back (t0303 "can store empty
// username").
struct GitCredential {
  std::string protocol;
  std::string host;  // may include ":port"
  std::string path;
  std::optional<std::string> username;
  std::optional<std::string> password;
  // Other well-formed attributes git may send (password_expiry_utc, oauth_refresh_token,
  // wwwauth[], capability[], ...): kept, not interpreted. Multi-valued keys end in "[]".
  std::vector<std::pair<std::string, std::string>> other;

  // The value of the single-valued attribute `key` in `other`, if present.
  std::optional<std::string_view> Other(std::string_view key) const;
};

// Parses the helper's stdin. Errors: kMalformed (line without '=', empty key, key outside
// [A-Za-z0-9_.\-\[\]], NUL, CR, a key given twice unless it ends in "[]", "url=" (git
// parses URLs itself and never sends url= to helpers; a helper that parsed it again could
// disagree with git about the host)), kTooLarge (input or line over the
// limits, more than 64 other attributes).
Result<GitCredential> ParseGitCredential(std::string_view input);

// password_expiry_utc (git 2.41+: Unix seconds) as a number. Errors: kMalformed when it is
// not a decimal number of at most 19 digits.
Result<int64_t> ParseExpiryUtc(std::string_view value);

// Serialises attributes for git ("key=value\n" each). Errors: kInvalidArgument when a value
// contains NUL, CR or LF (it would be read back as another attribute).
Result<std::string> FormatGitCredential(const std::vector<std::pair<std::string, std::string>>& attrs);

// The route name when `cred` is for the notme proxy: path "r/<route>/..." (git sends the
// path only with credential.useHttpPath, which `notme git setup` turns on).
std::optional<std::string> ProxyRouteOf(const GitCredential& cred);

}  // namespace notme::proxy
