#include "crypto/libcrypto_api.h"

#include <mutex>
#include <string>

#include "base/shared_library.h"

namespace notme::crypto {
namespace {

Result<void> LoadInto(LibcryptoApi& api) {
  NOTME_TRY(void* handle,
            OpenSharedLibrary(kLibcryptoSoname, "(OpenSSL 3, package libssl3) for ES256 and TLS"));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "OSSL_PARAM_BLD_new", api.OSSL_PARAM_BLD_new));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "OSSL_PARAM_BLD_push_utf8_string",
                              api.OSSL_PARAM_BLD_push_utf8_string));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "OSSL_PARAM_BLD_push_octet_string",
                              api.OSSL_PARAM_BLD_push_octet_string));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "OSSL_PARAM_BLD_to_param",
                              api.OSSL_PARAM_BLD_to_param));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "OSSL_PARAM_BLD_free", api.OSSL_PARAM_BLD_free));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "OSSL_PARAM_free", api.OSSL_PARAM_free));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "EVP_PKEY_CTX_new_from_name",
                              api.EVP_PKEY_CTX_new_from_name));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "EVP_PKEY_CTX_new_from_pkey",
                              api.EVP_PKEY_CTX_new_from_pkey));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "EVP_PKEY_CTX_free", api.EVP_PKEY_CTX_free));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "EVP_PKEY_fromdata_init", api.EVP_PKEY_fromdata_init));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "EVP_PKEY_fromdata", api.EVP_PKEY_fromdata));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "EVP_PKEY_public_check", api.EVP_PKEY_public_check));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "EVP_PKEY_free", api.EVP_PKEY_free));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "ECDSA_SIG_new", api.ECDSA_SIG_new));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "ECDSA_SIG_set0", api.ECDSA_SIG_set0));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "ECDSA_SIG_free", api.ECDSA_SIG_free));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "i2d_ECDSA_SIG", api.i2d_ECDSA_SIG));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BN_bin2bn", api.BN_bin2bn));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BN_free", api.BN_free));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "EVP_MD_CTX_new", api.EVP_MD_CTX_new));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "EVP_MD_CTX_free", api.EVP_MD_CTX_free));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "EVP_DigestVerifyInit", api.EVP_DigestVerifyInit));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "EVP_DigestVerify", api.EVP_DigestVerify));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "EVP_sha256", api.EVP_sha256));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "CRYPTO_free", api.CRYPTO_free));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BIO_meth_new", api.BIO_meth_new));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "BIO_get_new_index", api.BIO_get_new_index));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "BIO_meth_set_write", api.BIO_meth_set_write));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "BIO_meth_set_read", api.BIO_meth_set_read));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "BIO_meth_set_ctrl", api.BIO_meth_set_ctrl));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibcryptoSoname, "BIO_meth_set_create", api.BIO_meth_set_create));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BIO_new", api.BIO_new));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BIO_set_data", api.BIO_set_data));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BIO_get_data", api.BIO_get_data));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BIO_set_init", api.BIO_set_init));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BIO_set_flags", api.BIO_set_flags));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "BIO_clear_flags", api.BIO_clear_flags));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "ERR_clear_error", api.ERR_clear_error));
  NOTME_TRY_VOID(BindFunction(handle, kLibcryptoSoname, "X509_VERIFY_PARAM_set1_ip_asc",
                              api.X509_VERIFY_PARAM_set1_ip_asc));
  return Ok();
}

}  // namespace

Result<const LibcryptoApi*> LoadLibcrypto() {
  static std::once_flag once;
  static LibcryptoApi api{};
  static Result<void> loaded = Ok();
  std::call_once(once, [] { loaded = LoadInto(api); });
  if (!loaded) return Fail(loaded.error());
  return &api;
}

}  // namespace notme::crypto
