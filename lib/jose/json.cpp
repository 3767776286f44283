#include "jose/json.h"

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

namespace notme::jose {
namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 if it is not well-formed
// (RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t n = 0;
  uint8_t lo = 0x80, hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    n = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    if (b0 == 0xe0) lo = 0xa0;
    if (b0 == 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    if (b0 == 0xf0) lo = 0x90;
    if (b0 == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  const uint8_t b1 = byte(i + 1);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  return n;
}

// One pass before the real parse: rejects invalid UTF-8 and nesting deeper than
// `max_depth` so the DOM parser never builds a hostile structure.
Result<void> PreScan(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) return Fail(ErrorCode::kMalformed, "json: invalid UTF-8");
    // Valid JSON never holds a raw NUL (strings must escape it), and nlohmann would take
    // it for the end of input, silently ignoring whatever follows.
    if (c == '\0') return Fail(ErrorCode::kMalformed, "json: NUL byte");
    if (in_string) {
      if (c == '\\') {
        i += 2;  // the escaped character is ASCII in valid JSON; the parser checks it
        continue;
      }
      if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return Fail(ErrorCode::kTooLarge, "json: nested too deep");
    } else if (c == '}' || c == ']') {
      --depth;
    }
    i += n;
  }
  return Ok();
}

}  // namespace

Result<nlohmann::json> ParseStrictJson(std::string_view text, size_t max_bytes, int max_depth) {
  if (text.size() > max_bytes) return Fail(ErrorCode::kTooLarge, "json: document too large");
  NOTME_TRY_VOID(PreScan(text, max_depth));

  // nlohmann keeps the last of duplicate members; RFC 7515 §5.2 and RFC 8725 §3.9 want
  // them rejected, so track the member names of every open object.
  std::vector<std::vector<std::string>> open_objects;
  std::string duplicate;
  const auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event,
                            nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      open_objects.emplace_back();
    } else if (event == E::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == E::key && !open_objects.empty()) {
      auto& names = open_objects.back();
      const auto* key = parsed.get_ptr<const std::string*>();
      if (key != nullptr) {
        if (std::find(names.begin(), names.end(), *key) != names.end()) {
          if (duplicate.empty()) duplicate = *key;
        } else {
          names.push_back(*key);
        }
      }
    }
    return true;
  };
  try {
    nlohmann::json value =
        nlohmann::json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
    if (value.is_discarded()) return Fail(ErrorCode::kMalformed, "json: syntax error");
    if (!duplicate.empty()) {
      // Member names are attacker-chosen: report a bounded, printable excerpt only.
      std::string shown;
      for (char ch : duplicate.substr(0, 32)) {
        shown.push_back(ch >= 0x20 && ch < 0x7f ? ch : '?');
      }
      return Fail(ErrorCode::kMalformed, "json: duplicate member \"" + shown + "\"");
    }
    return value;
  } catch (const std::exception&) {
    return Fail(ErrorCode::kMalformed, "json: parse failed");
  }
}

Result<nlohmann::json> ParseStrictJsonObject(std::string_view text, std::string_view what,
                                             size_t max_bytes, int max_depth) {
  auto parsed = ParseStrictJson(text, max_bytes, max_depth);
  if (!parsed) {
    return Fail(parsed.error().code(), std::string(what) + ": " + parsed.error().message());
  }
  if (!parsed->is_object()) {
    return Fail(ErrorCode::kMalformed, std::string(what) + ": not a JSON object");
  }
  return std::move(*parsed);
}

std::string DumpCompact(const nlohmann::json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace notme::jose
