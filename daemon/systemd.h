#pragma once
// systemd integration: socket activation (sd_listen_fds_with_names) and readiness
// notification (sd_notify). Without libsystemd at build time both are no-ops.

#include <map>
#include <string>
#include <string_view>

namespace notme::daemon {

// Socket-activation fds by name (LISTEN_FDNAMES; unnamed fds are "unknown"), unsetting
// the LISTEN_* variables. Empty when not socket-activated.
std::multimap<std::string, int> TakeListenFds();

// sd_notify(0, state): "READY=1", "STOPPING=1", "RELOADING=1", "STATUS=...". Ignored
// when not run by systemd ($NOTIFY_SOCKET unset).
void Notify(std::string_view state);

}  // namespace notme::daemon
