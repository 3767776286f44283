#pragma once
// Who is on the other end of a Unix-socket connection (SO_PEERCRED), as the kernel says:
// never taken from anything the client sends. Thread-safe (pure functions).

#include <sys/types.h>

#include <string>

#include "notme/result.h"

namespace notme::server {

struct PeerInfo {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  // Target of /proc/<pid>/exe, or "?" when unreadable (another user's process, or the
  // process already exited). Informational only (audit); never used for a decision.
  std::string exe;
};

// Reads SO_PEERCRED of a connected AF_UNIX socket and resolves the executable.
// Errors: kIo when the kernel refuses (not a Unix socket).
Result<PeerInfo> GetPeerInfo(int fd);

// The executable of `pid` via /proc/<pid>/exe, or "?".
std::string ExecutableOf(pid_t pid);

}  // namespace notme::server
