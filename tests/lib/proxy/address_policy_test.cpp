#include "proxy/address_policy.h"

#include <doctest/doctest.h>

namespace notme::proxy {

TEST_SUITE("AddressPolicy") {
  TEST_CASE("non-public IPv4 addresses are recognised") {
    for (const char* a : {"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255",
                          "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                          "239.255.255.250", "255.255.255.255", "192.0.2.1", "198.18.0.1"}) {
      CAPTURE(a);
      CHECK(IsNonPublicAddress(std::string_view(a)));
    }
  }

  TEST_CASE("public IPv4 addresses are allowed") {
    for (const char* a : {"140.82.112.3", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "11.0.0.1"}) {
      CAPTURE(a);
      CHECK_FALSE(IsNonPublicAddress(std::string_view(a)));
    }
  }

  TEST_CASE("non-public IPv6 addresses, including embedded IPv4 forms, are recognised") {
    for (const char* a : {"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1",
                          "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a00:1",
                          "2002:7f00:1::1", "2002:a00:1::", "2001:db8::1", "100::1"}) {
      CAPTURE(a);
      CHECK(IsNonPublicAddress(std::string_view(a)));
    }
  }

  TEST_CASE("public IPv6 addresses are allowed") {
    for (const char* a : {"2606:4700:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8", "2002:808:808::1"}) {
      CAPTURE(a);
      CHECK_FALSE(IsNonPublicAddress(std::string_view(a)));
    }
  }

  TEST_CASE("a name that is not a numeric address counts as non-public") {
    CHECK(IsNonPublicAddress(std::string_view("localhost")));
  }

  TEST_CASE("resolving loopback is refused unless allowed") {
    auto refused = ResolveUpstream("127.0.0.1", /*allow_non_public=*/false);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code() == ErrorCode::kPermissionDenied);
    auto allowed = ResolveUpstream("127.0.0.1", /*allow_non_public=*/true);
    REQUIRE(allowed.has_value());
    CHECK(allowed->ip == "127.0.0.1");
    auto name = ResolveUpstream("localhost", /*allow_non_public=*/false);
    CHECK_FALSE(name.has_value());
  }

  TEST_CASE("an unresolvable name is an upstream error") {
    auto r = ResolveUpstream("does-not-exist.invalid", /*allow_non_public=*/true);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == ErrorCode::kUpstream);
  }
}

}  // namespace notme::proxy
