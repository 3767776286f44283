#include "cli/mcp_relay.h"

#include <algorithm>
#include <cctype>

namespace notme::cli {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxExcerpt = 300;
constexpr size_t kMaxSessionId = 1024;
constexpr size_t kMaxProtocolVersion = 64;

bool IsValidId(const nlohmann::json& id) { return id.is_string() || id.is_number_integer(); }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The media type of a Content-Type value: before any ';', trimmed, lower case.
std::string MediaType(std::string_view content_type) {
  std::string_view v = content_type.substr(0, content_type.find(';'));
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return Lower(v);
}

// A bounded, single-line, printable excerpt of untrusted text for an error message.
std::string Excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxExcerpt)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  if (s.size() > kMaxExcerpt) out += "...";
  return out;
}

std::string StringField(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return {};
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One JSON-RPC 2.0 message from the client (§4 request/notification, §5 response).
Result<void> CheckMessage(const nlohmann::json& m, ClientMessage& out) {
  if (!m.is_object())
    return Fail(ErrorCode::kInvalidRequest, "a JSON-RPC message must be an object");
  if (StringField(m, "jsonrpc") != "2.0") {
    return Fail(ErrorCode::kInvalidRequest, "\"jsonrpc\" must be \"2.0\"");
  }
  auto id = m.find("id");
  if (auto method = m.find("method"); method != m.end()) {
    if (!method->is_string())
      return Fail(ErrorCode::kInvalidRequest, "\"method\" must be a string");
    if (m.contains("result") || m.contains("error")) {
      return Fail(ErrorCode::kInvalidRequest, "a request cannot carry \"result\" or \"error\"");
    }
    if (id == m.end()) return Ok();  // a notification
    if (!IsValidId(*id)) {
      return Fail(ErrorCode::kInvalidRequest, "a request id must be a string or an integer");
    }
    out.request_ids.push_back(*id);
    if (method->get<std::string>() == "initialize") {
      out.has_initialize = true;
      out.initialize_id = *id;
    }
    return Ok();
  }
  // A response to a request the server sent (sampling, elicitation, roots, ping).
  if (id == m.end() || !IsValidId(*id)) {
    return Fail(ErrorCode::kInvalidRequest, "a response needs a string or integer id");
  }
  if (m.contains("result") == m.contains("error")) {
    return Fail(ErrorCode::kInvalidRequest, "a response carries exactly one of result and error");
  }
  return Ok();
}

}  // namespace

Result<ClientMessage> ParseClientLine(std::string_view line) {
  if (line.size() > kMaxMcpMessageBytes) return Fail(ErrorCode::kTooLarge, "message too large");
  ClientMessage out;
  out.json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (out.json.is_discarded()) return Fail(ErrorCode::kMalformed, "not a JSON text");
  if (out.json.is_array()) {
    if (out.json.empty()) return Fail(ErrorCode::kInvalidRequest, "an empty batch");
    for (const auto& m : out.json) NOTME_TRY_VOID(CheckMessage(m, out));
  } else {
    NOTME_TRY_VOID(CheckMessage(out.json, out));
  }
  return out;
}

nlohmann::json IdForInvalidLine(std::string_view line) {
  if (line.size() > kMaxMcpMessageBytes) return nullptr;
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    if (auto id = j.find("id"); id != j.end() && IsValidId(*id)) return *id;
  }
  return nullptr;
}

nlohmann::json JsonRpcError(const nlohmann::json& id, int code, std::string_view message,
                            const nlohmann::json& data) {
  nlohmann::json error = {{"code", code}, {"message", std::string(message)}};
  if (!data.is_null()) error["data"] = data;
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

std::string ToLine(const nlohmann::json& message) {
  return message.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::pair<std::string, std::string>> McpSession::Headers(bool initialize) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (initialize) return out;
  MutexLock lock(&mu_);
  if (session_id_) out.emplace_back("Mcp-Session-Id", *session_id_);
  if (protocol_version_) out.emplace_back("MCP-Protocol-Version", *protocol_version_);
  return out;
}

Result<void> McpSession::SetSessionId(std::string_view id) {
  // MCP "Session Management": the id MUST only contain visible ASCII (0x21 to 0x7E).
  bool visible = std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  if (id.empty() || id.size() > kMaxSessionId || !visible) {
    return Fail(ErrorCode::kMalformed, "the MCP endpoint sent an invalid Mcp-Session-Id");
  }
  MutexLock lock(&mu_);
  session_id_ = std::string(id);
  return Ok();
}

void McpSession::SetProtocolVersion(std::string_view version) {
  bool token = std::all_of(version.begin(), version.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
  if (version.empty() || version.size() > kMaxProtocolVersion || !token) return;
  MutexLock lock(&mu_);
  protocol_version_ = std::string(version);
}

void McpSession::Reset() {
  MutexLock lock(&mu_);
  session_id_.reset();
  protocol_version_.reset();
}

std::optional<std::string> McpSession::session_id() const {
  MutexLock lock(&mu_);
  return session_id_;
}

ResponseRelay::ResponseRelay(std::vector<nlohmann::json> pending,
                             std::optional<nlohmann::json> initialize_id, McpSession* session,
                             LineSink sink)
    : pending_(std::move(pending)),
      initialize_id_(std::move(initialize_id)),
      session_(session),
      sink_(std::move(sink)) {}

void ResponseRelay::Head(int status, std::string_view content_type) {
  status_ = status;
  content_type_ = MediaType(content_type);
  if (status < 200 || status > 299) {
    mode_ = Mode::kError;
  } else if (content_type_ == "text/event-stream") {
    mode_ = Mode::kSse;  // answers to our requests, or the GET stream's messages
  } else if (pending_.empty()) {
    mode_ = Mode::kIgnore;  // notifications and responses: 202 Accepted, no body
  } else if (content_type_ == "application/json") {
    mode_ = Mode::kJson;
  } else {
    mode_ = Mode::kError;
  }
}

bool ResponseRelay::Body(std::string_view chunk) {
  switch (mode_) {
    case Mode::kSse:
      if (!sse_.Feed(chunk, [this](SseEvent&& e) { OnEvent(std::move(e)); })) broken_ = true;
      return !broken_;
    case Mode::kJson:
      if (body_.size() + chunk.size() > kMaxMcpMessageBytes) {
        broken_ = true;
        return false;
      }
      body_.append(chunk);
      return true;
    case Mode::kError:
      body_.append(chunk.substr(0, kMaxErrorBody - std::min(kMaxErrorBody, body_.size())));
      return true;
    case Mode::kNone:
    case Mode::kIgnore:
      return true;
  }
  return true;
}

void ResponseRelay::OnEvent(SseEvent&& event) {
  // Events without data prime a stream for resumption (MCP 2025-11-25); only "message"
  // events carry JSON-RPC.
  if (event.data.empty() || event.type != "message") return;
  auto j = nlohmann::json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !(j.is_object() || j.is_array())) {
    ++malformed_events_;
    return;
  }
  Emit(j);
}

void ResponseRelay::Emit(const nlohmann::json& message) {
  auto answered = [this](const nlohmann::json& m) {
    if (!m.is_object() || m.contains("method")) return;
    auto id = m.find("id");
    if (id == m.end()) return;
    auto it = std::find(pending_.begin(), pending_.end(), *id);
    if (it == pending_.end()) return;
    pending_.erase(it);
    if (initialize_id_ && *id == *initialize_id_ && session_ != nullptr) {
      if (auto r = m.find("result"); r != m.end()) {
        session_->SetProtocolVersion(StringField(*r, "protocolVersion"));
      }
    }
  };
  if (message.is_array()) {
    for (const auto& m : message) answered(m);
  } else {
    answered(message);
  }
  sink_(ToLine(message));
}

nlohmann::json ResponseRelay::ErrorData() const {
  if (status_ == 0) return nullptr;
  return {{"http_status", status_}};
}

std::string ResponseRelay::Failure(const std::optional<Error>& transport_error) const {
  if (transport_error && status_ == 0) return "cannot reach notmed: " + transport_error->message();
  if (broken_) return "the MCP endpoint's answer was malformed or larger than 16 MiB";
  const std::string status = "HTTP " + std::to_string(status_);
  if (status_ >= 200 && status_ <= 299) {
    if (mode_ == Mode::kError) {
      return "the MCP endpoint answered " + status + " with Content-Type '" +
             Excerpt(content_type_) + "', neither application/json nor text/event-stream";
    }
    if (transport_error) return "the answer was cut off: " + transport_error->message();
    return "the MCP endpoint ended its answer without a response to every request";
  }
  auto j = nlohmann::json::parse(body_, nullptr, /*allow_exceptions=*/false);
  // notmed's own refusals carry {"error","error_description"} (docs/proxy.md "Errors").
  std::string proxy_error = StringField(j, "error");
  if (!proxy_error.empty()) {
    return "notmed refused the request (" + status + " " + Excerpt(proxy_error) + ": " +
           Excerpt(StringField(j, "error_description")) + ")";
  }
  std::string detail;
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    detail = ": " + Excerpt(StringField(j["error"], "message"));
  }
  if (status_ == 401 || status_ == 403) {
    return "the MCP server refused the injected credential (" + status + detail +
           "); check the route's secret";
  }
  if (status_ == 404 && session_ != nullptr && session_->session_id()) {
    return "the MCP session ended (" + status + detail + "); the client must initialize again";
  }
  return "the MCP endpoint failed (" + status + detail + ")";
}

std::optional<std::string> ResponseRelay::Finish(const std::optional<Error>& transport_error) {
  if (mode_ == Mode::kJson && !broken_) {
    auto j = nlohmann::json::parse(body_, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !(j.is_object() || j.is_array())) {
      broken_ = true;
    } else {
      Emit(j);
    }
  }
  if (mode_ == Mode::kError && status_ >= 400) {
    // An upstream JSON-RPC error naming one of our requests is its answer: relay it.
    auto j = nlohmann::json::parse(body_, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("error") && j.contains("id") &&
        std::find(pending_.begin(), pending_.end(), j["id"]) != pending_.end()) {
      Emit(j);
    }
  }
  const bool failed = transport_error.has_value() || broken_ || mode_ == Mode::kError ||
                      mode_ == Mode::kNone || !pending_.empty();
  if (!failed && malformed_events_ == 0) return std::nullopt;
  std::string message =
      failed ? Failure(transport_error)
             : "skipped " + std::to_string(malformed_events_) + " event(s) that were not JSON-RPC";
  if (status_ == 404 && session_ != nullptr && message.find("session ended") != std::string::npos) {
    session_->Reset();
  }
  for (const auto& id : pending_)
    sink_(ToLine(JsonRpcError(id, kRelayError, message, ErrorData())));
  pending_.clear();
  return message;
}

}  // namespace notme::cli
