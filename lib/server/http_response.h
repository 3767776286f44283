#pragma once
// JSON responses of the daemon. Every response carries `Cache-Control: no-store`
// (RFC 6749 §5.1 requires it for token responses; nothing notmed says is cacheable).
// Error bodies have the RFC 6749 §5.2 shape {"error","error_description"}; which
// ErrorCode gives which status and error string is decided in authority/error_mapping,
// not here. Thread-safe (pure functions).

#include <string_view>

#include <nlohmann/json.hpp>
#include <string>

#include "server/http_message.h"

namespace notme::server {

// Serializes `body` (invalid UTF-8 in strings is replaced, never thrown).
void SendJson(Response& res, int status, const nlohmann::json& body);
// The same for a body already written as JSON text (JsonObjectWriter).
void SendJsonText(Response& res, int status, std::string body);

// {"error": error, "error_description": description}.
void SendJsonError(Response& res, int status, std::string_view error,
                   std::string_view description);

// A generic error body for statuses the server produces itself (400, 404, 413, 414, ...).
void SetErrorForStatus(Response& res, int status);

}  // namespace notme::server
