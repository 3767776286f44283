#include <doctest/doctest.h>

#include "jose/dpop.h"

namespace notme::jose {
namespace {

std::string Norm(std::string_view url) {
  const auto r = NormalizeHtu(url);
  REQUIRE(r);
  return *r;
}

TEST_SUITE("NormalizeHtu") {
  TEST_CASE("an already normal URL is unchanged") {
    CHECK(Norm("https://server.example.com/token") == "https://server.example.com/token");
    CHECK(Norm("http://notme.localhost/token") == "http://notme.localhost/token");
  }

  TEST_CASE("scheme and host are lowercased but the path is not") {
    CHECK(Norm("HTTPS://SERVER.Example.COM/Token") == "https://server.example.com/Token");
  }

  TEST_CASE("default ports and empty ports are removed") {
    CHECK(Norm("https://server.example.com:443/token") == "https://server.example.com/token");
    CHECK(Norm("http://server.example.com:80/token") == "http://server.example.com/token");
    CHECK(Norm("http://server.example.com:/token") == "http://server.example.com/token");
    CHECK(Norm("https://server.example.com:0443/token") == "https://server.example.com/token");
  }

  TEST_CASE("other ports are kept") {
    CHECK(Norm("https://server.example.com:80/token") == "https://server.example.com:80/token");
    CHECK(Norm("http://127.0.0.1:8080/token") == "http://127.0.0.1:8080/token");
  }

  TEST_CASE("an empty path becomes a slash") {
    CHECK(Norm("https://server.example.com") == "https://server.example.com/");
    CHECK(Norm("https://server.example.com:443") == "https://server.example.com/");
  }

  TEST_CASE("percent-encoding is normalised") {
    CHECK(Norm("https://a.example/%7euser/%2fx") == "https://a.example/~user/%2Fx");
    CHECK(Norm("https://a.example/%41") == "https://a.example/A");
  }

  TEST_CASE("dot segments are removed") {
    CHECK(Norm("https://a.example/a/b/../c/./d") == "https://a.example/a/c/d");
    CHECK(Norm("https://a.example/../../token") == "https://a.example/token");
    CHECK(Norm("https://a.example/a/..") == "https://a.example/");
  }

  TEST_CASE("query and fragment are dropped") {
    CHECK(Norm("https://a.example/token?x=1#f") == "https://a.example/token");
    CHECK(Norm("https://a.example?x") == "https://a.example/");
  }

  TEST_CASE("IPv6 literals are lowercased and keep their port") {
    CHECK(Norm("http://[::1]:8080/t") == "http://[::1]:8080/t");
    CHECK(Norm("HTTP://[FE80::1]:80/t") == "http://[fe80::1]/t");
  }

  TEST_CASE("non-http schemes are rejected") {
    CHECK_FALSE(NormalizeHtu("ftp://a.example/"));
    CHECK_FALSE(NormalizeHtu("javascript:alert(1)"));
    CHECK_FALSE(NormalizeHtu("unix:/run/notme/control.sock"));
  }

  TEST_CASE("relative and authority-less URLs are rejected") {
    CHECK_FALSE(NormalizeHtu("/token"));
    CHECK_FALSE(NormalizeHtu("https:/token"));
    CHECK_FALSE(NormalizeHtu("https:///token"));
    CHECK_FALSE(NormalizeHtu(""));
    CHECK_FALSE(NormalizeHtu(":"));
  }

  TEST_CASE("userinfo is rejected") {
    CHECK_FALSE(NormalizeHtu("https://user:pw@a.example/token"));
    CHECK_FALSE(NormalizeHtu("https://a.example@b.example/token"));
  }

  TEST_CASE("bad ports are rejected") {
    CHECK_FALSE(NormalizeHtu("https://a.example:65536/"));
    CHECK_FALSE(NormalizeHtu("https://a.example:8x/"));
    CHECK_FALSE(NormalizeHtu("https://a.example:-1/"));
    CHECK_FALSE(NormalizeHtu("https://a.example:99999999999999999999/"));
  }

  TEST_CASE("bad hosts and paths are rejected") {
    CHECK_FALSE(NormalizeHtu("https://a example/"));
    CHECK_FALSE(NormalizeHtu("https://a.example/a b"));
    CHECK_FALSE(NormalizeHtu("https://a.example/\xc3\xa9"));
    CHECK_FALSE(NormalizeHtu("https://a.example/%zz"));
    CHECK_FALSE(NormalizeHtu("https://a.example/%4"));
    CHECK_FALSE(NormalizeHtu("https://[::1/"));
    CHECK_FALSE(NormalizeHtu("https://[::1]x/"));
    CHECK_FALSE(NormalizeHtu("https://%61.example/"));
  }
}

}  // namespace
}  // namespace notme::jose
