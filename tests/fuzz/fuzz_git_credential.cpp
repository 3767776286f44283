// libFuzzer: git credential helper input (lib/proxy/git_credential.h). Properties: never
// crashes; whatever parses re-serialises and parses back to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/git_credential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto c = notme::proxy::ParseGitCredential(in);
  if (!c) return 0;
  auto out = notme::proxy::FormatGitCredential({{"protocol", c->protocol},
                                                {"host", c->host},
                                                {"path", c->path},
                                                {"username", c->username},
                                                {"password", c->password}});
  if (!out) std::abort();  // a parsed value can never contain CR, LF or NUL
  auto again = notme::proxy::ParseGitCredential(*out);
  if (!again || again->host != c->host || again->password != c->password) std::abort();
  (void)notme::proxy::ProxyRouteOf(*c);
  return 0;
}
