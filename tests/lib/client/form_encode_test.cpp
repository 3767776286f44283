#include <doctest/doctest.h>

#include "notme/client.h"

using notme::client::FormEncode;

TEST_SUITE("FormEncode") {
  TEST_CASE("unreserved characters pass through and pairs are joined with &") {
    CHECK(FormEncode({{"grant_type", "client_credentials"}, {"client_id", "a-b_c.d"}}) ==
          "grant_type=client_credentials&client_id=a-b_c.d");
  }
  TEST_CASE("a space becomes + and reserved characters are percent-encoded") {
    CHECK(FormEncode({{"scope", "git:sign repo:read"}}) == "scope=git%3Asign+repo%3Aread");
    CHECK(FormEncode({{"resource", "https://x.example/a?b=c&d"}}) ==
          "resource=https%3A%2F%2Fx.example%2Fa%3Fb%3Dc%26d");
  }
  TEST_CASE("an ampersand or equals sign in a value cannot inject a field") {
    CHECK(FormEncode({{"client_id", "a&scope=admin"}}) == "client_id=a%26scope%3Dadmin");
  }
  TEST_CASE("non-ASCII bytes and controls are percent-encoded byte by byte") {
    CHECK(FormEncode({{"v", "\xc3\xa9\n"}}) == "v=%C3%A9%0A");
  }
  TEST_CASE("no fields encode to the empty string") { CHECK(FormEncode({}).empty()); }
}
