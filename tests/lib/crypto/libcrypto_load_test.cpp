// OpenSSL's libcrypto is loaded on first use (crypto/libcrypto_api.h), not linked: this
// test program does not link it either, so it can check both that nothing maps it before
// the first ES256 key, and that a libcrypto that cannot be loaded fails closed.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "crypto/es256.h"
#include "test_util.h"

namespace notme::crypto {
namespace {

// The P-256 generator point G (SEC 2 §2.4.2): a valid public key.
constexpr std::array<uint8_t, 32> kGx = {
    0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
    0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96};
constexpr std::array<uint8_t, 32> kGy = {
    0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
    0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

bool LibcryptoMapped() {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find("libcrypto.so") != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("libcrypto is mapped only when the first P-256 key is made") {
  if (std::getenv("NOTME_TEST_BOGUS_LIBCRYPTO") != nullptr) return;  // the child below
  CHECK_FALSE(LibcryptoMapped());
  auto key = P256PublicKey::FromCoordinates(kGx, kGy);
  REQUIRE(key);
  CHECK(LibcryptoMapped());
  // A wrong signature is refused by OpenSSL (the range checks pass: r = s = 1).
  std::array<uint8_t, 64> sig{};
  sig[31] = 1;
  sig[63] = 1;
  auto verified = key->VerifyEs256(std::string_view("message"), sig);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code() == ErrorCode::kBadSignature);
}

TEST_CASE("a libcrypto that cannot be loaded fails closed and says which library") {
  if (std::getenv("NOTME_TEST_BOGUS_LIBCRYPTO") != nullptr) {
    // The re-executed child: its LD_LIBRARY_PATH finds a libcrypto.so.3 that is not a
    // library. No key, so no ES256 proof can verify; the same error every time.
    for (int i = 0; i < 2; ++i) {
      auto key = P256PublicKey::FromCoordinates(kGx, kGy);
      REQUIRE_FALSE(key);
      CHECK(key.error().code() == ErrorCode::kUnavailable);
      CHECK(key.error().message().find("cannot load libcrypto.so.3") != std::string::npos);
    }
    return;
  }
  CHECK(testing::RunSelfWithBogusLibrary("libcrypto.so.3", "NOTME_TEST_BOGUS_LIBCRYPTO",
                                         "a libcrypto that cannot*") == 0);
}

}  // namespace
}  // namespace notme::crypto
