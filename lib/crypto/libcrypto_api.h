#pragma once
// LibcryptoApi: the OpenSSL libcrypto functions notme calls (ES256 verification here, the
// TLS client's BIO, ERR and X509 calls in lib/proxy/tls_stream.cpp), loaded with dlopen on
// first use instead of linked, so that a daemon that never sees a P-256 DPoP proof or a TLS
// route maps none of libcrypto (~1.4 MiB resident at idle; docs/benchmarks.md "Session 4").
//
// Opened by SONAME (the ABI the headers describe) and never closed (OpenSSL keeps
// per-thread state and at-exit handlers). Each pointer's type is taken from the real
// header (decltype), so a signature change fails to compile rather than to call; macros
// over these functions (OPENSSL_free, BIO_set_retry_read, ...) are spelled out by callers.
// Thread-safe: loaded once (std::call_once); the table is immutable afterwards.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509v3.h>

#include "notme/result.h"

namespace notme::crypto {

inline constexpr char kLibcryptoSoname[] = "libcrypto.so.3";

struct LibcryptoApi {
  // ES256 (es256.cpp)
  decltype(&::OSSL_PARAM_BLD_new) OSSL_PARAM_BLD_new;
  decltype(&::OSSL_PARAM_BLD_push_utf8_string) OSSL_PARAM_BLD_push_utf8_string;
  decltype(&::OSSL_PARAM_BLD_push_octet_string) OSSL_PARAM_BLD_push_octet_string;
  decltype(&::OSSL_PARAM_BLD_to_param) OSSL_PARAM_BLD_to_param;
  decltype(&::OSSL_PARAM_BLD_free) OSSL_PARAM_BLD_free;
  decltype(&::OSSL_PARAM_free) OSSL_PARAM_free;
  decltype(&::EVP_PKEY_CTX_new_from_name) EVP_PKEY_CTX_new_from_name;
  decltype(&::EVP_PKEY_CTX_new_from_pkey) EVP_PKEY_CTX_new_from_pkey;
  decltype(&::EVP_PKEY_CTX_free) EVP_PKEY_CTX_free;
  decltype(&::EVP_PKEY_fromdata_init) EVP_PKEY_fromdata_init;
  decltype(&::EVP_PKEY_fromdata) EVP_PKEY_fromdata;
  decltype(&::EVP_PKEY_public_check) EVP_PKEY_public_check;
  decltype(&::EVP_PKEY_free) EVP_PKEY_free;
  decltype(&::ECDSA_SIG_new) ECDSA_SIG_new;
  decltype(&::ECDSA_SIG_set0) ECDSA_SIG_set0;
  decltype(&::ECDSA_SIG_free) ECDSA_SIG_free;
  decltype(&::i2d_ECDSA_SIG) i2d_ECDSA_SIG;
  decltype(&::BN_bin2bn) BN_bin2bn;
  decltype(&::BN_free) BN_free;
  decltype(&::EVP_MD_CTX_new) EVP_MD_CTX_new;
  decltype(&::EVP_MD_CTX_free) EVP_MD_CTX_free;
  decltype(&::EVP_DigestVerifyInit) EVP_DigestVerifyInit;
  decltype(&::EVP_DigestVerify) EVP_DigestVerify;
  decltype(&::EVP_sha256) EVP_sha256;
  decltype(&::CRYPTO_free) CRYPTO_free;
  // TLS client (lib/proxy/tls_stream.cpp)
  decltype(&::BIO_meth_new) BIO_meth_new;
  decltype(&::BIO_get_new_index) BIO_get_new_index;
  decltype(&::BIO_meth_set_write) BIO_meth_set_write;
  decltype(&::BIO_meth_set_read) BIO_meth_set_read;
  decltype(&::BIO_meth_set_ctrl) BIO_meth_set_ctrl;
  decltype(&::BIO_meth_set_create) BIO_meth_set_create;
  decltype(&::BIO_new) BIO_new;
  decltype(&::BIO_set_data) BIO_set_data;
  decltype(&::BIO_get_data) BIO_get_data;
  decltype(&::BIO_set_init) BIO_set_init;
  decltype(&::BIO_set_flags) BIO_set_flags;
  decltype(&::BIO_clear_flags) BIO_clear_flags;
  decltype(&::ERR_clear_error) ERR_clear_error;
  decltype(&::X509_VERIFY_PARAM_set1_ip_asc) X509_VERIFY_PARAM_set1_ip_asc;
};

// The loaded table, loading it on the first call. Errors: kUnavailable naming the library
// or the symbol that could not be loaded; the failure is remembered, later calls return
// the same error (callers fail closed: no ES256 proof verifies, no TLS connection is made).
Result<const LibcryptoApi*> LoadLibcrypto();

}  // namespace notme::crypto
