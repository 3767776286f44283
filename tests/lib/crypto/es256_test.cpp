#include "crypto/es256.h"

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <vector>

#include "test_util.h"

namespace notme::crypto {
namespace {

using notme::testing::FromHex;

// An independent signer: OpenSSL's own ECDSA, converted from DER to JOSE r || s.
struct OpenSslSigner {
  EVP_PKEY* pkey = nullptr;
  OpenSslSigner() { pkey = EVP_EC_gen("P-256"); }
  ~OpenSslSigner() { EVP_PKEY_free(pkey); }

  std::vector<uint8_t> Coordinate(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(pkey, name, &bn);
    std::vector<uint8_t> out(32);
    BN_bn2binpad(bn, out.data(), 32);
    BN_free(bn);
    return out;
  }

  std::vector<uint8_t> SignDer(std::string_view msg) const {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, pkey);
    size_t len = 0;
    EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
    std::vector<uint8_t> der(len);
    EVP_DigestSign(md, der.data(), &len, reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
    der.resize(len);
    EVP_MD_CTX_free(md);
    return der;
  }

  std::vector<uint8_t> SignRaw(std::string_view msg) const {
    auto der = SignDer(msg);
    const uint8_t* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    std::vector<uint8_t> raw(64);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
  }

  P256PublicKey PublicKey() const {
    auto k = P256PublicKey::FromCoordinates(Coordinate(OSSL_PKEY_PARAM_EC_PUB_X),
                                            Coordinate(OSSL_PKEY_PARAM_EC_PUB_Y));
    REQUIRE(k);
    return *k;
  }
};

TEST_SUITE("Es256") {
  TEST_CASE("a raw r||s signature from OpenSSL verifies") {
    OpenSslSigner signer;
    auto key = signer.PublicKey();
    CHECK(key.VerifyEs256(std::string_view("payload"), signer.SignRaw("payload")).has_value());
  }

  TEST_CASE("a signature over other data does not verify") {
    OpenSslSigner signer;
    auto r = signer.PublicKey().VerifyEs256(std::string_view("payloae"), signer.SignRaw("payload"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kBadSignature);
  }

  TEST_CASE("a DER-encoded signature is rejected") {
    OpenSslSigner signer;
    auto r = signer.PublicKey().VerifyEs256(std::string_view("payload"), signer.SignDer("payload"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kMalformed);
  }

  TEST_CASE("r = 0 is rejected") {
    OpenSslSigner signer;
    auto sig = signer.SignRaw("p");
    std::fill(sig.begin(), sig.begin() + 32, 0);
    CHECK_FALSE(signer.PublicKey().VerifyEs256(std::string_view("p"), sig));
  }

  TEST_CASE("s = n (the group order) is rejected") {
    OpenSslSigner signer;
    auto sig = signer.SignRaw("p");
    auto n = FromHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    std::copy(n.begin(), n.end(), sig.begin() + 32);
    CHECK_FALSE(signer.PublicKey().VerifyEs256(std::string_view("p"), sig));
  }

  TEST_CASE("a point off the curve is rejected") {
    OpenSslSigner signer;
    auto y = signer.Coordinate(OSSL_PKEY_PARAM_EC_PUB_Y);
    y[31] ^= 1;
    auto r = P256PublicKey::FromCoordinates(signer.Coordinate(OSSL_PKEY_PARAM_EC_PUB_X), y);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidKey);
  }

  TEST_CASE("coordinates of the wrong length are rejected") {
    std::vector<uint8_t> short_x(31, 1), y(32, 1);
    CHECK_FALSE(P256PublicKey::FromCoordinates(short_x, y));
  }

  TEST_CASE("a signature from another key does not verify") {
    OpenSslSigner a, b;
    CHECK_FALSE(b.PublicKey().VerifyEs256(std::string_view("p"), a.SignRaw("p")));
  }
}

}  // namespace
}  // namespace notme::crypto
