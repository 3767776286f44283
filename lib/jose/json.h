#pragma once
// Strict JSON parsing for untrusted JOSE headers, claim sets and JWKs.
//
// nlohmann::json alone accepts duplicate member names (keeping the last one), which lets
// two parsers disagree about a token (RFC 7515 §5.2 and RFC 8725 §3.9 require rejecting
// them). ParseStrictJson adds the checks JOSE needs on top of RFC 8259 parsing. Stateless
// and thread-safe; never throws.

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "notme/result.h"

namespace notme::jose {

// Limits used for JOSE headers and claim sets unless a caller has a reason to differ.
inline constexpr size_t kDefaultMaxJsonBytes = 8192;
inline constexpr int kDefaultMaxJsonDepth = 16;

// Parses exactly one JSON value from `text`.
// Rejects: input longer than `max_bytes` (kTooLarge); nesting of arrays/objects deeper
// than `max_depth` (kTooLarge; a top-level object is depth 1; max_depth is capped at 64); invalid UTF-8 anywhere
// (kMalformed); a member name repeated within one object at any depth (kMalformed,
// message names the member); anything after the value other than JSON whitespace, and
// any RFC 8259 syntax error (kMalformed).
Result<nlohmann::json> ParseStrictJson(std::string_view text,
                                       size_t max_bytes = kDefaultMaxJsonBytes,
                                       int max_depth = kDefaultMaxJsonDepth);

// As ParseStrictJson, and additionally requires the value to be a JSON object
// (kMalformed otherwise). `what` names the document in error messages ("jws header").
Result<nlohmann::json> ParseStrictJsonObject(std::string_view text, std::string_view what,
                                             size_t max_bytes = kDefaultMaxJsonBytes,
                                             int max_depth = kDefaultMaxJsonDepth);

// Serialises compactly (no spaces), member order as stored (nlohmann sorts members by
// name), UTF-8 passed through unchanged. Never throws: invalid UTF-8 in a string is
// replaced with U+FFFD.
std::string DumpCompact(const nlohmann::json& value);

}  // namespace notme::jose
