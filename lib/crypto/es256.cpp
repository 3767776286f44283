#include "crypto/es256.h"

#include <openssl/core_names.h>

#include <algorithm>
#include <vector>

#include "crypto/libcrypto_api.h"

namespace notme::crypto {

namespace {

// libcrypto once loaded: only called where a key exists, i.e. after FromCoordinates loaded
// it (libcrypto_api.h: OpenSSL is loaded on first use, not at start).
const LibcryptoApi& Loaded() { return **LoadLibcrypto(); }

}  // namespace

struct P256PublicKey::Impl {
  EVP_PKEY* pkey = nullptr;
  ~Impl() { Loaded().EVP_PKEY_free(pkey); }
};

namespace {

// The order n of the P-256 group (SEC 2 §2.4.2), big-endian.
constexpr std::array<uint8_t, 32> kP256Order = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

// True iff 0 < v < n, comparing big-endian 32-byte integers.
bool InScalarRange(std::span<const uint8_t> v) {
  bool all_zero = std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; });
  if (all_zero) return false;
  return std::lexicographical_compare(v.begin(), v.end(), kP256Order.begin(), kP256Order.end());
}

}  // namespace

Result<P256PublicKey> P256PublicKey::FromCoordinates(std::span<const uint8_t> x,
                                                     std::span<const uint8_t> y) {
  if (x.size() != kCoordinateSize || y.size() != kCoordinateSize) {
    return Fail(ErrorCode::kInvalidKey, "P-256 coordinates must be 32 bytes each");
  }
  // Fails closed when libcrypto cannot be loaded: no P-256 key, so no ES256 proof verifies.
  NOTME_TRY(const LibcryptoApi* api, LoadLibcrypto());
  const LibcryptoApi& ossl = *api;
  // SEC 1 uncompressed point: 0x04 || X || Y. OpenSSL checks the point is on the curve
  // when it builds the key from parameters.
  std::vector<uint8_t> point;
  point.reserve(65);
  point.push_back(0x04);
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());

  OSSL_PARAM_BLD* bld = ossl.OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EVP_PKEY* pkey = nullptr;
  bool ok =
      bld != nullptr &&
      ossl.OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
      ossl.OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size()) == 1 &&
      (params = ossl.OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
      (ctx = ossl.EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)) != nullptr &&
      ossl.EVP_PKEY_fromdata_init(ctx) == 1 &&
      ossl.EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  ossl.EVP_PKEY_CTX_free(ctx);
  ossl.OSSL_PARAM_free(params);
  ossl.OSSL_PARAM_BLD_free(bld);
  if (ok) {
    // fromdata does not always validate the point; do it explicitly.
    EVP_PKEY_CTX* check = ossl.EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
    ok = check != nullptr && ossl.EVP_PKEY_public_check(check) == 1;
    ossl.EVP_PKEY_CTX_free(check);
  }
  if (!ok) {
    ossl.EVP_PKEY_free(pkey);
    return Fail(ErrorCode::kInvalidKey, "P-256 public key is not a point on the curve");
  }
  auto impl = std::make_shared<Impl>();
  impl->pkey = pkey;
  std::array<uint8_t, kCoordinateSize> xa{}, ya{};
  std::copy(x.begin(), x.end(), xa.begin());
  std::copy(y.begin(), y.end(), ya.begin());
  return P256PublicKey(xa, ya, std::move(impl));
}

Result<void> P256PublicKey::VerifyEs256(std::span<const uint8_t> message,
                                        std::span<const uint8_t> signature) const {
  if (signature.size() != 64) {
    return Fail(ErrorCode::kMalformed, "ES256 signature must be 64 bytes (r || s), not DER");
  }
  auto r = signature.subspan(0, 32);
  auto s = signature.subspan(32, 32);
  if (!InScalarRange(r) || !InScalarRange(s)) {
    return Fail(ErrorCode::kBadSignature, "ES256 signature r or s out of range");
  }
  const LibcryptoApi& ossl = Loaded();
  // OpenSSL verifies DER; re-encode the raw form ourselves (never accept DER input).
  ECDSA_SIG* sig = ossl.ECDSA_SIG_new();
  BIGNUM* br = ossl.BN_bin2bn(r.data(), 32, nullptr);
  BIGNUM* bs = ossl.BN_bin2bn(s.data(), 32, nullptr);
  if (sig == nullptr || br == nullptr || bs == nullptr || ossl.ECDSA_SIG_set0(sig, br, bs) != 1) {
    ossl.BN_free(br);
    ossl.BN_free(bs);
    ossl.ECDSA_SIG_free(sig);
    return Fail(ErrorCode::kInternal, "out of memory building ECDSA signature");
  }
  unsigned char* der = nullptr;
  int der_len = ossl.i2d_ECDSA_SIG(sig, &der);
  ossl.ECDSA_SIG_free(sig);
  if (der_len <= 0) return Fail(ErrorCode::kInternal, "cannot encode ECDSA signature");

  EVP_MD_CTX* md = ossl.EVP_MD_CTX_new();
  int rc = md != nullptr
               ? ossl.EVP_DigestVerifyInit(md, nullptr, ossl.EVP_sha256(), nullptr, impl_->pkey)
               : 0;
  if (rc == 1) {
    rc = ossl.EVP_DigestVerify(md, der, static_cast<size_t>(der_len), message.data(),
                               message.size());
  }
  ossl.EVP_MD_CTX_free(md);
  ossl.CRYPTO_free(der, OPENSSL_FILE, OPENSSL_LINE);
  if (rc != 1) return Fail(ErrorCode::kBadSignature, "ES256 signature does not verify");
  return Ok();
}

Result<void> P256PublicKey::VerifyEs256(std::string_view message,
                                        std::span<const uint8_t> signature) const {
  return VerifyEs256(std::span(reinterpret_cast<const uint8_t*>(message.data()), message.size()),
                     signature);
}

}  // namespace notme::crypto
