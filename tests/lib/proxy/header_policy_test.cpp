#include "proxy/header_policy.h"

#include <doctest/doctest.h>

namespace notme::proxy {
namespace {

Result<std::pair<server::Headers, RequestFraming>> Filter(server::Headers h) {
  return FilterRequestHeaders(h, "Authorization");
}

}  // namespace

TEST_SUITE("HeaderPolicy") {
  TEST_CASE("ordinary headers pass and credentials, proxy and hop-by-hop headers are stripped") {
    server::Headers in = {{"Accept", "application/json"},
                           {"User-Agent", "agent/1"},
                           {"Authorization", "DPoP tok"},
                           {"DPoP", "proof"},
                           {"Cookie", "s=1"},
                           {"Proxy-Authorization", "Basic x"},
                           {"Proxy-Connection", "keep-alive"},
                           {"Forwarded", "for=1.2.3.4"},
                           {"X-Forwarded-For", "1.2.3.4"},
                           {"X-Forwarded-Host", "evil"},
                           {"X-Real-IP", "1.2.3.4"},
                           {"Connection", "close, X-Secret-Hop"},
                           {"X-Secret-Hop", "1"},
                           {"Keep-Alive", "timeout=5"},
                           {"Upgrade", "websocket"},
                           {"TE", "trailers"},
                           {"Host", "notme"},
                           {"REMOTE_ADDR", "1.2.3.4"},
                           {"Expect", "100-continue"}};
    auto r = Filter(in);
    REQUIRE(r.has_value());
    const auto& out = r->first;
    CHECK(out.size() == 2);
    CHECK(out.count("Accept") == 1);
    CHECK(out.count("User-Agent") == 1);
  }

  TEST_CASE("a caller's copy of the injected header is removed") {
    auto r = FilterRequestHeaders({{"X-Api-Key", "mine"}, {"Accept", "*/*"}}, "x-api-key");
    REQUIRE(r.has_value());
    CHECK(r->first.count("X-Api-Key") == 0);
  }

  TEST_CASE("content length and chunked framing are reported") {
    auto cl = Filter({{"Content-Length", "12"}});
    REQUIRE(cl.has_value());
    CHECK(cl->second.content_length == uint64_t{12});
    CHECK(cl->second.has_body());
    CHECK(cl->first.empty());
    auto te = Filter({{"Transfer-Encoding", " Chunked "}});
    REQUIRE(te.has_value());
    CHECK(te->second.chunked);
  }

  TEST_CASE("smuggling attempts are refused") {
    std::vector<server::Headers> bad = {
        {{"Host", "a"}, {"host", "b"}},
        {{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}},
        {{"Transfer-Encoding", "gzip, chunked"}},
        {{"Transfer-Encoding", "identity"}},
        {{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
        {{"Content-Length", "5"}, {"Content-Length", "5"}},
        {{"Content-Length", "-1"}},
        {{"Content-Length", "1e3"}},
        {{"Content-Length", ""}},
        {{"Content-Length", "99999999999999999999999"}},
        {{"X-A", "a\r\nHost: evil"}},
        {{"X-A", "a\nb"}},
        {{"X-A", std::string("a\0b", 3)}},
        {{"Bad Name", "x"}},
        {{"X:Y", "x"}},
        {{"", "x"}},
    };
    for (const auto& h : bad) {
      auto r = Filter(h);
      CHECK_FALSE(r.has_value());
      if (!r) CHECK(r.error().code() == ErrorCode::kInvalidRequest);
    }
  }

  TEST_CASE("response headers drop hop-by-hop, Set-Cookie and anything echoing the secret") {
    server::Headers in = {{"Content-Type", "application/json"},
                           {"Content-Length", "10"},
                           {"Transfer-Encoding", "chunked"},
                           {"Connection", "X-Hop"},
                           {"X-Hop", "1"},
                           {"Set-Cookie", "session=abc"},
                           {"X-Echo-Authorization", "Bearer s3cr3t-value"},
                           {"X-Echo-Raw", "prefix s3cr3t-value"},
                           {"Location", "https://elsewhere.example/x"},
                           {"Mcp-Session-Id", "abc"}};
    auto out = FilterResponseHeaders(in, {"s3cr3t-value", "Bearer s3cr3t-value"});
    CHECK(out.size() == 3);
    CHECK(out.count("Content-Type") == 1);
    CHECK(out.count("Location") == 1);
    CHECK(out.count("Mcp-Session-Id") == 1);
  }
}

}  // namespace notme::proxy
