#pragma once
// The one place errno becomes an Error (STYLE.md "Errors").

#include <string_view>

#include "notme/result.h"

namespace notme {

// Error{kIo (or kNotFound / kPermissionDenied / kAlreadyExists by errno), "what: strerror"}.
// `err` is the saved errno value.
Error ErrnoError(std::string_view what, int err);

}  // namespace notme
