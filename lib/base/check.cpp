#include "notme/check.h"

#include <cstdio>
#include <cstdlib>

namespace notme::internal {

void CheckFailed(const char* cond, const char* why, const char* file, int line) {
  std::fprintf(stderr, "notme: internal check failed at %s:%d: %s (%s)\n", file, line, cond,
               why);
  std::abort();
}

}  // namespace notme::internal
