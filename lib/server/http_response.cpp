#include "server/http_response.h"

#include <string>
#include <utility>

#include "base/json_dump.h"

namespace notme::server {

void SendJson(Response& res, int status, const nlohmann::json& body) {
  SendJsonText(res, status, DumpJson(body));
}

void SendJsonText(Response& res, int status, std::string body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
  res.set_content(std::move(body), "application/json");
}

void SendJsonError(Response& res, int status, std::string_view error,
                   std::string_view description) {
  nlohmann::json body = {{"error", std::string(error)},
                         {"error_description", std::string(description)}};
  SendJson(res, status, body);
}

void SetErrorForStatus(Response& res, int status) {
  switch (status) {
    case 404: SendJsonError(res, 404, "not_found", "no such endpoint"); break;
    case 405: SendJsonError(res, 405, "invalid_request", "method not allowed"); break;
    case 408: SendJsonError(res, 408, "invalid_request", "request timed out"); break;
    case 413: SendJsonError(res, 413, "invalid_request", "request body too large"); break;
    case 414: SendJsonError(res, 414, "invalid_request", "request URI too long"); break;
    case 431: SendJsonError(res, 431, "invalid_request", "request headers too large"); break;
    default:
      if (status >= 500) {
        SendJsonError(res, status, "server_error", "internal error");
      } else {
        SendJsonError(res, status, "invalid_request", "malformed request");
      }
  }
}

}  // namespace notme::server
