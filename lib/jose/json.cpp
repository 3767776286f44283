#include "jose/json.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace notme::jose {
namespace {

constexpr int kMaxDepth = 64;

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

// One pass before the real parse: rejects invalid UTF-8, NUL bytes and nesting deeper
// than `max_depth` (so the DOM parser never builds a hostile structure), and counts the
// member names in the text. Returns that count.
Result<size_t> PreScan(std::string_view text, int max_depth) {
  // Open containers: true for an object. A string is a member name when it starts while
  // the innermost container is an object and a name is expected (after '{' or ',').
  // Bit k of `objects` is set when the container at depth k+1 is an object (max_depth is
  // capped at kMaxDepth so the stack fits one word and costs no allocation).
  const size_t limit = static_cast<size_t>(std::clamp(max_depth, 0, kMaxDepth));
  uint64_t objects = 0;
  size_t depth = 0;
  bool expect_name = false;
  bool in_string = false;
  size_t names = 0;
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
      if (expect_name) ++names;
      expect_name = false;
    } else if (c == '{' || c == '[') {
      if (depth >= limit) return Fail(ErrorCode::kTooLarge, "json: nested too deep");
      const uint64_t bit = uint64_t{1} << depth;
      objects = c == '{' ? (objects | bit) : (objects & ~bit);
      ++depth;
      expect_name = c == '{';
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
      expect_name = false;
    } else if (c == ',') {
      expect_name = depth > 0 && (objects >> (depth - 1) & 1U) != 0;
    }
    i += n;
  }
  return names;
}

// Members held by the parsed document, all objects included.
size_t CountMembers(const nlohmann::json& root) {
  size_t count = 0;
  std::vector<const nlohmann::json*> pending = {&root};
  while (!pending.empty()) {
    const nlohmann::json* v = pending.back();
    pending.pop_back();
    if (v->is_object()) count += v->size();
    if (v->is_structured()) {
      for (const auto& child : *v) pending.push_back(&child);
    }
  }
  return count;
}

// Slow path, only after a duplicate was detected: find its name for the error message.
std::string FindDuplicateName(std::string_view text) {
  std::vector<std::string> names;
  std::vector<size_t> starts;
  std::string duplicate;
  const auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event,
                            nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      starts.push_back(names.size());
    } else if (event == E::object_end) {
      if (!starts.empty()) {
        names.resize(starts.back());
        starts.pop_back();
      }
    } else if (event == E::key && !starts.empty()) {
      const auto* key = parsed.get_ptr<const std::string*>();
      if (key != nullptr) {
        const auto first = names.begin() + static_cast<std::ptrdiff_t>(starts.back());
        if (std::find(first, names.end(), *key) != names.end()) {
          if (duplicate.empty()) duplicate = *key;
        } else {
          names.push_back(*key);
        }
      }
    }
    return true;
  };
  const nlohmann::json reparsed =
      nlohmann::json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  (void)reparsed;
  // Member names are attacker-chosen: report a bounded, printable excerpt only.
  std::string shown;
  for (char ch : duplicate.substr(0, 32)) shown.push_back(ch >= 0x20 && ch < 0x7f ? ch : '?');
  return shown;
}

}  // namespace

Result<nlohmann::json> ParseStrictJson(std::string_view text, size_t max_bytes, int max_depth) {
  if (text.size() > max_bytes) return Fail(ErrorCode::kTooLarge, "json: document too large");
  NOTME_TRY(const size_t names_in_text, PreScan(text, max_depth));
  try {
    nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), /*cb=*/nullptr,
                                                 /*allow_exceptions=*/false);
    if (value.is_discarded()) return Fail(ErrorCode::kMalformed, "json: syntax error");
    // nlohmann keeps the last of duplicate members; RFC 7515 §5.2 and RFC 8725 §3.9 want
    // them rejected. Each duplicate leaves the document with fewer members than names in
    // the text, so equal counts prove there is none.
    if (CountMembers(value) != names_in_text) {
      return Fail(ErrorCode::kMalformed,
                  "json: duplicate member \"" + FindDuplicateName(text) + "\"");
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
