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

  TEST_CASE("an absent username differs from an empty one") {
    auto absent = ParseGitCredential("protocol=https\nhost=sso.tld\n");
    REQUIRE(absent.has_value());
    CHECK_FALSE(absent->username.has_value());
    CHECK_FALSE(absent->password.has_value());
    auto empty = ParseGitCredential("protocol=https\nhost=sso.tld\nusername=\npassword=\n");
    REQUIRE(empty.has_value());
    CHECK(empty->username == std::optional<std::string>(""));
    CHECK(empty->password == std::optional<std::string>(""));
  }

  TEST_CASE("password_expiry_utc is read as Unix seconds") {
    auto c = ParseGitCredential("password=p\npassword_expiry_utc=1700000000\n");
    REQUIRE(c.has_value());
    REQUIRE(c->Other("password_expiry_utc").has_value());
    CHECK(ParseExpiryUtc(*c->Other("password_expiry_utc")).value() == 1700000000);
    CHECK_FALSE(c->Other("oauth_refresh_token").has_value());
  }

  TEST_CASE("a malformed password_expiry_utc is refused") {
    for (const char* bad : {"", "-1", "+1", "1.5", "12a", " 12", "0x10", "99999999999999999999",
                            "1e9"}) {
      CAPTURE(bad);
      auto e = ParseExpiryUtc(bad);
      REQUIRE_FALSE(e.has_value());
      CHECK(e.error().code() == ErrorCode::kMalformed);
    }
  }

  TEST_CASE("a repeated single-valued attribute is refused, known or not") {
    for (const char* bad : {"password_expiry_utc=1\npassword_expiry_utc=2\n",
                            "oauth_refresh_token=a\noauth_refresh_token=b\n",
                            "path=a\npath=b\n", "password=a\npassword=b\n",
                            "protocol=https\nprotocol=http\n"}) {
      CAPTURE(bad);
      CHECK(ParseGitCredential(bad).error().code() == ErrorCode::kMalformed);
    }
  }

  TEST_CASE("url= is refused wherever it appears") {
    for (const char* bad : {"protocol=https\nhost=a\nurl=https://b/\n", "url=\n",
                            "username=u\nurl=https://u@evil/\n\n"}) {
      CAPTURE(bad);
      CHECK(ParseGitCredential(bad).error().code() == ErrorCode::kMalformed);
    }
  }

  TEST_CASE("a key with spaces, controls or bytes outside ASCII is refused") {
    for (std::string bad : {std::string(" host=a\n"), std::string("host =a\n"), std::string("ho\tst=a\n"),
                            std::string("ho\x7fst=a\n"), std::string("\xffhost=a\n"),
                            std::string("wwwauth[] =x\n"), std::string("a/b=c\n")}) {
      CAPTURE(bad);
      CHECK(ParseGitCredential(bad).error().code() == ErrorCode::kMalformed);
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
