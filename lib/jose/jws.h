#pragma once
// JWS compact serialisation (RFC 7515 §7.1): EdDSA signing, and verification for EdDSA
// and ES256 with the algorithm fixed by the verifier (RFC 8725 §3.1).
//
// Verification order (STYLE.md "Tokens"): size limit → split into exactly three
// segments → decode and strictly parse the protected header (duplicate members rejected)
// → check `alg` against the key the verifier chose and `typ` against the expected one,
// refuse any `crit` → verify the signature over "header.payload" → only then hand out the
// payload. Nothing in the payload is parsed before its signature verifies.
//
// All functions are stateless and thread-safe. KeySet is immutable once built and may be
// shared between threads for lookups.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/ed25519.h"
#include "jose/jwk.h"
#include "notme/result.h"

namespace notme::jose {

// Tokens and proofs longer than this are refused before any decoding (kTooLarge).
inline constexpr size_t kMaxCompactJwsBytes = 8192;

// Signs `payload` as a compact JWS with EdDSA. `header` must be a JSON object; its "alg"
// member, if present, must be "EdDSA" and is set to "EdDSA" if absent. Other members
// ("typ", "kid", "jwk", ...) are copied as given.
// Errors: kInvalidArgument (header not an object, alg other than EdDSA, or a "crit"
// member), kTooLarge (result over kMaxCompactJwsBytes).
Result<std::string> SignCompactEdDsa(const nlohmann::json& header, std::string_view payload,
                                     const crypto::Ed25519SecretKey& key);

// The three segments of a compact JWS, as views into the caller's string.
struct JwsParts {
  std::string_view header_b64;
  std::string_view payload_b64;
  std::string_view signature_b64;
  std::string_view signing_input;  // "header_b64.payload_b64", what the signature covers
};

// Splits a compact JWS. Errors: kTooLarge (over kMaxCompactJwsBytes), kMalformed (not
// exactly three segments, an empty header or signature segment, or a character outside
// the base64url alphabet and '.', which also rejects whitespace and comma-joined lists).
Result<JwsParts> SplitCompact(std::string_view compact);

// What the verifier requires of the protected header.
struct ExpectedHeader {
  JwsAlgorithm alg = JwsAlgorithm::kEdDSA;
  // Required `typ` value, compared case-insensitively as RFC 7515 §4.1.9 allows, with an
  // optional "application/" prefix (RFC 8725 §3.11). Empty: `typ` is not checked.
  std::string typ;
};

// A set of verification keys looked up by `kid` (e.g. the daemon's current and retired
// signing keys). Build once, then share read-only.
class KeySet {
 public:
  // Adds or replaces the key for `kid`.
  void Add(std::string kid, PublicJwk key);
  // The key for `kid`, or nullptr.
  const PublicJwk* Find(std::string_view kid) const;
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, PublicJwk, std::less<>> keys_;
};

// Compact JWSs this process signed itself moments ago (TokenIssuer's memo of the tokens
// it minted). Contains() may be true only for the exact bytes of a JWS the process
// signed, so the signature over them would verify with the key its kid names; that one
// check is then skipped. Everything else still runs: the header, alg and typ checks, the
// kid must still be in the KeySet (a rotated-out key fails as before), and the payload
// is decoded the same way. Implementations must be thread-safe.
class SignedHere {
 public:
  virtual ~SignedHere() = default;
  virtual bool Contains(std::string_view compact) const = 0;
};

class VerifiedJws;
Result<VerifiedJws> VerifyCompact(std::string_view compact, const PublicJwk& key,
                                  const ExpectedHeader& expected);
Result<VerifiedJws> VerifyCompact(std::string_view compact, const KeySet& keys,
                                  const ExpectedHeader& expected,
                                  const SignedHere* signed_here = nullptr);

// A JWS whose signature has verified. Only the VerifyCompact functions can create one.
class VerifiedJws {
 public:
  // The parsed protected header (strict: no duplicate members, no crit).
  const nlohmann::json& header() const { return header_; }
  // The verified payload bytes (not parsed).
  const std::string& payload() const { return payload_; }
  // The header's kid, empty if absent.
  const std::string& kid() const { return kid_; }
  JwsAlgorithm algorithm() const { return alg_; }

 private:
  VerifiedJws(nlohmann::json header, std::string payload, std::string kid, JwsAlgorithm alg)
      : header_(std::move(header)), payload_(std::move(payload)), kid_(std::move(kid)),
        alg_(alg) {}
  friend Result<VerifiedJws> VerifyCompact(std::string_view, const PublicJwk&,
                                           const ExpectedHeader&);
  friend Result<VerifiedJws> VerifyCompact(std::string_view, const KeySet&, const ExpectedHeader&,
                                           const SignedHere*);
  nlohmann::json header_;
  std::string payload_;
  std::string kid_;
  JwsAlgorithm alg_;
};

// VerifyCompact(compact, key, expected): verifies with one known key.
// VerifyCompact(compact, keys, expected): the header must carry a string `kid` found in
// `keys` (kInvalidToken "unknown kid" otherwise); with `signed_here`, a JWS it contains
// is not verified again (see SignedHere).
// Errors: kTooLarge, kMalformed (segments, base64url, header JSON, duplicate member),
// kUnsupported (header alg differs from expected.alg or the key's algorithm — including
// "none" and "HS256" — or a `crit` member is present), kInvalidToken (typ mismatch,
// unknown kid), kBadSignature.

// Checks the header members every verifier checks: `alg` equals `expected_alg`, no
// `crit`, and `typ` matches `expected_typ` (see ExpectedHeader). Exposed for the DPoP
// validator, which selects its key from the header. Errors as VerifyCompact.
Result<void> CheckProtectedHeader(const nlohmann::json& header, JwsAlgorithm expected_alg,
                                  std::string_view expected_typ);

}  // namespace notme::jose
