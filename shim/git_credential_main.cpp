// git-credential-notme: git credential helper.
#include <cstdio>
#include <cstring>

#include "notme/version.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("git-credential-notme %s\n", notme::kVersion);
    return 0;
  }
  std::fprintf(stderr, "git-credential-notme: not implemented yet\n");
  return 1;
}
