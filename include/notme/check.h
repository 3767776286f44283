#pragma once
// NOTME_CHECK: broken internal invariants abort, in release builds too (STYLE.md).
// Untrusted input never reaches a NOTME_CHECK; it gets a Result.

namespace notme::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* why, const char* file, int line);
}  // namespace notme::internal

#define NOTME_CHECK(cond, why)                                               \
  do {                                                                       \
    if (!(cond)) ::notme::internal::CheckFailed(#cond, why, __FILE__, __LINE__); \
  } while (0)
