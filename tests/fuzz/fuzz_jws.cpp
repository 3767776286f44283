// JWS and JWT verification of arbitrary input with fixed keys and a fixed clock: never
// crashes. The seed corpus holds tokens signed by the fixed key (all-zero seed) so that
// mutations reach the claims checks behind a valid signature's header.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/sodium_init.h"
#include "jose/jws.h"
#include "jose/jwt.h"
#include "notme/check.h"

namespace {

struct Fixture {
  notme::FakeClock clock{1'800'000'000};
  notme::jose::KeySet keys;
  notme::jose::PublicJwk key;
  notme::jose::ClaimsValidator validator{clock, {"http://notme.localhost", "aud", 60, true}};

  static notme::jose::PublicJwk FixedKey() {
    auto seed = notme::crypto::SecretBytes::Allocate(32);  // all-zero seed: fixed key
    NOTME_CHECK(seed.has_value(), "allocate");
    auto sk = notme::crypto::Ed25519SecretKey::FromSeed(*seed);
    NOTME_CHECK(sk.has_value(), "key");
    return notme::jose::PublicJwk::FromEd25519(sk->public_key());
  }
  Fixture() : key(FixedKey()) { keys.Add("k1", key); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool initialised = notme::crypto::InitCrypto().has_value();
  NOTME_CHECK(initialised, "libsodium init");
  static const Fixture f;
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)notme::jose::SplitCompact(token);
  (void)notme::jose::VerifyCompact(token, f.key, {notme::jose::JwsAlgorithm::kEdDSA, ""});
  (void)notme::jose::VerifyCompact(token, f.keys, {notme::jose::JwsAlgorithm::kES256, "at+jwt"});
  (void)notme::jose::VerifyJwt(token, f.keys, "at+jwt", f.validator);
  return 0;
}
