#include "proxy/header_policy.h"

#include <doctest/doctest.h>

namespace notme::proxy {
namespace {

// The forwarded fields copied out of the views (which point into `h`), so that they can
// be looked up by name after `h` is gone.
Result<std::pair<server::Headers, RequestFraming>> Filter(
    const server::Headers& h, std::string_view injected = "Authorization") {
  NOTME_TRY(auto r, FilterRequestHeaders(h, injected));
  server::Headers out;
  for (const auto& [name, value] : r.first) out.emplace(name, value);
  return std::make_pair(std::move(out), r.second);
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

  TEST_CASE("forwarded fields are views into the caller's headers, in their order") {
    const server::Headers in = {{"Accept", "*/*"},
                                {"X-Trace", "t1"},
                                {"X-Trace", "t2"},
                                {"Authorization", "DPoP tok"},
                                {"User-Agent", "agent/1"}};
    auto r = FilterRequestHeaders(in, "Authorization");
    REQUIRE(r.has_value());
    REQUIRE(r->first.size() == in.size() - 1);
    auto it = in.begin();
    for (const auto& [name, value] : r->first) {
      if (it->first == "Authorization") ++it;
      CHECK(name.data() == it->first.data());  // not a copy
      CHECK(value.data() == it->second.data());
      ++it;
    }
  }

  TEST_CASE("a caller's copy of the injected header is removed") {
    auto r = Filter({{"X-Api-Key", "mine"}, {"Accept", "*/*"}}, "x-api-key");
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
    const std::string_view forms[] = {"s3cr3t-value", "Bearer s3cr3t-value"};
    auto out = FilterResponseHeaders(in, forms);
    CHECK(out.size() == 3);
    CHECK(out.count("Content-Type") == 1);
    CHECK(out.count("Location") == 1);
    CHECK(out.count("Mcp-Session-Id") == 1);
  }

  TEST_CASE("names are matched without case in both directions") {
    auto r = Filter({{"AUTHORIZATION", "x"},
                     {"proxy-AUTHORIZATION", "x"},
                     {"x-FORWARDED-for", "1.2.3.4"},
                     {"dPoP", "p"},
                     {"CONNECTION", "X-HOP"},
                     {"x-hop", "1"},
                     {"X-API-KEY", "mine"},
                     {"Transfer-Encoding", "CHUNKED"},
                     {"Accept", "*/*"}},
                    "x-api-key");
    REQUIRE(r.has_value());
    CHECK(r->second.chunked);
    CHECK(r->first.size() == 1);
    CHECK(r->first.count("accept") == 1);

    server::Headers in = {{"SET-COOKIE", "a=b"}, {"set-cookie2", "c=d"}, {"PROXY-Status", "x"},
                          {"Connection", "x-HOP"}, {"X-Hop", "1"}, {"KEEP-ALIVE", "5"},
                          {"X-Kept", "v"}};
    const std::string_view forms[] = {"s3cr3t"};
    auto out = FilterResponseHeaders(in, forms);
    CHECK(out.size() == 1);
    CHECK(out.count("X-Kept") == 1);
  }

  TEST_CASE("a response field keeps its value and order; a secret in a name is caught too") {
    server::Headers in = {{"Link", "<a>"}, {"Link", "<b>"}, {"X-s3cr3t", "v"},
                          {"X-Value", "contains\r\nbreak"}, {"Vary", "Accept"}};
    const std::string_view forms[] = {"", "s3cr3t"};
    auto out = FilterResponseHeaders(in, forms);
    REQUIRE(out.size() == 3);
    auto links = out.equal_range("link");
    REQUIRE(std::distance(links.first, links.second) == 2);
    CHECK(links.first->second == "<a>");
    CHECK(std::next(links.first)->second == "<b>");
    CHECK(out.count("Vary") == 1);
  }
}

}  // namespace notme::proxy
