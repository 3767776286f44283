#include "daemon/systemd.h"

#include <cstdlib>
#include <string>

#ifdef NOTME_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace notme::daemon {

std::multimap<std::string, int> TakeListenFds() {
  std::multimap<std::string, int> out;
#ifdef NOTME_HAVE_SYSTEMD
  char** names = nullptr;
  int n = ::sd_listen_fds_with_names(/*unset_environment=*/1, &names);
  for (int i = 0; i < n; ++i) {
    std::string name = (names != nullptr && names[i] != nullptr) ? names[i] : "unknown";
    out.emplace(name, SD_LISTEN_FDS_START + i);
  }
  if (names != nullptr) {
    for (int i = 0; i < n; ++i) std::free(names[i]);
    std::free(names);
  }
#endif
  return out;
}

void Notify(std::string_view state) {
#ifdef NOTME_HAVE_SYSTEMD
  std::string s(state);
  (void)::sd_notify(/*unset_environment=*/0, s.c_str());
#else
  (void)state;
#endif
}

}  // namespace notme::daemon
