#include "authority/signing_keys.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "jose/jwt.h"
#include "jose/kid.h"

namespace notme::authority {
namespace {

constexpr int64_t kNow = 1'700'000'000;

std::unique_ptr<SigningKeyRing> MakeRing(const Clock& clock, SigningKeyOptions options = {}) {
  auto ring = SigningKeyRing::Create(clock, std::move(options));
  REQUIRE(ring);
  return std::move(*ring);
}

std::set<std::string> JwksKids(SigningKeyRing& ring) {
  std::set<std::string> kids;
  const nlohmann::json jwks = ring.Jwks();
  for (const auto& k : jwks["keys"]) kids.insert(k["kid"].get<std::string>());
  return kids;
}

Result<jose::VerifiedJwt> Verify(SigningKeyRing& ring, const Clock& clock,
                                 const std::string& token) {
  const jose::ClaimsValidator validator(clock, {});
  return jose::VerifyJwt(token, *ring.VerificationKeys(), "at+jwt", validator);
}

std::string SignAt(SigningKeyRing& ring, int64_t now) {
  const nlohmann::json claims = {{"iat", now}, {"exp", now + 300}, {"jti", "x"}};
  auto token = ring.SignJwt(claims.dump(), "at+jwt");
  REQUIRE_MESSAGE(token, token.error().ToString());
  CHECK(token->kid == ring.CurrentKid());
  return token->compact;
}

TEST_SUITE("SigningKeyRing") {
  TEST_CASE("the JWKS publishes the current key as an Ed25519 signing key") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock);
    const nlohmann::json jwks = ring->Jwks();
    REQUIRE(jwks["keys"].size() == 1);
    const nlohmann::json& key = jwks["keys"][0];
    CHECK(key["kty"] == "OKP");
    CHECK(key["crv"] == "Ed25519");
    CHECK(key["alg"] == "EdDSA");
    CHECK(key["use"] == "sig");
    CHECK(key["kid"] == ring->CurrentKid());
    CHECK(key["x"].get<std::string>().size() == 43);
    CHECK(key.size() == 6);  // no "d" or anything else
    auto public_key = ring->VerificationKey(ring->CurrentKid());
    REQUIRE(public_key);
    CHECK(jose::KidForEd25519(*public_key) == ring->CurrentKid());
  }

  TEST_CASE("a signed token carries the current kid and verifies with the key set") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock);
    const std::string token = SignAt(*ring, kNow);
    auto verified = Verify(*ring, clock, token);
    REQUIRE_MESSAGE(verified, verified.error().ToString());
    CHECK(verified->kid() == ring->CurrentKid());
    CHECK(verified->header()["typ"] == "at+jwt");
    CHECK(verified->header()["alg"] == "EdDSA");
  }

  TEST_CASE("rotation is due only after the interval") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock, {.rotation_interval_seconds = 3600});
    const std::string first = ring->CurrentKid();
    clock.Advance(3599);
    auto none = ring->MaybeRotate();
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    CHECK(ring->CurrentKid() == first);
    clock.Advance(1);
    auto rotated = ring->MaybeRotate();
    REQUIRE(rotated);
    REQUIRE(rotated->has_value());
    CHECK((*rotated)->old_kid == first);
    CHECK((*rotated)->new_kid == ring->CurrentKid());
    CHECK(ring->CurrentKid() != first);
  }

  TEST_CASE("a retired key stays published and verifying until its tokens have expired") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock, {.token_lifetime_seconds = 300, .skew_seconds = 60});
    const std::string old_token = SignAt(*ring, kNow);
    const std::string old_kid = ring->CurrentKid();
    REQUIRE(ring->Rotate());
    CHECK(JwksKids(*ring) == std::set<std::string>{old_kid, ring->CurrentKid()});
    CHECK(Verify(*ring, clock, old_token));
    const auto keys = ring->Keys();
    REQUIRE(keys.size() == 2);
    CHECK_FALSE(keys[0].retired_at);
    CHECK(keys[1].kid == old_kid);
    CHECK(keys[1].retired_at == kNow);

    clock.Advance(360);  // retired_at + lifetime + skew: still kept
    CHECK(ring->VerificationKey(old_kid));
    CHECK(JwksKids(*ring).contains(old_kid));
    clock.Advance(1);  // past the window: pruned
    CHECK(ring->VerificationKey(old_kid).error().code() == ErrorCode::kInvalidToken);
    CHECK(JwksKids(*ring) == std::set<std::string>{ring->CurrentKid()});
    CHECK(ring->Keys().size() == 1);
  }

  TEST_CASE("new tokens are signed with the new key after rotation") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock);
    REQUIRE(ring->Rotate());
    auto verified = Verify(*ring, clock, SignAt(*ring, kNow));
    REQUIRE(verified);
    CHECK(verified->kid() == ring->CurrentKid());
  }

  TEST_CASE("revoke-all rotation makes every earlier token fail at once") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock);
    const std::string t1 = SignAt(*ring, kNow);
    REQUIRE(ring->Rotate());
    const std::string t2 = SignAt(*ring, kNow);
    REQUIRE(Verify(*ring, clock, t1));
    REQUIRE(Verify(*ring, clock, t2));
    auto rotation = ring->RevokeAllByRotation();
    REQUIRE(rotation);
    CHECK(Verify(*ring, clock, t1).error().code() == ErrorCode::kInvalidToken);
    CHECK(Verify(*ring, clock, t2).error().code() == ErrorCode::kInvalidToken);
    CHECK(JwksKids(*ring) == std::set<std::string>{ring->CurrentKid()});
    CHECK(Verify(*ring, clock, SignAt(*ring, kNow)));
  }

  TEST_CASE("a key set snapshot taken before revoke-all does not include the new key") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock);
    const auto before = ring->VerificationKeys();
    REQUIRE(ring->RevokeAllByRotation());
    CHECK(before->Find(ring->CurrentKid()) == nullptr);
    CHECK(ring->VerificationKeys()->size() == 1);
  }

  TEST_CASE("rotating far faster than tokens expire keeps a bounded number of keys") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock, {.max_retired_keys = 3});
    for (int i = 0; i < 10; ++i) REQUIRE(ring->Rotate());
    CHECK(ring->Keys().size() == 4);
    CHECK(ring->Jwks()["keys"].size() == 4);
  }

  TEST_CASE("nonsensical options are refused") {
    FakeClock clock(kNow);
    CHECK_FALSE(SigningKeyRing::Create(clock, {.rotation_interval_seconds = 0}));
    CHECK_FALSE(SigningKeyRing::Create(clock, {.token_lifetime_seconds = -1}));
  }

  TEST_CASE("a failing key generator leaves the ring unchanged") {
    FakeClock clock(kNow);
    std::atomic<int> calls = 0;
    auto ring = MakeRing(clock, {.generate_key = [&]() -> Result<crypto::Ed25519SecretKey> {
                                   if (calls++ > 0) return Fail(ErrorCode::kInternal, "no memory");
                                   return crypto::Ed25519SecretKey::Generate();
                                 }});
    const std::string kid = ring->CurrentKid();
    CHECK_FALSE(ring->Rotate());
    CHECK_FALSE(ring->RevokeAllByRotation());
    CHECK(ring->CurrentKid() == kid);
    CHECK(Verify(*ring, clock, SignAt(*ring, kNow)));
  }

  TEST_CASE("signing and rotating concurrently always yields verifiable tokens") {
    FakeClock clock(kNow);
    auto ring = MakeRing(clock);
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          const nlohmann::json claims = {{"iat", kNow}, {"exp", kNow + 300}};
          auto token = ring->SignJwt(claims.dump(), "at+jwt");
          if (!token || !Verify(*ring, clock, token->compact)) ++failures;
        }
      });
    }
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {  // fewer than max_retired_keys: none is dropped
        if (!ring->Rotate()) ++failures;
      }
    });
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
  }
}

}  // namespace
}  // namespace notme::authority
