#pragma once
// Process hardening applied first thing at start (issue 3 "Hardening at start").
// Called once from the main thread before any other thread exists.

#include <sys/types.h>

#include "notme/result.h"

namespace notme::daemon {

// prctl(PR_SET_DUMPABLE, 0) (no core dumps, no ptrace by other same-uid processes),
// RLIMIT_CORE = 0, umask(077). Errors: kIo when the kernel refuses.
Result<void> HardenProcess();

// Closes every inherited fd except 0-2 and the `listen_fds` socket-activation fds that
// start at 3 (SD_LISTEN_FDS_START). Errors: kIo.
Result<void> CloseInheritedFds(int listen_fds);

// The number of socket-activation fds passed to this process ($LISTEN_PID == getpid(),
// $LISTEN_FDS); 0 when none. Reads the environment only.
int InheritedListenFdCount();

}  // namespace notme::daemon
