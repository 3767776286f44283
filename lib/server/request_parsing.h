#pragma once
// Strict parsers for request bodies (untrusted input; every failure is a Result, never
// an exception or a crash). Thread-safe (pure functions).

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "notme/result.h"

namespace notme::server {

// RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s);

// application/x-www-form-urlencoded (WHATWG URL §5.1, strictly): `name=value` pairs
// joined by `&`, `+` is a space, `%XX` escapes must be two hex digits, names and values
// must decode to valid UTF-8 without control characters, no empty names, and — as
// RFC 6749 §3.2 requires of OAuth requests — no parameter twice.
// Errors: kInvalidRequest with the reason (naming the parameter, never its value).
Result<std::map<std::string, std::string>> ParseOAuthForm(std::string_view body);

// A JSON object body: valid UTF-8, nesting at most `max_depth` arrays/objects deep
// (checked before parsing), top level an object. Errors: kInvalidRequest / kTooLarge.
Result<nlohmann::json> ParseJsonObject(std::string_view body, size_t max_depth = 8);

}  // namespace notme::server
