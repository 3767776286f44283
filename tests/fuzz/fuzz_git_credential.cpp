// libFuzzer: git credential helper input (lib/proxy/git_credential.h). Properties: never
// crashes; whatever parses re-serialises and parses back to the same fields (absent and
// empty username/password stay distinct); an expiry parses or is refused, never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/git_credential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto c = notme::proxy::ParseGitCredential(in);
  if (!c) return 0;
  std::vector<std::pair<std::string, std::string>> attrs = {
      {"protocol", c->protocol}, {"host", c->host}, {"path", c->path}};
  if (c->username) attrs.emplace_back("username", *c->username);
  if (c->password) attrs.emplace_back("password", *c->password);
  for (const auto& kv : c->other) attrs.push_back(kv);
  auto out = notme::proxy::FormatGitCredential(attrs);
  if (!out) std::abort();  // a parsed value can never contain CR, LF or NUL
  auto again = notme::proxy::ParseGitCredential(*out);
  if (!again || again->host != c->host || again->path != c->path ||
      again->username != c->username || again->password != c->password ||
      again->other != c->other) {
    std::abort();
  }
  if (auto expiry = c->Other("password_expiry_utc")) (void)notme::proxy::ParseExpiryUtc(*expiry);
  (void)notme::proxy::ProxyRouteOf(*c);
  return 0;
}
