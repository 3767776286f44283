#include "jose/dpop.h"

namespace notme::jose {
Result<std::string> NormalizeHtu(std::string_view) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
}  // namespace notme::jose
