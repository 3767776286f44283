#include "proxy/proxy_path.h"

#include <doctest/doctest.h>

namespace notme::proxy {

TEST_SUITE("ProxyPath") {
  TEST_CASE("a proxy target splits into route, rest and query") {
    auto t = ParseProxyTarget("/r/github/repos/me/x?per_page=5&a=%20");
    REQUIRE(t.has_value());
    CHECK(t->route == "github");
    CHECK(t->rest == "/repos/me/x");
    CHECK(t->segments == std::vector<std::string>{"repos", "me", "x"});
    CHECK(t->has_query);
    CHECK(t->query == "per_page=5&a=%20");
  }

  TEST_CASE("the route root has an empty rest") {
    auto t = ParseProxyTarget("/r/api");
    REQUIRE(t.has_value());
    CHECK(t->rest.empty());
    auto slash = ParseProxyTarget("/r/api/");
    REQUIRE(slash.has_value());
    CHECK(slash->rest == "/");
  }

  TEST_CASE("percent-encoded ordinary characters are decoded into segments") {
    auto t = ParseProxyTarget("/r/api/a%20b/%41");
    REQUIRE(t.has_value());
    CHECK(t->segments == std::vector<std::string>{"a b", "A"});
    CHECK(t->rest == "/a%20b/%41");
  }

  TEST_CASE("traversal in every encoding is refused as permission denied") {
    for (const char* bad :
         {"/r/api/..", "/r/api/../x", "/r/api/a/../../etc", "/r/api/.", "/r/api/./x", "/r/api/%2e%2e/x",
          "/r/api/%2E%2E", "/r/api/.%2e/x", "/r/api/%2e./x", "/r/api/%252e%252e/x", "/r/api/a%2fb",
          "/r/api/a%2F..%2Fb", "/r/api/a%5cb", "/r/api/a%5C..", "/r/api/..;/x", "/r/api/.;x/y",
          "/r/api/%2e%2e;jsessionid=1", "/r/api/a%00b", "/r/api/a%0d%0aHost:%20evil", "/r/api/a//b",
          "/r/api//x", "/r/api/a%7fb", "/r/api/a\\b", "/r/api/%25"}) {
      CAPTURE(bad);
      auto t = ParseProxyTarget(bad);
      REQUIRE_FALSE(t.has_value());
      CHECK(t.error().code() == ErrorCode::kPermissionDenied);
    }
  }

  TEST_CASE("malformed targets are refused as invalid requests") {
    for (const char* bad :
         {"/x/api/a", "/r/", "/r/API/a", "/r/a b/x", "/r/api/a b", "/r/api/a%zz", "/r/api/a%2",
          "/r/api/a%", "/r/api/a?b c", "/r/api/a?x=%g1", "/r/api/a?x#f", "/r/api/a#frag",
          "/r/api/a\"b", "/r/api/a<b>", "/r/api/\xff", "r/api/x", "/r/api/x?\r\n", "http://h/r/api/x"}) {
      CAPTURE(bad);
      auto t = ParseProxyTarget(bad);
      REQUIRE_FALSE(t.has_value());
      CHECK(t.error().code() == ErrorCode::kInvalidRequest);
    }
  }

  TEST_CASE("an overlong target is too large") {
    std::string t = "/r/api/" + std::string(9000, 'a');
    auto r = ParseProxyTarget(t);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("allow-path prefixes match whole segments only") {
    auto prefix = CheckPath("/repos/me");
    REQUIRE(prefix.has_value());
    auto seg = [](const char* p) { return CheckPath(p).value(); };
    CHECK(PathHasPrefix(seg("/repos/me"), *prefix));
    CHECK(PathHasPrefix(seg("/repos/me/x"), *prefix));
    CHECK(PathHasPrefix(seg("/repos/me/"), *prefix));
    CHECK(PathHasPrefix(seg("/repos/%6De/x"), *prefix));
    CHECK_FALSE(PathHasPrefix(seg("/repos/meX"), *prefix));
    CHECK_FALSE(PathHasPrefix(seg("/repos"), *prefix));
    CHECK_FALSE(PathHasPrefix(seg("/repos/other/me"), *prefix));
    CHECK_FALSE(PathHasPrefix(seg(""), *prefix));
  }
}

}  // namespace notme::proxy
