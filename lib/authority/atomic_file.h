#pragma once
// Owner-only files that are read whole and replaced atomically: the agent registry and
// other small config documents (issue 3 "Agents": writes are atomic).
// Stateless and thread-safe (callers serialise writers of one path).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "notme/result.h"

namespace notme::authority {

// Replaces `path` with `contents`: a temporary file in the same directory is created
// with O_CREAT|O_EXCL|O_CLOEXEC|O_NOFOLLOW and mode 0600, written, fsync'ed, renamed over
// `path`, and the directory is fsync'ed — so a crash leaves either the old or the new
// file, never a mix. On failure the temporary file is removed and `path` is untouched.
// Errors: kIo / kPermissionDenied / kNotFound (ErrnoError, naming the path).
Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

// Reads `path` whole. Returns nullopt when it does not exist. Refuses (kUnsafePath) a
// symlink, a non-regular file, a file owned by another user or writable by group or
// other — policy must not come from a file someone else can change. Errors: kTooLarge
// over `max_bytes`, kIo for read failures.
Result<std::optional<std::string>> ReadOwnerFile(const std::filesystem::path& path,
                                                 size_t max_bytes);

}  // namespace notme::authority
