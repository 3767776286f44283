#pragma once
// Small helpers shared by the unit tests.

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace notme::testing {

inline std::vector<uint8_t> FromHex(std::string_view hex) {
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
    throw std::invalid_argument("bad hex");
  };
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
  }
  return out;
}

inline std::string ToHex(const uint8_t* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

template <typename C>
std::string ToHex(const C& c) {
  return ToHex(c.data(), c.size());
}

// Runs this test program again, as a child, with only the test cases matching
// `test_case_pattern` (doctest's --test-case), an LD_LIBRARY_PATH that finds a file named
// `soname` that is not a library, and `marker_env`=1 so the test knows it is the child.
// Returns the child's exit status (0: its checks passed), or -1 if it did not exit.
inline int RunSelfWithBogusLibrary(const std::string& soname, const char* marker_env,
                                   const std::string& test_case_pattern) {
  char dir[] = "/tmp/notme-bogus-lib.XXXXXX";
  if (::mkdtemp(dir) == nullptr) return -1;
  std::ofstream(std::string(dir) + "/" + soname) << "not an ELF file\n";
  const std::string filter = "--test-case=" + test_case_pattern;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("LD_LIBRARY_PATH", dir, 1);
    ::setenv(marker_env, "1", 1);
    char* argv[] = {const_cast<char*>("test"), const_cast<char*>(filter.c_str()), nullptr};
    ::execv("/proc/self/exe", argv);
    ::_exit(127);
  }
  int status = 0;
  const bool waited = pid > 0 && ::waitpid(pid, &status, 0) == pid;
  std::filesystem::remove_all(dir);
  return waited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace notme::testing
