#include "proxy/git_credential.h"

#include <doctest/doctest.h>

namespace notme::proxy {

TEST_SUITE("GitCredential") {
  TEST_CASE("a typical get request parses") {
    auto c = ParseGitCredential("protocol=https\nhost=example.com:8443\npath=r/gh/x.git\nusername=me\n\n");
    REQUIRE(c.has_value());
    CHECK(c->protocol == "https");
    CHECK(c->host == "example.com:8443");
    CHECK(c->path == "r/gh/x.git");
    CHECK(c->username == "me");
    CHECK(ProxyRouteOf(*c) == std::optional<std::string>("gh"));
  }

  TEST_CASE("input ends at a blank line or at EOF") {
    auto c = ParseGitCredential("host=a\n\nhost=b\n");
    REQUIRE(c.has_value());
    CHECK(c->host == "a");
    auto eof = ParseGitCredential("protocol=https\nhost=x");
    REQUIRE(eof.has_value());
    CHECK(eof->host == "x");
    CHECK(ParseGitCredential("").has_value());
  }

  TEST_CASE("values may contain '=' and unknown attributes are kept") {
    auto c = ParseGitCredential("password=a=b\nwwwauth[]=Basic realm=x\nwwwauth[]=Bearer\ncapability[]=authtype\n");
    REQUIRE(c.has_value());
    CHECK(c->password == "a=b");
    CHECK(c->other.size() == 3);
  }

  TEST_CASE("hostile or malformed input is refused") {
    for (std::string bad : {std::string("host=a\rhost=b\n"), std::string("host=a\0b\n", 9),
                            std::string("noequals\n"), std::string("=value\n"), std::string("ho st=x\n"),
                            std::string("host=a\nhost=b\n"), std::string("url=https://x\n"),
                            std::string("protocol=https\r\n"), std::string("h\xc3\xa9=x\n"),
                            std::string("username=a\nusername=b\n")}) {
      CAPTURE(bad);
      auto c = ParseGitCredential(bad);
      REQUIRE_FALSE(c.has_value());
      CHECK(c.error().code() == ErrorCode::kMalformed);
    }
  }

  TEST_CASE("oversized input and lines are too large") {
    CHECK(ParseGitCredential(std::string(kMaxCredentialInput + 1, 'a')).error().code() == ErrorCode::kTooLarge);
    CHECK(ParseGitCredential("host=" + std::string(kMaxCredentialLine, 'a')).error().code() == ErrorCode::kTooLarge);
    std::string many;
    for (int i = 0; i < 70; ++i) many += "x[]=1\n";
    CHECK(ParseGitCredential(many).error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("formatting refuses values that would inject attributes") {
    CHECK(FormatGitCredential({{"username", "u"}, {"password", "p"}}).value() == "username=u\npassword=p\n");
    CHECK_FALSE(FormatGitCredential({{"password", "p\nhost=evil"}}).has_value());
    CHECK_FALSE(FormatGitCredential({{"password", "p\r"}}).has_value());
    CHECK_FALSE(FormatGitCredential({{"password", std::string("p\0", 2)}}).has_value());
  }

  TEST_CASE("only r/<valid route>/ paths map to a proxy route") {
    GitCredential c;
    for (const char* p : {"", "x/r/gh", "r/", "r/GH/x", "r/../x", "rr/gh"}) {
      c.path = p;
      CAPTURE(p);
      CHECK_FALSE(ProxyRouteOf(c).has_value());
    }
    c.path = "r/gh";
    CHECK(ProxyRouteOf(c) == std::optional<std::string>("gh"));
  }
}

}  // namespace notme::proxy
