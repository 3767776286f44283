#include "shim/ssh_sign_passthrough.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace notme::shim {

std::string FindRealSshKeygen(const char* path_env) {
  struct stat self {};
  bool have_self = ::stat("/proc/self/exe", &self) == 0;
  std::string_view path = path_env != nullptr ? path_env : "/usr/bin:/bin";
  while (true) {
    size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    std::string candidate;
    candidate.reserve(dir.size() + 12);
    candidate.append(dir.empty() ? std::string_view(".") : dir);
    candidate.append("/ssh-keygen");
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0 &&
        !(have_self && st.st_dev == self.st_dev && st.st_ino == self.st_ino)) {
      return candidate;
    }
    if (colon == std::string_view::npos) break;
    path.remove_prefix(colon + 1);
  }
  return {};
}

void ExecRealSshKeygen(char** argv) {
  std::string real = FindRealSshKeygen(std::getenv("PATH"));
  if (real.empty()) {
    std::fprintf(stderr, "notme-ssh-sign: ssh-keygen not found on PATH (install openssh-client)\n");
    return;
  }
  argv[0] = real.data();
  ::execv(real.c_str(), argv);
  std::fprintf(stderr, "notme-ssh-sign: cannot run %s: %s\n", real.c_str(), std::strerror(errno));
}

}  // namespace notme::shim
