#include "registration/method.h"

#include <doctest/doctest.h>

using notme::ErrorCode;
using namespace notme::registration;

namespace {
AgentAuth Offer(std::vector<std::string> identity, std::vector<std::string> assertions) {
  AgentAuth a;
  a.identity_types_supported = std::move(identity);
  a.assertion_types_supported = std::move(assertions);
  return a;
}
}  // namespace

TEST_SUITE("Method") {
  TEST_CASE("method names round-trip and others are refused") {
    for (Method m : {Method::kAnonymous, Method::kEmail, Method::kIdJag}) CHECK(*ParseMethod(MethodName(m)) == m);
    CHECK_FALSE(ParseMethod("oauth"));
    CHECK_FALSE(ParseMethod(""));
  }

  TEST_CASE("an explicit choice the service does not list is refused") {
    auto a = Offer({"anonymous"}, {});
    auto r = ChooseMethod(a, Method::kIdJag, true);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
    CHECK(r.error().message().find("anonymous") != std::string::npos);
    CHECK_FALSE(ChooseMethod(a, Method::kEmail, true));
  }

  TEST_CASE("assertion types count only when identity_assertion is listed") {
    auto a = Offer({"anonymous"}, {std::string(kVerifiedEmailAssertionType)});
    CHECK_FALSE(ChooseMethod(a, Method::kEmail, true));
  }

  TEST_CASE("without a choice email is preferred when an address is given, else anonymous") {
    auto a = Offer({"anonymous", "identity_assertion"}, {std::string(kVerifiedEmailAssertionType)});
    CHECK(*ChooseMethod(a, std::nullopt, true) == Method::kEmail);
    CHECK(*ChooseMethod(a, std::nullopt, false) == Method::kAnonymous);
  }

  TEST_CASE("an email-only service needs an address") {
    auto a = Offer({"identity_assertion"}, {std::string(kVerifiedEmailAssertionType)});
    auto r = ChooseMethod(a, std::nullopt, false);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("a service offering nothing usable is refused") {
    CHECK_FALSE(ChooseMethod(Offer({}, {}), std::nullopt, true));
  }

  TEST_CASE("api_key is preferred and unknown credential types are refused") {
    AgentAuth a;
    a.assertion_credential_types = {"access_token", "api_key"};
    CHECK(*ChooseCredentialType(a, Method::kIdJag) == "api_key");
    a.assertion_credential_types = {"access_token"};
    CHECK(*ChooseCredentialType(a, Method::kIdJag) == "access_token");
    a.anonymous_credential_types = {"magic_cookie"};
    CHECK_FALSE(ChooseCredentialType(a, Method::kAnonymous));
  }

  TEST_CASE("implausible email addresses are refused") {
    CHECK(IsPlausibleEmail("a@b.example"));
    for (const char* bad : {"", "a", "@b", "a@", "a@b@c", "a b@c", "a\"@b", "a@b\n", "<a@b>"}) {
      CAPTURE(bad);
      CHECK_FALSE(IsPlausibleEmail(bad));
    }
  }
}
