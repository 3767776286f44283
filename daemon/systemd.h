#pragma once
// systemd integration without libsystemd: socket activation (sd_listen_fds(3)) and
// readiness notification (sd_notify(3)), implemented from the documented protocol.
//
// Socket activation: the service manager passes LISTEN_PID (the pid the fds are for),
// LISTEN_FDS (how many, starting at fd 3) and optionally LISTEN_FDNAMES (their
// colon-separated names, from FileDescriptorName=). The environment is untrusted input:
// anything malformed is an error, and the daemon refuses to start (fail closed) rather
// than guess which fds are its sockets.
//
// Notification: one datagram per state ("READY=1", "STOPPING=1", ...) to the AF_UNIX
// socket named by NOTIFY_SOCKET: an absolute path, or "@name" for an abstract socket.
//
// Thread-safety: TakeListenFds changes the environment; call it once at start, before
// other threads exist. Notify may be called from any thread.

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>

#include "notme/result.h"

namespace notme::daemon {

inline constexpr int kSdListenFdsStart = 3;  // SD_LISTEN_FDS_START
inline constexpr long kMaxListenFds = 64;

// The activation fds for process `self` by name (fds without a name are "unknown").
// Arguments are the raw variables (nullptr when unset). Empty when LISTEN_PID or
// LISTEN_FDS is unset or LISTEN_PID names another process (the variables were meant for
// a parent). Errors (kConfig, naming the variable): LISTEN_PID or LISTEN_FDS not a plain
// positive decimal number, LISTEN_FDS above kMaxListenFds, LISTEN_FDNAMES with another
// number of names than LISTEN_FDS or a name that is empty, longer than 255 characters or
// not printable ASCII. Does not look at the fds themselves.
Result<std::multimap<std::string, int>> ParseListenFds(const char* listen_pid,
                                                       const char* listen_fds,
                                                       const char* listen_fdnames, pid_t self);

// ParseListenFds on this process's environment, then checks that each fd is open and a
// socket (kConfig otherwise), marks it close-on-exec and unsets the LISTEN_* variables
// (as sd_listen_fds(1) does), so that no child inherits them.
Result<std::multimap<std::string, int>> TakeListenFds();

// Sends `state` to the socket `notify_socket` names (the raw NOTIFY_SOCKET value).
// Ok without sending when notify_socket is nullptr or empty (not run by systemd).
// Errors: kConfig when the value is neither an absolute path nor "@name", or too long
// for sockaddr_un; kIo when the datagram cannot be sent.
Result<void> NotifyTo(const char* notify_socket, std::string_view state);

// NotifyTo($NOTIFY_SOCKET, state); a failure is logged as a warning (a missing READY=1
// makes systemd time the service out, which the log then explains).
void Notify(std::string_view state);

}  // namespace notme::daemon
