#pragma once
// Signal handling without handlers: SIGTERM, SIGINT and SIGHUP are blocked in every
// thread (BlockDaemonSignals runs before any thread starts, and threads inherit the
// mask) and the main thread takes them synchronously with sigtimedwait — so no work ever
// happens in async-signal context. SIGPIPE is ignored (sends use MSG_NOSIGNAL anyway).

#include <chrono>

namespace notme::daemon {

enum class DaemonSignal { kNone, kShutdown, kReload };

// Call once, first, on the main thread.
void BlockDaemonSignals();

// Waits up to `timeout` for a daemon signal. kNone on timeout.
DaemonSignal WaitForSignal(std::chrono::milliseconds timeout);

}  // namespace notme::daemon
