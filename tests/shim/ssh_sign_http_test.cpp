#include "shim/ssh_sign_http.h"

#include <doctest/doctest.h>

namespace notme::shim {
namespace {

TEST_SUITE("SshSignHttp") {
  TEST_CASE("a complete answer with a body and a DPoP-Nonce parses") {
    auto a = ParseHttpAnswer(
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nDPoP-Nonce: n1\r\n"
        "Content-Length: 2\r\n\r\n{}");
    REQUIRE(a);
    CHECK(a->status == 401);
    CHECK(a->body == "{}");
    CHECK(a->dpop_nonce == std::optional<std::string>("n1"));
  }
  TEST_CASE("header names are case-insensitive") {
    auto a = ParseHttpAnswer("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabcdef");
    REQUIRE(a);
    CHECK(a->body == "abc");
  }
  TEST_CASE("an answer without the blank line is truncated") {
    CHECK_FALSE(ParseHttpAnswer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"));
  }
  TEST_CASE("a body shorter than Content-Length is truncated") {
    CHECK_FALSE(ParseHttpAnswer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"));
  }
  TEST_CASE("a bad status line is rejected") {
    CHECK_FALSE(ParseHttpAnswer("HTTP/2 200\r\n\r\n"));
    CHECK_FALSE(ParseHttpAnswer("HTTP/1.1 2x0 OK\r\n\r\n"));
    CHECK_FALSE(ParseHttpAnswer("garbage\r\n\r\n"));
  }
  TEST_CASE("a bad Content-Length is rejected") {
    CHECK_FALSE(ParseHttpAnswer("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));
    CHECK_FALSE(ParseHttpAnswer("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nab"));
  }
  TEST_CASE("a chunked answer is refused") {
    CHECK_FALSE(ParseHttpAnswer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  }
  TEST_CASE("a header line without a colon is rejected") {
    CHECK_FALSE(ParseHttpAnswer("HTTP/1.1 200 OK\r\nbroken\r\n\r\n"));
  }
  TEST_CASE("nothing listening is reported as an unreachable daemon") {
    UnixHttpConnection conn("/tmp/notme-shim-test-no-such.sock");
    auto a = conn.Request("GET", "/", "", {});
    REQUIRE_FALSE(a);
    CHECK(a.error().code() == ErrorCode::kDaemonUnreachable);
  }
}

}  // namespace
}  // namespace notme::shim
