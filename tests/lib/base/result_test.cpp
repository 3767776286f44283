#include <doctest/doctest.h>

#include "notme/result.h"

namespace notme {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Fail(ErrorCode::kInvalidArgument, "odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  NOTME_TRY(int h, Half(v));
  return Half(h);
}

Result<void> MustBeEven(int v) {
  NOTME_TRY_VOID(Half(v));
  return Ok();
}

TEST_SUITE("Result") {
  TEST_CASE("a value is returned as a value") {
    auto r = Half(4);
    REQUIRE(r.has_value());
    CHECK(*r == 2);
  }

  TEST_CASE("an error carries its code and message") {
    auto r = Half(3);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
    CHECK(r.error().ToString() == "invalid_argument: odd");
  }

  TEST_CASE("NOTME_TRY propagates the first error") {
    CHECK(*Quarter(8) == 2);
    CHECK_FALSE(Quarter(6));
    CHECK(MustBeEven(2).has_value());
    CHECK_FALSE(MustBeEven(1).has_value());
  }

  TEST_CASE("every error code has a stable name") {
    CHECK(ErrorCodeName(ErrorCode::kInvalidDpopProof) == "invalid_dpop_proof");
    CHECK(ErrorCodeName(ErrorCode::kUseDpopNonce) == "use_dpop_nonce");
  }
}

}  // namespace
}  // namespace notme
