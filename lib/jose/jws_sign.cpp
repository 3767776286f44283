// JWS signing (RFC 7515 §7.1 compact serialisation, RFC 8037 EdDSA). Kept apart from
// verification (jws.cpp) so that a client links only Ed25519 signing (libsodium), see
// lib/jose/CMakeLists.txt.
#include "jose/jws.h"

#include "jose/base64url.h"
#include "jose/json.h"
#include "jose/jws_internal.h"

namespace notme::jose {

Result<std::string> SignCompactEdDsa(const nlohmann::json& header, std::string_view payload,
                                     const crypto::Ed25519SecretKey& key) {
  if (!header.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "jws: header must be a JSON object");
  }
  if (header.contains("crit")) {
    return Fail(ErrorCode::kInvalidArgument, "jws: crit is not supported");
  }
  // Copy the header only when alg must be added (the common callers already set it).
  const auto alg = header.find("alg");
  if (alg != header.end() && *alg != "EdDSA") {
    return Fail(ErrorCode::kInvalidArgument, "jws: header alg must be EdDSA");
  }
  std::string header_json;
  if (alg != header.end()) {
    header_json = DumpCompact(header);
  } else {
    nlohmann::json full = header;
    full["alg"] = "EdDSA";
    header_json = DumpCompact(full);
  }
  return internal::SignCompactEdDsaText(header_json, payload, key);
}

namespace internal {

Result<std::string> SignCompactEdDsaText(std::string_view header_json, std::string_view payload,
                                         const crypto::Ed25519SecretKey& key) {
  std::string token;
  token.reserve((header_json.size() + payload.size()) * 4 / 3 + 96);
  token += Base64UrlEncode(header_json);
  token.push_back('.');
  token += Base64UrlEncode(payload);
  constexpr size_t kEncodedSignatureSize = 86;  // 64 bytes in unpadded base64url
  if (token.size() + 1 + kEncodedSignatureSize > kMaxCompactJwsBytes) {
    return Fail(ErrorCode::kTooLarge, "jws: token exceeds 8 KiB");
  }
  const auto signature = key.Sign(std::string_view(token));
  token.push_back('.');
  token += Base64UrlEncode(signature.bytes());
  return token;
}

}  // namespace internal

}  // namespace notme::jose
