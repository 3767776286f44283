#include "authority/revocation.h"

#include <doctest/doctest.h>

namespace notme::authority {
namespace {

constexpr int64_t kNow = 1'700'000'000;

TEST_SUITE("RevocationList") {
  TEST_CASE("a recorded token is not revoked") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    REQUIRE(list.RecordIssued("j1", "claude", kNow, kNow + 300));
    CHECK_FALSE(list.IsRevoked("j1", "claude", kNow));
    CHECK(list.LiveCount() == 1);
  }

  TEST_CASE("an unknown jti counts as revoked") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    CHECK(list.IsRevoked("never-issued", "claude", kNow));
  }

  TEST_CASE("a token presented for another agent than it was issued to is refused") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    REQUIRE(list.RecordIssued("j1", "claude", kNow, kNow + 300));
    CHECK(list.IsRevoked("j1", "codex", kNow));
  }

  TEST_CASE("revoking by jti kills that token only") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    REQUIRE(list.RecordIssued("j1", "claude", kNow, kNow + 300));
    REQUIRE(list.RecordIssued("j2", "claude", kNow, kNow + 300));
    CHECK(list.RevokeJti("j1"));
    CHECK(list.IsRevoked("j1", "claude", kNow));
    CHECK_FALSE(list.IsRevoked("j2", "claude", kNow));
    CHECK_FALSE(list.RevokeJti("j1"));
    CHECK_FALSE(list.RevokeJti("unknown"));
  }

  TEST_CASE("revoking an agent kills its tokens from the same second and earlier") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    REQUIRE(list.RecordIssued("old", "claude", kNow - 10, kNow + 290));
    REQUIRE(list.RecordIssued("same-second", "claude", kNow, kNow + 300));
    REQUIRE(list.RecordIssued("other", "codex", kNow, kNow + 300));
    CHECK(list.RevokeAgent("claude") == 2);
    CHECK(list.IsRevoked("old", "claude", kNow - 10));
    CHECK(list.IsRevoked("same-second", "claude", kNow));
    CHECK_FALSE(list.IsRevoked("other", "codex", kNow));
  }

  TEST_CASE("a token minted after an agent's revocation in the same second stays valid") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    CHECK(list.RevokeAgent("claude") == 0);
    REQUIRE(list.RecordIssued("fresh", "claude", kNow, kNow + 300));
    CHECK_FALSE(list.IsRevoked("fresh", "claude", kNow));
  }

  TEST_CASE("the agent watermark refuses a token issued before the revocation") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    clock.Advance(5);
    list.RevokeAgent("claude");
    // Recorded late (a mint racing the revocation), but iat is before the watermark.
    REQUIRE(list.RecordIssued("late", "claude", kNow, kNow + 300));
    CHECK(list.IsRevoked("late", "claude", kNow));
  }

  TEST_CASE("revoking all kills every token of every agent") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    REQUIRE(list.RecordIssued("a", "claude", kNow, kNow + 300));
    REQUIRE(list.RecordIssued("b", "codex", kNow, kNow + 300));
    CHECK(list.RevokeAll() == 2);
    CHECK(list.IsRevoked("a", "claude", kNow));
    CHECK(list.IsRevoked("b", "codex", kNow));
    CHECK(list.LiveCount() == 0);
  }

  TEST_CASE("expired records are dropped so memory stays bounded") {
    FakeClock clock(kNow);
    RevocationList list(clock, {.max_tokens = 10, .grace_seconds = 120});
    for (int i = 0; i < 10; ++i) {
      REQUIRE(list.RecordIssued("j" + std::to_string(i), "claude", kNow, kNow + 300));
    }
    CHECK(list.size() == 10);
    clock.Advance(300 + 121);
    REQUIRE(list.RecordIssued("new", "claude", clock.NowSeconds(), clock.NowSeconds() + 300));
    CHECK(list.size() == 1);
  }

  TEST_CASE("a full record refuses the mint instead of forgetting a live token") {
    FakeClock clock(kNow);
    RevocationList list(clock, {.max_tokens = 2, .grace_seconds = 120});
    REQUIRE(list.RecordIssued("a", "claude", kNow, kNow + 300));
    REQUIRE(list.RecordIssued("b", "claude", kNow, kNow + 300));
    auto third = list.RecordIssued("c", "claude", kNow, kNow + 300);
    REQUIRE_FALSE(third);
    CHECK(third.error().code() == ErrorCode::kUnavailable);
  }

  TEST_CASE("a reused jti is refused") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    REQUIRE(list.RecordIssued("a", "claude", kNow, kNow + 300));
    auto again = list.RecordIssued("a", "claude", kNow, kNow + 300);
    REQUIRE_FALSE(again);
    CHECK(again.error().code() == ErrorCode::kAlreadyExists);
  }

  TEST_CASE("live counts are per agent and ignore expired tokens") {
    FakeClock clock(kNow);
    RevocationList list(clock);
    REQUIRE(list.RecordIssued("a", "claude", kNow, kNow + 300));
    REQUIRE(list.RecordIssued("b", "claude", kNow, kNow + 10));
    REQUIRE(list.RecordIssued("c", "codex", kNow, kNow + 300));
    CHECK(list.LiveCount("claude") == 2);
    clock.Advance(11);
    CHECK(list.LiveCount("claude") == 1);
    CHECK(list.LiveCount() == 2);
  }
}

}  // namespace
}  // namespace notme::authority
