// libFuzzer: the socket-activation environment (daemon/systemd.h ParseListenFds) and
// NOTIFY_SOCKET addresses. Input: three NUL-separated fields LISTEN_PID, LISTEN_FDS,
// LISTEN_FDNAMES (a missing field = unset). Properties: never crashes; an accepted set is
// 1..64 fds numbered from 3 with names of 1..255 printable characters and no ':'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/systemd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> fields(1);
  for (size_t i = 0; i < size && fields.size() <= 3; ++i) {
    if (data[i] == 0) {
      fields.emplace_back();
    } else {
      fields.back().push_back(static_cast<char>(data[i]));
    }
  }
  auto field = [&](size_t i) { return i < fields.size() ? fields[i].c_str() : nullptr; };
  auto fds = notme::daemon::ParseListenFds(field(0), field(1), field(2), 1234);
  if (fds && !fds->empty()) {
    if (fds->size() > 64) std::abort();
    for (const auto& [name, fd] : *fds) {
      if (fd < 3 || fd >= 3 + 64 || name.empty() || name.size() > 255) std::abort();
      for (char c : name) {
        if (c == ':' || static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) std::abort();
      }
    }
  }
  // Addresses that are refused never reach sendto; the accepted ones are /abs or @name
  // and go to a socket that does not exist.
  const std::string address = fields[0];
  if (!address.empty() && address[0] != '/' && address[0] != '@' &&
      notme::daemon::NotifyTo(address.c_str(), "READY=1")) {
    std::abort();
  }
  return 0;
}
