#include "server/http_parser.h"

#include <doctest/doctest.h>

#include <string>

namespace notme::server {
namespace {

HeadParse Parse(const std::string& in, RequestHead& head, size_t max = 4096) {
  return ParseRequestHead(in, max, head);
}

int StatusFor(const std::string& in) {
  RequestHead head;
  HeadParse p = Parse(in, head);
  if (p.state == HeadParse::State::kComplete) return 0;
  if (p.state == HeadParse::State::kIncomplete) return -1;
  return p.status;
}

Result<BodyFraming> FramingOf(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Headers h;
  for (const auto& [k, v] : fields) h.emplace(k, v);
  return DetermineFraming(h);
}

struct ChunkResult {
  ChunkedDecoder::Status status;
  std::string body;
  size_t consumed;
};

ChunkResult Dechunk(const std::string& in) {
  ChunkedDecoder d;
  ChunkResult r{ChunkedDecoder::Status::kNeedMore, {}, 0};
  r.status = d.Feed(in, 1 << 20, r.body, r.consumed);
  return r;
}

}  // namespace

TEST_SUITE("HttpParser") {
  TEST_CASE("a request head is parsed into method, target, version and headers") {
    RequestHead h;
    HeadParse p = Parse(
        "POST /token?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
        "X-Spaces:   v  \r\n\r\nabc",
        h);
    REQUIRE(p.state == HeadParse::State::kComplete);
    CHECK(p.consumed == 73);
    CHECK(h.method == "POST");
    CHECK(h.target == "/token?a=1");
    CHECK(h.version == "HTTP/1.1");
    CHECK(h.headers.find("content-length")->second == "3");
    CHECK(h.headers.find("X-SPACES")->second == "v");
  }

  TEST_CASE("a head that has not fully arrived is incomplete, at every split point") {
    const std::string full = "GET /a HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
    for (size_t i = 0; i < full.size(); ++i) {
      CHECK(StatusFor(full.substr(0, i)) == -1);
    }
    CHECK(StatusFor(full) == 0);
  }

  TEST_CASE("up to two empty lines before the request line are skipped") {
    CHECK(StatusFor("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
    CHECK(StatusFor("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
    CHECK(StatusFor("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  }

  TEST_CASE("HTTP/1.0 without Host is accepted") {
    CHECK(StatusFor("GET / HTTP/1.0\r\n\r\n") == 0);
  }

  TEST_CASE("bare LF line endings are refused") {
    CHECK(StatusFor("GET / HTTP/1.1\nHost: x\n\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\n\n") == 400);
  }

  TEST_CASE("a bare CR is refused") {
    CHECK(StatusFor("GET / HTTP/1.1\rHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n") == 400);
  }

  TEST_CASE("obs-fold continuation lines are refused") {
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n") == 400);
  }

  TEST_CASE("whitespace before the colon is refused") {
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nContent-Length\t: 5\r\n\r\n") == 400);
  }

  TEST_CASE("header names that are not tokens are refused") {
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nX\x01: b\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nX(y): b\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n") == 400);
  }

  TEST_CASE("control characters in header values are refused") {
    CHECK(StatusFor(std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 35)) == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7f\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x1b[31m\r\n\r\n") == 400);
  }

  TEST_CASE("a tab and obs-text are allowed in header values") {
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\tb \xc3\xa9\r\n\r\n") == 0);
  }

  TEST_CASE("malformed request lines are refused") {
    CHECK(StatusFor("GET\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET /\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET  / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1 \r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor(" GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("G(T / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET / http/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1x\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("\x01\x02\xff garbage\r\n\r\n") == 400);
  }

  TEST_CASE("a target that is not origin-form is refused") {
    CHECK(StatusFor("GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET evil.com:443 HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET * HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  }

  TEST_CASE("control bytes and non-ASCII in the target are refused") {
    CHECK(StatusFor("GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(StatusFor("GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  }

  TEST_CASE("a target above kMaxTargetBytes gets 414") {
    RequestHead h;
    const std::string ok =
        "GET /" + std::string(kMaxTargetBytes - 1, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string big =
        "GET /" + std::string(kMaxTargetBytes, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(Parse(ok, h, 16384).state == HeadParse::State::kComplete);
    CHECK(Parse(big, h, 16384).status == 414);
  }

  TEST_CASE("other HTTP versions get 505") {
    CHECK(StatusFor("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
    CHECK(StatusFor("GET / HTTP/0.9\r\nHost: x\r\n\r\n") == 505);
    CHECK(StatusFor("GET / HTTP/1.2\r\nHost: x\r\n\r\n") == 505);
  }

  TEST_CASE("unknown methods get 501") {
    CHECK(StatusFor("TRACE / HTTP/1.1\r\nHost: x\r\n\r\n") == 501);
    CHECK(StatusFor("CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n") == 501);
    CHECK(StatusFor("get / HTTP/1.1\r\nHost: x\r\n\r\n") == 501);
  }

  TEST_CASE("Host is required once on HTTP/1.1") {
    CHECK(StatusFor("GET / HTTP/1.1\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
    CHECK(StatusFor("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n") == 400);
  }

  TEST_CASE("a head above the limit gets 431, complete or not") {
    RequestHead h;
    std::string big = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(200, 'a') + "\r\n\r\n";
    CHECK(Parse(big, h, 100).status == 431);
    CHECK(Parse(big.substr(0, 150), h, 100).status == 431);
    CHECK(Parse(big.substr(0, 99), h, 100).state == HeadParse::State::kIncomplete);
    CHECK(Parse(std::string(5000, 'G'), h, 4096).status == 431);
  }

  TEST_CASE("more than the maximum number of header fields gets 431") {
    std::string req = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (size_t i = 0; i < kMaxHeaderFields; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
    CHECK(StatusFor(req + "\r\n") == 431);
  }

  TEST_CASE("framing: no body, a length, or chunked") {
    CHECK(FramingOf({})->kind == BodyFraming::Kind::kNone);
    auto cl = FramingOf({{"Content-Length", "42"}});
    REQUIRE(cl.has_value());
    CHECK(cl->kind == BodyFraming::Kind::kLength);
    CHECK(cl->length == 42);
    CHECK(FramingOf({{"Transfer-Encoding", "chunked"}})->kind == BodyFraming::Kind::kChunked);
    CHECK(FramingOf({{"Transfer-Encoding", "Chunked"}})->kind == BodyFraming::Kind::kChunked);
  }

  TEST_CASE("framing: Content-Length with Transfer-Encoding is refused (smuggling)") {
    auto r = FramingOf({{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == ErrorCode::kInvalidRequest);
  }

  TEST_CASE("framing: duplicate Content-Length is refused, even with equal values") {
    CHECK_FALSE(FramingOf({{"Content-Length", "5"}, {"Content-Length", "5"}}).has_value());
    CHECK_FALSE(FramingOf({{"Content-Length", "5"}, {"content-length", "6"}}).has_value());
  }

  TEST_CASE("framing: malformed Content-Length values are refused") {
    for (const char* v : {"", "-1", "+1", "1x", "0x10", "1 2", "1,1", " ",
                          "99999999999999999999999", "18446744073709551615"}) {
      CAPTURE(v);
      CHECK_FALSE(FramingOf({{"Content-Length", v}}).has_value());
    }
  }

  TEST_CASE("framing: a Transfer-Encoding other than chunked gets kUnsupported") {
    for (const char* v :
         {"gzip", "gzip, chunked", "chunked, gzip", "identity", "chunked;q=1", ""}) {
      CAPTURE(v);
      auto r = FramingOf({{"Transfer-Encoding", v}});
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code() == ErrorCode::kUnsupported);
    }
  }

  TEST_CASE("framing: two Transfer-Encoding fields are refused") {
    auto r = FramingOf({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == ErrorCode::kInvalidRequest);
  }

  TEST_CASE("paths are percent-decoded, broken escapes kept") {
    CHECK(DecodePath("/a%2Fb%20c") == "/a/b c");
    CHECK(DecodePath("/a+b") == "/a+b");
    CHECK(DecodePath("/a%2") == "/a%2");
    CHECK(DecodePath("/a%zz") == "/a%zz");
    CHECK(DecodePath("%") == "%");
  }

  TEST_CASE("query parameters are decoded") {
    Params p;
    ParseQuery("after=5&agent=a+b&x=%41&flag&&=v", p);
    CHECK(p.find("after")->second == "5");
    CHECK(p.find("agent")->second == "a b");
    CHECK(p.find("x")->second == "A");
    CHECK(p.find("flag")->second.empty());
    CHECK(p.count("") == 1);
  }

  TEST_CASE("a chunked body is decoded, extensions and trailers skipped") {
    auto r = Dechunk("5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT");
    CHECK(r.status == ChunkedDecoder::Status::kDone);
    CHECK(r.body == "hello world");
    CHECK(r.consumed == 43);
  }

  TEST_CASE("a chunked body split at every byte decodes the same") {
    const std::string in = "A\r\n0123456789\r\n1;x\r\nZ\r\n0\r\n\r\n";
    ChunkedDecoder d;
    std::string body;
    ChunkedDecoder::Status st = ChunkedDecoder::Status::kNeedMore;
    for (char c : in) {
      size_t consumed = 0;
      st = d.Feed(std::string_view(&c, 1), 1 << 20, body, consumed);
      CHECK(consumed == 1);
    }
    CHECK(st == ChunkedDecoder::Status::kDone);
    CHECK(body == "0123456789Z");
  }

  TEST_CASE("the decoder hands out at most max_out bytes per call") {
    ChunkedDecoder d;
    std::string body;
    size_t consumed = 0;
    const std::string in = "8\r\nabcdefgh\r\n0\r\n\r\n";
    CHECK(d.Feed(in, 3, body, consumed) == ChunkedDecoder::Status::kNeedMore);
    CHECK(body == "abc");
    size_t more = 0;
    CHECK(d.Feed(std::string_view(in).substr(consumed), 100, body, more) ==
          ChunkedDecoder::Status::kDone);
    CHECK(body == "abcdefgh");
  }

  TEST_CASE("malformed chunk sizes are refused") {
    for (const char* in : {"\r\n", "g\r\n", "-1\r\n", "+1\r\n", "0x5\r\n", ";ext\r\n", " 5\r\n"}) {
      CAPTURE(in);
      CHECK(Dechunk(in).status == ChunkedDecoder::Status::kInvalid);
    }
  }

  TEST_CASE("huge chunk sizes are refused before they can overflow") {
    CHECK(Dechunk("ffffffffffffffffff\r\n").status == ChunkedDecoder::Status::kInvalid);
    CHECK(Dechunk("10000000000000000\r\n").status == ChunkedDecoder::Status::kInvalid);
    CHECK(Dechunk("0000000000000000001\r\n").status == ChunkedDecoder::Status::kInvalid);
  }

  TEST_CASE("bare LF in chunk framing is refused") {
    CHECK(Dechunk("5\nhello\r\n0\r\n\r\n").status == ChunkedDecoder::Status::kInvalid);
    CHECK(Dechunk("5\r\nhello\n0\r\n\r\n").status == ChunkedDecoder::Status::kInvalid);
    CHECK(Dechunk("0\r\n\n").status == ChunkedDecoder::Status::kInvalid);
    CHECK(Dechunk("0\r\nX: 1\n\r\n").status == ChunkedDecoder::Status::kInvalid);
  }

  TEST_CASE("chunk data longer than its size is refused") {
    CHECK(Dechunk("3\r\nhello\r\n0\r\n\r\n").status == ChunkedDecoder::Status::kInvalid);
  }

  TEST_CASE("over-long chunk extensions are refused") {
    CHECK(Dechunk("5;" + std::string(2000, 'a') + "\r\n").status ==
          ChunkedDecoder::Status::kInvalid);
  }

  TEST_CASE("control characters in chunk extensions are refused") {
    CHECK(Dechunk("5;a\x01\r\nhello\r\n0\r\n\r\n").status == ChunkedDecoder::Status::kInvalid);
  }

  TEST_CASE("unbounded trailers are refused") {
    std::string many = "0\r\n";
    for (int i = 0; i < 40; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    CHECK(Dechunk(many + "\r\n").status == ChunkedDecoder::Status::kInvalid);
    CHECK(Dechunk("0\r\nX: " + std::string(5000, 'a') + "\r\n\r\n").status ==
          ChunkedDecoder::Status::kInvalid);
  }

  TEST_CASE("a decoder stays failed after an error") {
    ChunkedDecoder d;
    std::string body;
    size_t consumed = 0;
    CHECK(d.Feed("z\r\n", 100, body, consumed) == ChunkedDecoder::Status::kInvalid);
    CHECK(d.Feed("0\r\n\r\n", 100, body, consumed) == ChunkedDecoder::Status::kInvalid);
  }

  TEST_CASE("IsToken: RFC 9110 tchar only, never empty") {
    CHECK(IsToken("Content-Type"));
    CHECK(IsToken("x!#$%&'*+-.^_`|~9"));
    for (std::string bad : {"", " ", "a b", "a:b", "a\tb", "\"q\"", "a(b)", "a,b", "a/b", "a;b",
                            "a=b", "a@b", "a[b]", "a{b}", "a\\b", "a?b", "\x7f", "\xc3\xa9"}) {
      CHECK_MESSAGE(!IsToken(bad), bad);
    }
    CHECK_FALSE(IsToken(std::string("a\0b", 3)));
  }

  TEST_CASE("HasLineBreakOrNul finds CR, LF and NUL anywhere, and nothing else") {
    CHECK_FALSE(HasLineBreakOrNul(""));
    CHECK_FALSE(HasLineBreakOrNul("Bearer abc \t\x7f\xff"));
    CHECK(HasLineBreakOrNul("a\r"));
    CHECK(HasLineBreakOrNul("\nb"));
    CHECK(HasLineBreakOrNul(std::string_view("a\0b", 3)));
  }
}

}  // namespace notme::server
