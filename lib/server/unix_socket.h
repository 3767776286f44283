#pragma once
// Listening AF_UNIX sockets with owner-only permissions (CONTRACT.md "Paths"):
// the socket file is bound under the process umask, chmod'ed to 0600 and verified
// (a socket, owned by us, mode 0600) before anyone can be served. A stale path is
// replaced only if it is a socket owned by us; anything else there is refused.
// The parent directory must already have passed CheckPrivateDir. Thread-safe.

#include <sys/types.h>

#include <filesystem>

#include "notme/result.h"
#include "server/unique_fd.h"

namespace notme::server {

struct BoundSocket {
  UniqueFd fd;                  // listening, O_CLOEXEC
  std::filesystem::path path;   // empty for an inherited (socket-activated) socket
  ino_t inode = 0;              // of the socket file we created (removal check)
};

// Errors: kInvalidArgument (path too long for sun_path), kUnsafePath (a non-socket or
// someone else's file at `path`, or the mode could not be made 0600), kIo.
Result<BoundSocket> ListenUnixSocket(const std::filesystem::path& path, uid_t uid,
                                     int backlog = 128);

// Removes the socket file if it is still the one we created (same inode, a socket);
// never removes anything else. Safe to call twice.
void RemoveSocketFile(const BoundSocket& socket);

// Checks an inherited listening fd (systemd socket activation): an AF_UNIX stream
// socket that is listening. Errors: kConfig.
Result<void> CheckInheritedUnixListener(int fd);

}  // namespace notme::server
