#include "proxy/http1_response_parser.h"

#include <doctest/doctest.h>

#include <string>

namespace notme::proxy {
namespace {

Result<std::optional<ParsedResponseHead>> Parse(std::string_view text, bool head_request = false) {
  return ParseResponseHead(text, head_request);
}

ParsedResponseHead Ok200(std::string_view text, bool head_request = false) {
  auto r = Parse(text, head_request);
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  return **r;
}

void Refused(std::string_view text) {
  auto r = Parse(text);
  CHECK_FALSE(r.has_value());
  if (!r) CHECK(r.error().code() == ErrorCode::kUpstream);
}

// Runs a whole chunked body through the decoder, `step` bytes of input at a time.
Result<std::string> Dechunk(std::string_view body, size_t step = 1) {
  ChunkedDecoder d;
  std::string out;
  std::string pending;
  size_t fed = 0;
  while (!d.done()) {
    NOTME_TRY(auto s, d.Next(pending));
    if (s.consumed > 0) {
      out.append(s.data);
      pending.erase(0, s.consumed);
      continue;
    }
    if (fed == body.size()) return Fail(ErrorCode::kUpstream, "truncated");
    size_t n = std::min(step, body.size() - fed);
    pending.append(body.substr(fed, n));
    fed += n;
  }
  return out;
}

}  // namespace

TEST_SUITE("Http1ResponseParser") {
  TEST_CASE("a plain answer with Content-Length is parsed with its framing") {
    auto h = Ok200("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello");
    CHECK(h.status == 200);
    CHECK(h.framing == BodyFraming::kLength);
    CHECK(h.content_length == 5);
    CHECK(h.keep_alive);
    CHECK(h.head_size == 48);
    REQUIRE(h.fields.size() == 2);
    CHECK(h.fields[1].value == "b");
  }

  TEST_CASE("chunked, until-close and bodiless answers are told apart") {
    CHECK(Ok200("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n").framing ==
          BodyFraming::kChunked);
    auto close = Ok200("HTTP/1.1 200 OK\r\n\r\n");
    CHECK(close.framing == BodyFraming::kUntilClose);
    CHECK_FALSE(close.keep_alive);
    CHECK(Ok200("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n").framing ==
          BodyFraming::kNone);
    CHECK(Ok200("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n").framing ==
          BodyFraming::kNone);
    auto head = Ok200("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", /*head_request=*/true);
    CHECK(head.framing == BodyFraming::kNone);
    CHECK(head.declared_length == 9u);
    CHECK(Ok200("HTTP/1.1 100 Continue\r\n\r\n").framing == BodyFraming::kNone);
    CHECK(Ok200("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").framing == BodyFraming::kNone);
  }

  TEST_CASE("Connection: close and HTTP/1.0 end keep-alive; a reason phrase is optional") {
    CHECK_FALSE(
        Ok200("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n")
            .keep_alive);
    CHECK_FALSE(Ok200("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
    CHECK(Ok200("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").status == 404);
  }

  TEST_CASE("an incomplete head asks for more bytes") {
    auto r = Parse("HTTP/1.1 200 OK\r\nContent-Len");
    REQUIRE(r.has_value());
    CHECK_FALSE(r->has_value());
  }

  TEST_CASE("malformed status lines are refused") {
    Refused("HTTP/1.2 200 OK\r\n\r\n");
    Refused("HTTP/2 200 OK\r\n\r\n");
    Refused("http/1.1 200 OK\r\n\r\n");
    Refused("HTTP/1.1  200 OK\r\n\r\n");
    Refused("HTTP/1.1 20 OK\r\n\r\n");
    Refused("HTTP/1.1 2000 OK\r\n\r\n");
    Refused("HTTP/1.1 099 OK\r\n\r\n");
    Refused("HTTP/1.1 600 OK\r\n\r\n");
    Refused("HTTP/1.1 2x0 OK\r\n\r\n");
    Refused("HTTP/1.1 200OK\r\n\r\n");
    Refused("HTTP/1.1 200 O\x01K\r\n\r\n");
    Refused(" HTTP/1.1 200 OK\r\n\r\n");
    Refused("\r\nHTTP/1.1 200 OK\r\n\r\n");
  }

  TEST_CASE("bare CR, bare LF, NUL and control characters are refused") {
    Refused("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nA: b\nX-Injected: 1\r\n\r\n");
    Refused(std::string_view("HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n", 28));
    Refused("HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nA: b\x1b[31m\r\n\r\n");
  }

  TEST_CASE("malformed field lines are refused") {
    Refused("HTTP/1.1 200 OK\r\nA : b\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nA\t: b\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\n: b\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nA(b): c\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nA: b\r\n\tfolded\r\n\r\n");
  }

  TEST_CASE("framing that two readers could read differently is refused") {
    Refused("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n");
    Refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n");
    Refused("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  }

  TEST_CASE("heads over the size or field limits are refused") {
    std::string big = "HTTP/1.1 200 OK\r\nA: " + std::string(70000, 'x');
    Refused(big);
    std::string many = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 101; ++i) many += "A" + std::to_string(i) + ": 1\r\n";
    Refused(many + "\r\n");
  }
}

TEST_SUITE("ChunkedDecoder") {
  TEST_CASE("chunks, extensions and trailers decode to the body, byte by byte too") {
    const std::string body = "5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-T: 1\r\n\r\n";
    for (size_t step : {size_t{1}, size_t{3}, body.size()}) {
      auto out = Dechunk(body, step);
      REQUIRE(out.has_value());
      CHECK(*out == "hello, world!!!");
    }
  }

  TEST_CASE("malformed chunk size lines are refused") {
    for (std::string_view bad :
         {"\r\n", "x\r\n", "-1\r\n", " 5\r\nhello\r\n0\r\n\r\n", "5 x\r\nhello\r\n0\r\n\r\n",
          "5\nhello\r\n0\r\n\r\n", "5;a\x01\r\nhello\r\n0\r\n\r\n"}) {
      CAPTURE(bad);
      CHECK_FALSE(Dechunk(bad, 64).has_value());
    }
  }

  TEST_CASE("a chunk size that would overflow is refused") {
    CHECK_FALSE(Dechunk("10000000000000000\r\n", 64).has_value());
    CHECK_FALSE(Dechunk("ffffffffffffffffff\r\n", 64).has_value());
  }

  TEST_CASE("chunk data not followed by CRLF is refused") {
    CHECK_FALSE(Dechunk("5\r\nhelloX\r\n0\r\n\r\n", 64).has_value());
    CHECK_FALSE(Dechunk("5\r\nhello\n0\r\n\r\n", 64).has_value());
  }

  TEST_CASE("over-long size lines and trailer sections are refused") {
    CHECK_FALSE(
        Dechunk("5;" + std::string(5000, 'a') + "\r\nhello\r\n0\r\n\r\n", 8192).has_value());
    std::string trailers = "0\r\n";
    for (int i = 0; i < 101; ++i) trailers += "T: 1\r\n";
    CHECK_FALSE(Dechunk(trailers + "\r\n", 64).has_value());
    CHECK_FALSE(Dechunk("0\r\nBad Name: 1\r\n\r\n", 64).has_value());
  }

  TEST_CASE("a body cut before the last chunk is not complete") {
    CHECK_FALSE(Dechunk("5\r\nhello\r\n", 64).has_value());
  }
}

}  // namespace notme::proxy
