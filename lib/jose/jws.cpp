#include "jose/jws.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cctype>

#include "jose/base64url.h"
#include "jose/json.h"
#include "jose/jws_internal.h"

namespace notme::jose {
namespace {

// A protected header needs no more than a nested jwk (depth 2); anything deeper is hostile.
constexpr int kMaxHeaderDepth = 4;

constexpr std::array<bool, 256> MakeBase64UrlTable() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
  t['-'] = t['_'] = true;
  return t;
}
constexpr std::array<bool, 256> kBase64UrlChar = MakeBase64UrlTable();

bool IsBase64UrlChar(char c) { return kBase64UrlChar[static_cast<uint8_t>(c)]; }

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

// RFC 7515 §4.1.9: typ is a media type, compared case-insensitively, and
// "application/" may be omitted.
bool TypMatches(std::string_view typ, std::string_view expected) {
  constexpr std::string_view kPrefix = "application/";
  if (typ.size() > kPrefix.size() && EqualsIgnoreCase(typ.substr(0, kPrefix.size()), kPrefix)) {
    typ.remove_prefix(kPrefix.size());
  }
  return EqualsIgnoreCase(typ, expected);
}

std::string KidOf(const nlohmann::json& header) {
  const auto it = header.find("kid");
  if (it == header.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace

namespace internal {

Result<nlohmann::json> DecodeHeader(const JwsParts& parts) {
  auto json_text = Base64UrlDecodeToString(parts.header_b64);
  if (!json_text) {
    return Fail(ErrorCode::kMalformed, "jws header: " + json_text.error().message());
  }
  return ParseStrictJsonObject(*json_text, "jws header", kMaxCompactJwsBytes, kMaxHeaderDepth);
}

Result<UnverifiedJws> DecodeUnverified(std::string_view compact) {
  NOTME_TRY(JwsParts parts, SplitCompact(compact));
  NOTME_TRY(nlohmann::json header, DecodeHeader(parts));
  return UnverifiedJws{parts, std::move(header)};
}

Result<std::string> VerifySignatureAndDecodePayload(const JwsParts& parts, const PublicJwk& key,
                                                    JwsAlgorithm alg) {
  // The verifier's algorithm must also be the key's: an EdDSA header never selects an
  // ES256 key or the other way round.
  if (key.algorithm() != alg) {
    return Fail(ErrorCode::kUnsupported, "jws: key type does not match the expected algorithm");
  }
  auto signature = Base64UrlDecode(parts.signature_b64);
  if (!signature) {
    return Fail(ErrorCode::kMalformed, "jws signature: " + signature.error().message());
  }
  NOTME_TRY_VOID(key.VerifySignature(parts.signing_input, *signature));
  auto payload = Base64UrlDecodeToString(parts.payload_b64);
  if (!payload) return Fail(ErrorCode::kMalformed, "jws payload: " + payload.error().message());
  return std::move(*payload);
}

}  // namespace internal

Result<JwsParts> SplitCompact(std::string_view compact) {
  if (compact.size() > kMaxCompactJwsBytes) {
    return Fail(ErrorCode::kTooLarge, "jws: token exceeds 8 KiB");
  }
  size_t dots[2] = {0, 0};
  size_t count = 0;
  for (size_t i = 0; i < compact.size(); ++i) {
    const char c = compact[i];
    if (c == '.') {
      if (count == 2) return Fail(ErrorCode::kMalformed, "jws: more than three segments");
      dots[count++] = i;
    } else if (!IsBase64UrlChar(c)) {
      return Fail(ErrorCode::kMalformed, "jws: character outside base64url and '.'");
    }
  }
  if (count != 2) return Fail(ErrorCode::kMalformed, "jws: three segments expected");
  JwsParts parts;
  parts.header_b64 = compact.substr(0, dots[0]);
  parts.payload_b64 = compact.substr(dots[0] + 1, dots[1] - dots[0] - 1);
  parts.signature_b64 = compact.substr(dots[1] + 1);
  parts.signing_input = compact.substr(0, dots[1]);
  if (parts.header_b64.empty()) return Fail(ErrorCode::kMalformed, "jws: empty header");
  if (parts.signature_b64.empty()) return Fail(ErrorCode::kMalformed, "jws: empty signature");
  return parts;
}

void KeySet::Add(std::string kid, PublicJwk key) {
  keys_.insert_or_assign(std::move(kid), std::move(key));
}

const PublicJwk* KeySet::Find(std::string_view kid) const {
  const auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

Result<void> CheckProtectedHeader(const nlohmann::json& header, JwsAlgorithm expected_alg,
                                  std::string_view expected_typ) {
  const auto alg = header.find("alg");
  if (alg == header.end()) return Fail(ErrorCode::kMalformed, "jws header: missing alg");
  const auto* alg_name = alg->get_ptr<const std::string*>();
  if (alg_name == nullptr) return Fail(ErrorCode::kMalformed, "jws header: alg is not a string");
  // The algorithm is the verifier's choice (RFC 8725 §3.1): "none", "HS256" keyed with a
  // public key, or any other value than the expected one is refused here.
  if (*alg_name != JwsAlgorithmName(expected_alg)) {
    return Fail(ErrorCode::kUnsupported,
                "jws header: alg is not " + std::string(JwsAlgorithmName(expected_alg)));
  }
  // RFC 7515 §4.1.11: extensions listed in crit must be understood; notme implements none.
  if (header.contains("crit")) {
    return Fail(ErrorCode::kUnsupported, "jws header: crit extensions are not supported");
  }
  if (!expected_typ.empty()) {
    const auto typ = header.find("typ");
    if (typ == header.end()) return Fail(ErrorCode::kInvalidToken, "jws header: missing typ");
    const auto* typ_value = typ->get_ptr<const std::string*>();
    if (typ_value == nullptr) {
      return Fail(ErrorCode::kMalformed, "jws header: typ is not a string");
    }
    if (!TypMatches(*typ_value, expected_typ)) {
      return Fail(ErrorCode::kInvalidToken,
                  "jws header: typ is not " + std::string(expected_typ));
    }
  }
  return Ok();
}

Result<VerifiedJws> VerifyCompact(std::string_view compact, const PublicJwk& key,
                                  const ExpectedHeader& expected) {
  NOTME_TRY(internal::UnverifiedJws jws, internal::DecodeUnverified(compact));
  NOTME_TRY_VOID(CheckProtectedHeader(jws.header, expected.alg, expected.typ));
  NOTME_TRY(std::string payload,
            internal::VerifySignatureAndDecodePayload(jws.parts, key, expected.alg));
  std::string kid = KidOf(jws.header);
  return VerifiedJws(std::move(jws.header), std::move(payload), std::move(kid), expected.alg);
}

Result<VerifiedJws> VerifyCompact(std::string_view compact, const KeySet& keys,
                                  const ExpectedHeader& expected, const SignedHere* signed_here) {
  NOTME_TRY(internal::UnverifiedJws jws, internal::DecodeUnverified(compact));
  NOTME_TRY_VOID(CheckProtectedHeader(jws.header, expected.alg, expected.typ));
  const auto kid = jws.header.find("kid");
  if (kid == jws.header.end()) return Fail(ErrorCode::kInvalidToken, "jws header: missing kid");
  const auto* kid_value = kid->get_ptr<const std::string*>();
  if (kid_value == nullptr) return Fail(ErrorCode::kMalformed, "jws header: kid is not a string");
  const PublicJwk* key = keys.Find(*kid_value);
  if (key == nullptr) return Fail(ErrorCode::kInvalidToken, "jws: unknown kid");
  std::string payload;
  if (signed_here != nullptr && key->algorithm() == expected.alg &&
      signed_here->Contains(compact)) {
    auto decoded = Base64UrlDecodeToString(jws.parts.payload_b64);
    if (!decoded) return Fail(ErrorCode::kMalformed, "jws payload: " + decoded.error().message());
    payload = std::move(*decoded);
  } else {
    NOTME_TRY(payload, internal::VerifySignatureAndDecodePayload(jws.parts, *key, expected.alg));
  }
  std::string kid_copy = *kid_value;
  return VerifiedJws(std::move(jws.header), std::move(payload), std::move(kid_copy),
                     expected.alg);
}

}  // namespace notme::jose
