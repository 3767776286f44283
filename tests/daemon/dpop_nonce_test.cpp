#include "daemon/dpop_nonce.h"

#include <doctest/doctest.h>

#include "base/clock.h"

namespace notme::daemon {
namespace {

TEST_SUITE("DpopNonces") {
  TEST_CASE("the current nonce is accepted and stable within its lifetime") {
    FakeClock clock(1000);
    DpopNonces nonces(clock, 60);
    const std::string n = nonces.Current();
    CHECK(n.size() == 22);
    clock.Advance(30);
    CHECK(nonces.Current() == n);
    CHECK(nonces.IsValid(n));
  }
  TEST_CASE("the previous nonce stays valid for one more lifetime, then expires") {
    FakeClock clock(1000);
    DpopNonces nonces(clock, 60);
    const std::string first = nonces.Current();
    clock.Advance(61);
    const std::string second = nonces.Current();
    CHECK(second != first);
    CHECK(nonces.IsValid(first));
    clock.Advance(61);
    CHECK_FALSE(nonces.IsValid(first));
  }
  TEST_CASE("unknown and empty nonces are refused") {
    FakeClock clock(1000);
    DpopNonces nonces(clock, 60);
    (void)nonces.Current();
    CHECK_FALSE(nonces.IsValid(""));
    CHECK_FALSE(nonces.IsValid("AAAAAAAAAAAAAAAAAAAAAA"));
  }
}

}  // namespace
}  // namespace notme::daemon
