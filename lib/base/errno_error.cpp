#include "base/errno_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace notme {

Error ErrnoError(std::string_view what, int err) {
  ErrorCode code = ErrorCode::kIo;
  switch (err) {
    case ENOENT: code = ErrorCode::kNotFound; break;
    case EACCES:
    case EPERM: code = ErrorCode::kPermissionDenied; break;
    case EEXIST: code = ErrorCode::kAlreadyExists; break;
    case ETIMEDOUT: code = ErrorCode::kTimeout; break;
    case ECONNREFUSED: code = ErrorCode::kUnavailable; break;
    default: break;
  }
  char buf[256] = {};
  // GNU strerror_r returns the message pointer (possibly not buf).
  const char* msg = strerror_r(err, buf, sizeof(buf));
  std::string text(what);
  text += ": ";
  text += msg;
  return Error(code, std::move(text));
}

}  // namespace notme
