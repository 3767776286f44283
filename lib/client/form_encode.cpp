#include <cstdio>

#include "notme/client.h"

namespace notme::client {
namespace {

// WHATWG URL §5.2: the application/x-www-form-urlencoded percent-encode set leaves
// ASCII alphanumerics and *-._ alone and turns space into '+'.
void AppendEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
        u == '*' || u == '-' || u == '.' || u == '_') {
      out.push_back(c);
    } else if (u == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    }
  }
}

}  // namespace

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    AppendEncoded(out, name);
    out.push_back('=');
    AppendEncoded(out, value);
  }
  return out;
}

}  // namespace notme::client
