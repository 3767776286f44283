#pragma once
// git's credential helper protocol (git-credential(1) "INPUT/OUTPUT FORMAT"), parsed
// strictly because its input comes from remote URLs an attacker may choose: lines
// "key=value\n" up to a blank line or EOF; keys and values never contain NUL, and
// values never contain CR or LF (a CR smuggled through a URL once let a helper answer for
// the wrong host: CVE-2024-50338, CVE-2020-5260). Pure functions; thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::proxy {

inline constexpr size_t kMaxCredentialInput = 64 * 1024;
inline constexpr size_t kMaxCredentialLine = 8 * 1024;

struct GitCredential {
  std::string protocol;
  std::string host;  // may include ":port"
  std::string path;
  std::string username;
  std::string password;
  // Other well-formed attributes git may send (wwwauth[], capability[], ...): kept, not
  // interpreted. Multi-valued keys end in "[]".
  std::vector<std::pair<std::string, std::string>> other;
};

// Parses the helper's stdin. Errors: kMalformed (line without '=', empty key, key outside
// [A-Za-z0-9_.\-\[\]], NUL, CR, a known key given twice, "url=" (git never sends it to
// helpers)), kTooLarge (input or line over the limits).
Result<GitCredential> ParseGitCredential(std::string_view input);

// Serialises attributes for git ("key=value\n" each). Errors: kInvalidArgument when a value
// contains NUL, CR or LF (it would be read back as another attribute).
Result<std::string> FormatGitCredential(const std::vector<std::pair<std::string, std::string>>& attrs);

// The route name when `cred` is for the notme proxy: path "r/<route>/..." (git sends the
// path only with credential.useHttpPath, which `notme git setup` turns on).
std::optional<std::string> ProxyRouteOf(const GitCredential& cred);

}  // namespace notme::proxy
