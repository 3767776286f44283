#include "daemon/hardening.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "base/errno_error.h"

namespace notme::daemon {
namespace {

constexpr int kListenFdsStart = 3;  // SD_LISTEN_FDS_START

bool ParseInt(const char* s, long& out) {
  if (s == nullptr) return false;
  std::string_view v(s);
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && end == v.data() + v.size();
}

}  // namespace

Result<void> HardenProcess() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Fail(ErrnoError("prctl(PR_SET_DUMPABLE)", errno));
  }
  rlimit no_core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0) return Fail(ErrnoError("setrlimit(RLIMIT_CORE)", errno));
  ::umask(077);
  return Ok();
}

int InheritedListenFdCount() {
  long pid = 0;
  long n = 0;
  if (!ParseInt(std::getenv("LISTEN_PID"), pid) || pid != ::getpid()) return 0;
  if (!ParseInt(std::getenv("LISTEN_FDS"), n) || n <= 0 || n > 64) return 0;
  return static_cast<int>(n);
}

Result<void> CloseInheritedFds(int listen_fds) {
  // /proc/self/fd lists exactly what is open; collect first, close after, so the
  // directory stream's own fd is not closed under it.
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return Fail(ErrnoError("opendir /proc/self/fd", errno));
  const int own = ::dirfd(dir);
  std::vector<int> to_close;
  while (dirent* e = ::readdir(dir)) {
    long fd = 0;
    if (!ParseInt(e->d_name, fd)) continue;
    if (fd <= 2 || fd == own) continue;
    if (fd >= kListenFdsStart && fd < kListenFdsStart + listen_fds) continue;
    to_close.push_back(static_cast<int>(fd));
  }
  ::closedir(dir);
  for (int fd : to_close) ::close(fd);
  return Ok();
}

}  // namespace notme::daemon
