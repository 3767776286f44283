#pragma once
// Strict base64url (RFC 4648 §5) as JOSE uses it (RFC 7515 §2, Appendix C): no padding,
// no whitespace, URL-safe alphabet only. Decoding is strict so that every byte string
// has exactly one accepted encoding: '=' padding, characters outside [A-Za-z0-9_-],
// lengths with length % 4 == 1 and non-zero unused trailing bits are all rejected.
// Stateless and thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::jose {

// Unpadded base64url of `data`.
std::string Base64UrlEncode(std::span<const uint8_t> data);
std::string Base64UrlEncode(std::string_view data);

// Decodes strict unpadded base64url. The empty string decodes to no bytes.
// Errors: kMalformed ("base64url: ...") for padding, a foreign character, an impossible
// length (length % 4 == 1) or non-canonical trailing bits.
Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text);
// Same, returning the bytes as a std::string (JWS header and payload segments).
Result<std::string> Base64UrlDecodeToString(std::string_view text);

}  // namespace notme::jose
