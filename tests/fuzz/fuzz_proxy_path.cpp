// libFuzzer: proxy request-targets (lib/proxy/proxy_path.h). Properties: never crashes; an
// accepted target never has a "." or ".." segment, an encoded '/' or '\', or a control
// character after decoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/proxy_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto t = notme::proxy::ParseProxyTarget(in);
  if (!t) return 0;
  for (const auto& seg : t->segments) {
    if (seg == "." || seg == "..") std::abort();
    for (char c : seg) {
      auto u = static_cast<unsigned char>(c);
      if (c == '/' || c == '\\' || u < 0x20 || u == 0x7f) std::abort();
    }
  }
  if (t->rest.find("//") != std::string_view::npos) std::abort();
  return 0;
}
