#include <optional>
#include <utility>

#include "notme/client.h"

namespace notme::client {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxDescription = 512;

// Only codes a daemon may send: kDaemonUnreachable is the client's own verdict (exit 3).
std::optional<ErrorCode> CodeByName(std::string_view name) {
  // The wire names (docs/protocol.md "Errors") that differ from ErrorCodeName.
  static constexpr std::pair<std::string_view, ErrorCode> kWireNames[] = {
      {"bad_gateway", ErrorCode::kUpstream},
      {"gateway_timeout", ErrorCode::kTimeout},
      {"temporarily_unavailable", ErrorCode::kUnavailable},
      {"insufficient_scope", ErrorCode::kInvalidScope},
      {"server_error", ErrorCode::kInternal},
  };
  for (const auto& [wire, code] : kWireNames) {
    if (wire == name) return code;
  }
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    auto code = static_cast<ErrorCode>(i);
    if (ErrorCodeName(code) == name) return code;
  }
  return std::nullopt;
}

ErrorCode CodeByStatus(int status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidRequest;
    case 401:
      return ErrorCode::kInvalidToken;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kAlreadyExists;
    case 413:
      return ErrorCode::kTooLarge;
    default:
      return status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidRequest;
  }
}

// Error text from the daemon is shown on a terminal: keep printable ASCII only so a
// hostile or broken answer cannot inject escape sequences.
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxDescription)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace

Error DecodeErrorResponse(int status, std::string_view body) {
  std::optional<ErrorCode> code;
  std::string name;
  std::string description;
  if (body.size() <= kMaxErrorBody) {
    auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object()) {
      if (auto it = j.find("error"); it != j.end() && it->is_string()) {
        name = it->get<std::string>();
        code = CodeByName(name);
      }
      if (auto it = j.find("error_description"); it != j.end() && it->is_string()) {
        description = it->get<std::string>();
      }
    }
  }
  std::string message = "notmed: ";
  if (!description.empty()) {
    message += Printable(description);
  } else if (!name.empty()) {
    message += Printable(name);
  } else {
    message += "HTTP " + std::to_string(status);
  }
  return Error(code.value_or(CodeByStatus(status)), std::move(message));
}

}  // namespace notme::client
