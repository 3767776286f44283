#include "server/request_parsing.h"

#include <cstdint>

namespace notme::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> DecodeComponent(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) {
        return Fail(ErrorCode::kInvalidRequest, "truncated percent escape");
      }
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return Fail(ErrorCode::kInvalidRequest, "bad percent escape");
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  if (!IsValidUtf8(out)) return Fail(ErrorCode::kInvalidRequest, "not valid UTF-8");
  for (char ch : out) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return Fail(ErrorCode::kInvalidRequest, "control character");
  }
  return out;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

Result<std::map<std::string, std::string>> ParseOAuthForm(std::string_view body) {
  std::map<std::string, std::string> out;
  if (body.empty()) return out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(start, amp - start);
    if (pair.empty()) return Fail(ErrorCode::kInvalidRequest, "empty form field");
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return Fail(ErrorCode::kInvalidRequest, "form field without '='");
    }
    auto name = DecodeComponent(pair.substr(0, eq));
    if (!name) return Fail(ErrorCode::kInvalidRequest, "form field name: " + name.error().message());
    if (name->empty()) return Fail(ErrorCode::kInvalidRequest, "empty form field name");
    auto value = DecodeComponent(pair.substr(eq + 1));
    if (!value) {
      return Fail(ErrorCode::kInvalidRequest,
                  "form field '" + *name + "': " + value.error().message());
    }
    if (!out.emplace(*name, std::move(*value)).second) {
      return Fail(ErrorCode::kInvalidRequest, "parameter '" + *name + "' given more than once");
    }
    if (amp == body.size()) break;
    start = amp + 1;
    if (start == body.size()) return Fail(ErrorCode::kInvalidRequest, "trailing '&'");
  }
  return out;
}

Result<nlohmann::json> ParseJsonObject(std::string_view body, size_t max_depth) {
  if (!IsValidUtf8(body)) return Fail(ErrorCode::kInvalidRequest, "body is not valid UTF-8");
  // Depth is checked on the raw text first so a hostile nesting never reaches the parser.
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return Fail(ErrorCode::kTooLarge, "JSON nested too deeply");
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    }
  }
  auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr,
                                 /*allow_exceptions=*/false, /*ignore_comments=*/false);
  if (j.is_discarded()) return Fail(ErrorCode::kInvalidRequest, "body is not valid JSON");
  if (!j.is_object()) return Fail(ErrorCode::kInvalidRequest, "body must be a JSON object");
  return j;
}

}  // namespace notme::server
