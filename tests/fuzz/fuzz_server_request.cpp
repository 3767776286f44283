// Fuzzes the request-body parsers of lib/server (the daemon's untrusted input before any
// handler logic): strict OAuth forms, UTF-8 validation and JSON objects with a depth cap.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/request_parsing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto form = notme::server::ParseOAuthForm(input);
  if (form) {
    for (const auto& [name, value] : *form) {
      if (!notme::server::IsValidUtf8(name) || !notme::server::IsValidUtf8(value)) __builtin_trap();
    }
  }
  auto json = notme::server::ParseJsonObject(input);
  if (json && !json->is_object()) __builtin_trap();
  return 0;
}
