#include "jose/base64url.h"

namespace notme::jose {
std::string Base64UrlEncode(std::span<const uint8_t>) { return {}; }
std::string Base64UrlEncode(std::string_view) { return {}; }
Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
Result<std::string> Base64UrlDecodeToString(std::string_view) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
}  // namespace notme::jose
