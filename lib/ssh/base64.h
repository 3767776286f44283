#pragma once
// Standard base64 (RFC 4648 §4, with padding) as OpenSSH writes it in public-key lines,
// certificates and armored signatures. (JOSE's base64url lives in lib/jose.) Thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::ssh {

std::string Base64Encode(std::span<const uint8_t> bytes);

// Strict decoding: only the 64-letter alphabet, '=' padding to a multiple of 4 characters,
// zero bits in the unused low bits of the last symbol, no whitespace (callers strip line
// breaks first). Errors: kMalformed.
Result<std::vector<uint8_t>> Base64Decode(std::string_view text);

}  // namespace notme::ssh
