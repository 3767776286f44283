#include "authority/scope.h"

#include <doctest/doctest.h>

namespace notme::authority {
namespace {

TEST_SUITE("Scope") {
  TEST_CASE("a space-separated scope parameter parses in order") {
    auto scopes = ParseScopeParameter("git:sign repo.read x");
    REQUIRE(scopes);
    CHECK(*scopes == std::vector<std::string>{"git:sign", "repo.read", "x"});
    CHECK(JoinScopes(*scopes) == "git:sign repo.read x");
  }

  TEST_CASE("an empty scope parameter means no scopes") {
    auto scopes = ParseScopeParameter("");
    REQUIRE(scopes);
    CHECK(scopes->empty());
  }

  TEST_CASE("malformed scope parameters are refused with invalid_scope") {
    for (const char* bad : {" a", "a ", "a  b", " ", "a\tb", "a\"b", "a\\b", "a\nb", "a b a",
                            "\x7f", "caf\xc3\xa9"}) {
      CAPTURE(bad);
      auto scopes = ParseScopeParameter(bad);
      REQUIRE_FALSE(scopes);
      CHECK(scopes.error().code() == ErrorCode::kInvalidScope);
    }
  }

  TEST_CASE("too many or too long scope tokens are refused") {
    std::string many;
    for (int i = 0; i < 65; ++i) many += (i ? " s" : "s") + std::to_string(i);
    CHECK_FALSE(ParseScopeParameter(many));
    CHECK_FALSE(ParseScopeParameter(std::string(129, 'a')));
    CHECK(ParseScopeParameter(std::string(128, 'a')));
  }

  TEST_CASE("scope tokens allow every NQCHAR and nothing else") {
    CHECK(IsValidScopeToken("!#$%&'()*+,-./0123456789:;<=>?@[]^_`{|}~"));
    CHECK_FALSE(IsValidScopeToken(""));
    CHECK_FALSE(IsValidScopeToken(" "));
    CHECK_FALSE(IsValidScopeToken("\""));
    CHECK_FALSE(IsValidScopeToken("\\"));
  }

  TEST_CASE("absolute URIs without fragments are valid audiences") {
    CHECK(IsValidAudience("https://api.example.com"));
    CHECK(IsValidAudience("https://api.example.com/v1?x=1"));
    CHECK(IsValidAudience("http://notme.localhost"));
    CHECK(IsValidAudience("urn:example:resource"));
    CHECK(IsValidAudience("https://h/%2Fx"));
  }

  TEST_CASE("relative, fragment-carrying or odd URIs are not audiences") {
    for (const char* bad : {"", "api.example.com", "/relative", "https://h/#frag", "https:",
                            ":nope", "1http://h", "https://h/a b", "https://h/\x01",
                            "https://h/%zz", "https://h/%4", "https://h/\"", "https://h/<x>"}) {
      CAPTURE(bad);
      CHECK_FALSE(IsValidAudience(bad));
    }
    CHECK_FALSE(IsValidAudience("https://h/" + std::string(2048, 'a')));
  }
}

}  // namespace
}  // namespace notme::authority
