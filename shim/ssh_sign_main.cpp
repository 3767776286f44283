// notme-ssh-sign: git gpg.ssh.program shim.
#include <cstdio>
#include <cstring>

#include "notme/version.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("notme-ssh-sign %s\n", notme::kVersion);
    return 0;
  }
  std::fprintf(stderr, "notme-ssh-sign: not implemented yet\n");
  return 1;
}
