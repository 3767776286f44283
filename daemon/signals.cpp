#include "daemon/signals.h"

#include <csignal>
#include <cerrno>
#include <ctime>

namespace notme::daemon {
namespace {

sigset_t DaemonSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void BlockDaemonSignals() {
  sigset_t set = DaemonSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, nullptr);
}

DaemonSignal WaitForSignal(std::chrono::milliseconds timeout) {
  sigset_t set = DaemonSet();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  int sig = sigtimedwait(&set, nullptr, &ts);
  if (sig == SIGTERM || sig == SIGINT) return DaemonSignal::kShutdown;
  if (sig == SIGHUP) return DaemonSignal::kReload;
  return DaemonSignal::kNone;
}

}  // namespace notme::daemon
