#include "cli/mcp_relay.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace notme::cli;
using nlohmann::json;

namespace {

struct Captured {
  std::vector<json> lines;
  ResponseRelay::LineSink Sink() {
    return [this](const std::string& l) {
      CHECK(l.find('\n') == std::string::npos);
      lines.push_back(json::parse(l));
    };
  }
};

notme::ErrorCode CodeOf(std::string_view line) { return ParseClientLine(line).error().code(); }

}  // namespace

TEST_SUITE("ParseClientLine") {
  TEST_CASE("a request yields its id, and initialize is recognised") {
    auto m = ParseClientLine(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
    REQUIRE(m);
    CHECK(m->request_ids == std::vector<json>{1});
    CHECK(m->has_initialize);
  }

  TEST_CASE("notifications and responses carry no request id") {
    auto m = ParseClientLine(
        R"([{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"s1","result":{}}])");
    REQUIRE(m);
    CHECK(m->request_ids.empty());
    CHECK_FALSE(m->has_initialize);
  }

  TEST_CASE("a batch collects every request id") {
    auto m = ParseClientLine(
        R"([{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":"b","method":"b"}])");
    REQUIRE(m);
    CHECK(m->request_ids == std::vector<json>{1, "b"});
  }

  TEST_CASE("invalid JSON is a parse error") {
    CHECK(CodeOf("{") == notme::ErrorCode::kMalformed);
    CHECK(CodeOf("") == notme::ErrorCode::kMalformed);
    CHECK(CodeOf("{\"jsonrpc\":\"2.0\"} trailing") == notme::ErrorCode::kMalformed);
  }

  TEST_CASE("messages that are not JSON-RPC 2.0 are invalid requests") {
    for (const char* line : {
             R"(42)",
             R"("x")",
             R"(null)",
             R"([])",
             R"([1])",
             R"({"id":1,"method":"x"})",                     // no jsonrpc
             R"({"jsonrpc":"1.0","id":1,"method":"x"})",     // wrong version
             R"({"jsonrpc":2,"id":1,"method":"x"})",         // version not a string
             R"({"jsonrpc":"2.0","id":1,"method":7})",       // method not a string
             R"({"jsonrpc":"2.0","id":null,"method":"x"})",  // null id (MCP forbids)
             R"({"jsonrpc":"2.0","id":1.5,"method":"x"})",   // fractional id
             R"({"jsonrpc":"2.0","id":{},"method":"x"})",    // object id
             R"({"jsonrpc":"2.0","id":1,"method":"x","result":{}})",
             R"({"jsonrpc":"2.0","id":1})",  // response without result
             R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})",
             R"({"jsonrpc":"2.0","result":{}})",  // response without id
             R"([{"jsonrpc":"2.0","id":1,"method":"ok"},{"jsonrpc":"2.0"}])",
         }) {
      CAPTURE(line);
      CHECK(CodeOf(line) == notme::ErrorCode::kInvalidRequest);
    }
  }

  TEST_CASE("an invalid line is answered with its id when it has a usable one") {
    CHECK(IdForInvalidLine(R"({"jsonrpc":"1.0","id":5,"method":"x"})") == 5);
    CHECK(IdForInvalidLine(R"({"id":[1]})").is_null());
    CHECK(IdForInvalidLine("not json").is_null());
  }
}

TEST_SUITE("McpSession") {
  TEST_CASE("session id and protocol version go on later requests, not on initialize") {
    McpSession s;
    REQUIRE(s.SetSessionId("abc-123"));
    s.SetProtocolVersion("2025-06-18");
    CHECK(s.Headers(/*initialize=*/true).empty());
    auto h = s.Headers(/*initialize=*/false);
    REQUIRE(h.size() == 2);
    CHECK(h[0] == std::pair<std::string, std::string>{"Mcp-Session-Id", "abc-123"});
    CHECK(h[1] == std::pair<std::string, std::string>{"MCP-Protocol-Version", "2025-06-18"});
  }

  TEST_CASE("a session id that is not visible ASCII is refused") {
    McpSession s;
    CHECK_FALSE(s.SetSessionId(""));
    CHECK_FALSE(s.SetSessionId("a b"));
    CHECK_FALSE(s.SetSessionId("a\r\nX-Injected: 1"));
    CHECK_FALSE(s.SetSessionId("caf\xC3\xA9"));
    CHECK_FALSE(s.SetSessionId(std::string(2000, 'a')));
    CHECK_FALSE(s.session_id());
  }

  TEST_CASE("a protocol version that is not a short token is ignored") {
    McpSession s;
    s.SetProtocolVersion("2025\r\nX: y");
    s.SetProtocolVersion(std::string(100, '1'));
    CHECK(s.Headers(/*initialize=*/false).empty());
  }
}

TEST_SUITE("ResponseRelay") {
  TEST_CASE("an application/json answer is relayed as one compact line") {
    Captured c;
    McpSession s;
    ResponseRelay r({1}, json(1), &s, c.Sink());
    r.Head(200, "application/json; charset=utf-8");
    REQUIRE(r.Body("{\"jsonrpc\":\"2.0\",\n \"id\":1,"));
    REQUIRE(r.Body("\"result\":{\"protocolVersion\":\"2025-06-18\"}}"));
    CHECK_FALSE(r.Finish(std::nullopt));
    REQUIRE(c.lines.size() == 1);
    CHECK(c.lines[0]["id"] == 1);
    CHECK(s.Headers(false).at(0).second == "2025-06-18");
  }

  TEST_CASE("SSE events are relayed one line each as they arrive") {
    Captured c;
    ResponseRelay r({"a"}, std::nullopt, nullptr, c.Sink());
    r.Head(200, "text/event-stream");
    REQUIRE(r.Body("id: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n"));
    CHECK(c.lines.size() == 1);  // before the stream ends
    REQUIRE(r.Body("data: {\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{}}\n\n"));
    CHECK_FALSE(r.Finish(std::nullopt));
    CHECK(c.lines.size() == 2);
    CHECK(r.last_event_id() == "1");
  }

  TEST_CASE("202 Accepted for notifications produces nothing") {
    Captured c;
    ResponseRelay r({}, std::nullopt, nullptr, c.Sink());
    r.Head(202, "");
    CHECK_FALSE(r.Finish(std::nullopt));
    CHECK(c.lines.empty());
  }

  TEST_CASE("a stream that ends before answering yields an error for each pending id") {
    Captured c;
    ResponseRelay r({1, 2}, std::nullopt, nullptr, c.Sink());
    r.Head(200, "text/event-stream");
    REQUIRE(r.Body("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\ndata: {\"jsonrpc\""));
    auto problem = r.Finish(std::nullopt);
    REQUIRE(problem);
    REQUIRE(c.lines.size() == 2);
    CHECK(c.lines[1]["id"] == 2);
    CHECK(c.lines[1]["error"]["code"] == kRelayError);
  }

  TEST_CASE("the daemon being unreachable answers every request with an error") {
    Captured c;
    ResponseRelay r({1, "x"}, std::nullopt, nullptr, c.Sink());
    auto problem = r.Finish(notme::Error(notme::ErrorCode::kDaemonUnreachable, "no socket"));
    REQUIRE(problem);
    CHECK(problem->find("cannot reach notmed") != std::string::npos);
    REQUIRE(c.lines.size() == 2);
    CHECK_FALSE(c.lines[0]["error"].contains("data"));
  }

  TEST_CASE("a proxy refusal is described from notmed's error body") {
    Captured c;
    ResponseRelay r({1}, std::nullopt, nullptr, c.Sink());
    r.Head(403, "application/json");
    REQUIRE(r.Body(R"({"error":"permission_denied","error_description":"route not available"})"));
    auto problem = r.Finish(std::nullopt);
    REQUIRE(problem);
    CHECK(problem->find("notmed refused") != std::string::npos);
    CHECK(c.lines.at(0)["error"]["data"]["http_status"] == 403);
  }

  TEST_CASE("an upstream 401 is reported as a refused credential") {
    Captured c;
    ResponseRelay r({1}, std::nullopt, nullptr, c.Sink());
    r.Head(401, "text/plain");
    REQUIRE(r.Body("no"));
    auto problem = r.Finish(std::nullopt);
    REQUIRE(problem);
    CHECK(problem->find("refused the injected credential") != std::string::npos);
  }

  TEST_CASE("an upstream JSON-RPC error naming a pending id is relayed as its answer") {
    Captured c;
    ResponseRelay r({4}, std::nullopt, nullptr, c.Sink());
    r.Head(400, "application/json");
    REQUIRE(r.Body(R"({"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"bad params"}})"));
    REQUIRE(r.Finish(std::nullopt));
    REQUIRE(c.lines.size() == 1);
    CHECK(c.lines[0]["error"]["code"] == -32602);
  }

  TEST_CASE("a 404 on an established session ends the session") {
    Captured c;
    McpSession s;
    REQUIRE(s.SetSessionId("gone"));
    ResponseRelay r({1}, std::nullopt, &s, c.Sink());
    r.Head(404, "application/json");
    REQUIRE(r.Body(
        R"({"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null})"));
    auto problem = r.Finish(std::nullopt);
    REQUIRE(problem);
    CHECK(problem->find("initialize again") != std::string::npos);
    CHECK_FALSE(s.session_id());
  }

  TEST_CASE("a 5xx answer becomes an error, with a bounded printable excerpt") {
    Captured c;
    ResponseRelay r({1}, std::nullopt, nullptr, c.Sink());
    r.Head(502, "application/json");
    REQUIRE(r.Body(R"({"jsonrpc":"2.0","id":null,"error":{"message":")" + std::string(1000, 'z') +
                   "\x01\"}}"));
    auto problem = r.Finish(std::nullopt);
    REQUIRE(problem);
    CHECK(problem->size() < 400);
    CHECK(c.lines.at(0)["error"]["data"]["http_status"] == 502);
  }

  TEST_CASE("an unexpected content type is an error, not relayed") {
    Captured c;
    ResponseRelay r({1}, std::nullopt, nullptr, c.Sink());
    r.Head(200, "text/html");
    REQUIRE(r.Body("<html>"));
    auto problem = r.Finish(std::nullopt);
    REQUIRE(problem);
    REQUIRE(c.lines.size() == 1);
    CHECK(c.lines[0]["error"]["code"] == kRelayError);
  }

  TEST_CASE("a malformed JSON answer is an error") {
    Captured c;
    ResponseRelay r({1}, std::nullopt, nullptr, c.Sink());
    r.Head(200, "application/json");
    REQUIRE(r.Body("{\"jsonrpc\":"));
    REQUIRE(r.Finish(std::nullopt));
    CHECK(c.lines.at(0)["error"]["code"] == kRelayError);
  }

  TEST_CASE("SSE events that are not JSON are skipped and reported") {
    Captured c;
    ResponseRelay r({1}, std::nullopt, nullptr, c.Sink());
    r.Head(200, "text/event-stream");
    REQUIRE(r.Body("data: not json\n\ndata: 3\n\nevent: other\ndata: {}\n\n"));
    REQUIRE(r.Body("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"));
    auto problem = r.Finish(std::nullopt);
    REQUIRE(problem);
    CHECK(problem->find("skipped 2") != std::string::npos);
    CHECK(c.lines.size() == 1);
  }

  TEST_CASE("an answer cut off mid-stream by the transport reports the cut") {
    Captured c;
    ResponseRelay r({1}, std::nullopt, nullptr, c.Sink());
    r.Head(200, "text/event-stream");
    REQUIRE(r.Body(": open\n\n"));
    auto problem = r.Finish(notme::Error(notme::ErrorCode::kTimeout, "broke"));
    REQUIRE(problem);
    CHECK(problem->find("cut off") != std::string::npos);
    CHECK(c.lines.size() == 1);
  }
}
