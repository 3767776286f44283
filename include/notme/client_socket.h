#pragma once
// Which socket a client talks to, and whether it may trust it (CONTRACT.md "Paths").
// Stateless and thread-safe.

#include <sys/types.h>

#include <filesystem>

#include "notme/paths.h"
#include "notme/result.h"

namespace notme::client {

// $NOTME_SOCKET if set (must be absolute), else the control socket of ResolvePaths.
// Errors: kConfig (relative NOTME_SOCKET, or the errors of ResolvePaths).
Result<std::filesystem::path> ResolveClientSocket(const EnvLookup& env, uid_t uid);

// Refuses to talk to a socket another user could have planted or can write to: the path
// must be a socket (not a symlink) owned by `uid` with no group/other permission bits,
// in a directory owned by `uid` that is not writable by group or other.
// Errors: kDaemonUnreachable when nothing exists at the path (the daemon is not running),
// kUnsafePath (with the reason and the fix) otherwise, kIo for other lstat failures.
Result<void> CheckSocket(const std::filesystem::path& socket, uid_t uid);

}  // namespace notme::client
