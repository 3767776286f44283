#include "cli/sse_parser.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace notme::cli;

namespace {

std::vector<SseEvent> Parse(const std::string& text, size_t chunk = 0, size_t limit = 1024) {
  SseParser p(limit);
  std::vector<SseEvent> out;
  auto sink = [&](SseEvent&& e) { out.push_back(std::move(e)); };
  if (chunk == 0) {
    REQUIRE(p.Feed(text, sink));
  } else {
    for (size_t i = 0; i < text.size(); i += chunk) REQUIRE(p.Feed(text.substr(i, chunk), sink));
  }
  return out;
}

}  // namespace

TEST_SUITE("SseParser") {
  TEST_CASE("an event's data lines are joined with LF and dispatched on a blank line") {
    auto ev = Parse("event: message\nid: 7\ndata: {\"a\":\ndata: 1}\n\n");
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].type == "message");
    CHECK(ev[0].data == "{\"a\":\n1}");
    CHECK(ev[0].id == "7");
  }

  TEST_CASE("an event split into single bytes with CR LF line ends parses the same") {
    auto ev = Parse("data: x\r\n\r\ndata: y\r\r", 1);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].data == "x");
    CHECK(ev[1].data == "y");
  }

  TEST_CASE("an event cut off by the end of the stream is not dispatched") {
    CHECK(Parse("data: unfinished\n").empty());
    CHECK(Parse("data: unfinished").empty());
  }

  TEST_CASE("comments and unknown fields produce no event") {
    CHECK(Parse(": keep-alive\n\nretry: 100\nfoo: bar\n\n").empty());
  }

  TEST_CASE("an event with an id but no data is not dispatched and still sets the last id") {
    SseParser p;
    size_t n = 0;
    REQUIRE(p.Feed("id: prime-1\ndata\nid: 9\n\nid: 10\n\n", [&](SseEvent&&) { ++n; }));
    CHECK(n == 1);
    CHECK(p.last_event_id() == "10");
  }

  TEST_CASE("an id containing NUL is ignored") {
    SseParser p;
    REQUIRE(p.Feed(std::string("id: a\0b\ndata: x\n\n", 18), [](SseEvent&& e) { CHECK(!e.id); }));
    CHECK(p.last_event_id().empty());
  }

  TEST_CASE("a space after the colon is removed once, no more") {
    auto ev = Parse("data:  two\n\n");
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].data == " two");
  }

  TEST_CASE("a field without a colon has an empty value") {
    auto ev = Parse("data\n\n");
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].data.empty());
  }

  TEST_CASE("the event type resets after each event") {
    auto ev = Parse("event: ping\ndata: a\n\ndata: b\n\n");
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].type == "ping");
    CHECK(ev[1].type == "message");
  }

  TEST_CASE("a leading byte order mark is skipped") {
    auto ev = Parse(
        "\xEF\xBB\xBF"
        "data: x\n\n");
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].data == "x");
  }

  TEST_CASE("a line longer than the limit fails the parser for good") {
    SseParser p(16);
    auto sink = [](SseEvent&&) { FAIL("no event expected"); };
    auto r = p.Feed("data: " + std::string(32, 'x'), sink);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == notme::ErrorCode::kTooLarge);
    CHECK_FALSE(p.Feed("\n\n", sink));
  }

  TEST_CASE("many short data lines adding up past the limit fail the parser") {
    SseParser p(16);
    std::string text;
    for (int i = 0; i < 10; ++i) text += "data: abc\n";
    CHECK_FALSE(p.Feed(text, [](SseEvent&&) { FAIL("no event expected"); }));
  }

  TEST_CASE("a lone CR at a chunk's end followed by LF is one line end, not two") {
    auto ev = Parse("data: a\r", 0);
    CHECK(ev.empty());
    SseParser p;
    std::vector<SseEvent> out;
    auto sink = [&](SseEvent&& e) { out.push_back(std::move(e)); };
    REQUIRE(p.Feed("data: a\r", sink));
    REQUIRE(p.Feed("\ndata: b\n", sink));
    CHECK(out.empty());  // the LF completed "data: a", it did not dispatch
    REQUIRE(p.Feed("\n", sink));
    REQUIRE(out.size() == 1);
    CHECK(out[0].data == "a\nb");
  }
}
