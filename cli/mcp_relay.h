#pragma once
// The protocol half of `notme mcp ROUTE` (docs/mcp.md): a stdio MCP server (newline-
// delimited JSON-RPC, MCP spec "Transports" §stdio) relayed to a Streamable HTTP MCP
// endpoint (§Streamable HTTP) reached through notmed's proxy. This file holds the parts
// that need no socket, so they can be tested and fuzzed:
//   - ParseClientLine: one stdin line → a validated JSON-RPC message or batch, with the ids
//     of the requests in it (each must get exactly one answer on stdout);
//   - ResponseRelay: one HTTP answer (status, headers, body chunks as they arrive) → the
//     stdout lines it carries (application/json, or text/event-stream relayed event by
//     event), and a JSON-RPC error for every request the answer failed to answer;
//   - McpSession: the Mcp-Session-Id and MCP-Protocol-Version headers of later requests.
// Everything read from the daemon or the upstream is untrusted: sizes are bounded, every
// JSON text is parsed without exceptions, and what reaches stdout is re-serialised
// compact (one line, no embedded newline). Error texts quote at most a bounded, printable
// excerpt of an upstream body.

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/sse_parser.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"

namespace notme::cli {

// JSON-RPC 2.0 §5.1 error codes used by the relay. -32000 is in the implementation-
// defined server-error range: "the route's MCP endpoint could not answer".
inline constexpr int kJsonRpcParseError = -32700;
inline constexpr int kJsonRpcInvalidRequest = -32600;
inline constexpr int kRelayError = -32000;

// The largest stdin line, JSON answer or SSE event the relay accepts.
inline constexpr size_t kMaxMcpMessageBytes = 16 * 1024 * 1024;

struct ClientMessage {
  nlohmann::json json;                      // the message or batch, as validated
  std::vector<nlohmann::json> request_ids;  // ids of the requests in it, in order
  bool has_initialize = false;              // it holds an "initialize" request
  std::optional<nlohmann::json> initialize_id;
};

// Parses and validates one line from the MCP client: a JSON-RPC 2.0 request,
// notification or response object, or a non-empty array of them. A request id must be a
// string or an integer (MCP forbids null ids). Errors: kMalformed (not JSON: answer with
// -32700), kInvalidRequest (not JSON-RPC: answer with -32600), kTooLarge.
Result<ClientMessage> ParseClientLine(std::string_view line);

// The best id to answer an invalid line with: its "id" if it is a JSON object with a
// string or integer id, else null (JSON-RPC 2.0 §5).
nlohmann::json IdForInvalidLine(std::string_view line);

// {"jsonrpc":"2.0","id":id,"error":{"code":code,"message":message[,"data":data]}}.
nlohmann::json JsonRpcError(const nlohmann::json& id, int code, std::string_view message,
                            const nlohmann::json& data = nullptr);

// Compact, one-line serialisation for stdout (invalid UTF-8 replaced, never thrown).
std::string ToLine(const nlohmann::json& message);

// The session state shared by every request of one relay. Thread-safe.
class McpSession {
 public:
  // Headers for a request: Mcp-Session-Id and MCP-Protocol-Version once known (MCP
  // "Session Management" and "Protocol Version Header"); none for an initialize request.
  std::vector<std::pair<std::string, std::string>> Headers(bool initialize) const EXCLUDES(mu_);
  // Records the session id the upstream assigned in its answer to initialize. Errors:
  // kMalformed when it is empty, longer than 1024 bytes, or not visible ASCII (the spec
  // limits it to 0x21-0x7E).
  Result<void> SetSessionId(std::string_view id) EXCLUDES(mu_);
  // Records the protocolVersion the upstream chose in its initialize result. Ignored
  // unless it is a short printable token.
  void SetProtocolVersion(std::string_view version) EXCLUDES(mu_);
  // Forgets the session (a 404 answer: the upstream ended it; the client re-initializes).
  void Reset() EXCLUDES(mu_);
  std::optional<std::string> session_id() const EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::optional<std::string> session_id_ GUARDED_BY(mu_);
  std::optional<std::string> protocol_version_ GUARDED_BY(mu_);
};

// Relays one HTTP answer to stdout lines. Construct with the ids of the requests the
// POST carried; call Head once, Body for each chunk as it arrives, then Finish once.
// Not thread-safe: one per exchange.
class ResponseRelay {
 public:
  using LineSink = std::function<void(const std::string& line)>;
  // `pending`: request ids that need an answer; `initialize_id`: the id of an initialize
  // request among them, whose result's protocolVersion is reported to `session`.
  ResponseRelay(std::vector<nlohmann::json> pending, std::optional<nlohmann::json> initialize_id,
                McpSession* session, LineSink sink);

  // The status line and the Content-Type of the answer.
  void Head(int status, std::string_view content_type);
  // A piece of the body. Returns false when the rest of the body is of no use (the answer
  // is broken or too large): the caller should stop reading.
  bool Body(std::string_view chunk);
  // The end of the exchange. `transport_error` is set when the connection to notmed
  // failed before a complete answer (or no answer at all). Emits a JSON-RPC error for
  // every pending request that got no answer, and returns a one-line description of
  // what went wrong for stderr, or nullopt when everything was answered.
  std::optional<std::string> Finish(const std::optional<Error>& transport_error);

  int status() const { return status_; }
  // The last SSE event id seen (for Last-Event-ID when a stream is reopened).
  const std::string& last_event_id() const { return sse_.last_event_id(); }

 private:
  enum class Mode { kNone, kJson, kSse, kError, kIgnore };
  void Emit(const nlohmann::json& message);
  void OnEvent(SseEvent&& event);
  std::string Failure(const std::optional<Error>& transport_error) const;
  nlohmann::json ErrorData() const;

  std::vector<nlohmann::json> pending_;
  std::optional<nlohmann::json> initialize_id_;
  McpSession* session_;
  LineSink sink_;
  Mode mode_ = Mode::kNone;
  int status_ = 0;
  std::string content_type_;
  std::string body_;  // kJson: the answer; kError: its first bytes, for the message
  SseParser sse_{kMaxMcpMessageBytes};
  bool broken_ = false;  // the body was malformed or too large
  size_t malformed_events_ = 0;
};

}  // namespace notme::cli
