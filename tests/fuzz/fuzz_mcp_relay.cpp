// libFuzzer target for `notme mcp`'s parsers of untrusted input (cli/sse_parser.h,
// cli/mcp_relay.h): a line from the MCP client, and an HTTP answer from notmed/the
// upstream fed to the relay in chunks, as JSON or as an event stream. Every line the relay
// writes must be one line of valid JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli/mcp_relay.h"
#include "cli/sse_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace notme::cli;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)ParseClientLine(in);
  (void)IdForInvalidLine(in);
  if (in.empty()) return 0;
  // First byte: the chunk size and the answer's shape.
  const auto control = static_cast<uint8_t>(in.front());
  in.remove_prefix(1);
  const size_t chunk = 1 + (control & 0x1f);
  const char* types[] = {"text/event-stream", "application/json", "text/plain", ""};
  const int statuses[] = {200, 202, 401, 404};

  auto check_line = [](const std::string& line) {
    if (line.find('\n') != std::string::npos) std::abort();
    if (nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false).is_discarded())
      std::abort();
  };
  McpSession session;
  (void)session.SetSessionId("fuzz");
  ResponseRelay relay({1, "a"}, nlohmann::json(1), &session, check_line);
  relay.Head((control & 0x80) != 0 ? statuses[(control >> 5) & 3] : 200, types[(control >> 5) & 3]);
  for (size_t i = 0; i < in.size(); i += chunk) {
    if (!relay.Body(in.substr(i, chunk))) break;
  }
  (void)relay.Finish(std::nullopt);

  SseParser sse(4096);
  for (size_t i = 0; i < in.size(); i += chunk) {
    if (!sse.Feed(in.substr(i, chunk), [](SseEvent&& e) {
          if (e.data.size() > 4096) std::abort();
        })) {
      break;
    }
  }
  return 0;
}
