#include "jose/json.h"

namespace notme::jose {
Result<nlohmann::json> ParseStrictJson(std::string_view, size_t, int) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
Result<nlohmann::json> ParseStrictJsonObject(std::string_view, std::string_view, size_t, int) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
std::string DumpCompact(const nlohmann::json&) { return {}; }
}  // namespace notme::jose
