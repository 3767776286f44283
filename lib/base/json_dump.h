#pragma once
// DumpJson: exactly `value.dump(-1, ' ', /*ensure_ascii=*/false,
// nlohmann::json::error_handler_t::replace)` — the compact form notmed writes in every
// response body and audit line — produced faster.
//
// Why: nlohmann's serializer decodes every string byte by byte through its UTF-8 state
// machine (about 65 instructions per byte); a token response is mostly a 400-byte
// base64url access token. Strings of printable ASCII without '"' or '\' (which need no
// escaping and are valid UTF-8) are copied as they are; everything else — other
// strings, floating-point numbers, binary and discarded values — goes through nlohmann
// itself, so the output is byte for byte the same (tests/lib/base/json_dump_test.cpp).
// Header-only so that lib/base itself does not depend on nlohmann. Thread-safe (pure).

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace notme {
namespace json_dump_internal {

inline bool NeedsNoEscaping(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

inline std::string Dumped(const nlohmann::json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

inline void AppendString(std::string& out, std::string_view s) {
  if (!NeedsNoEscaping(s)) {
    out += Dumped(nlohmann::json(std::string(s)));
    return;
  }
  out.push_back('"');
  out += s;
  out.push_back('"');
}

template <typename Int>
void AppendInteger(std::string& out, Int n) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), n);
  out.append(buf, end);
}

inline void Append(std::string& out, const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::object: {
      out.push_back('{');
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        AppendString(out, it.key());
        out.push_back(':');
        Append(out, it.value());
      }
      out.push_back('}');
      return;
    }
    case Type::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : value) {
        if (!first) out.push_back(',');
        first = false;
        Append(out, element);
      }
      out.push_back(']');
      return;
    }
    case Type::string: return AppendString(out, value.get_ref<const std::string&>());
    case Type::number_integer: return AppendInteger(out, value.get<int64_t>());
    case Type::number_unsigned: return AppendInteger(out, value.get<uint64_t>());
    case Type::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Type::null: out += "null"; return;
    default: out += Dumped(value); return;  // floats, binary, discarded
  }
}

}  // namespace json_dump_internal

inline std::string DumpJson(const nlohmann::json& value) {
  std::string out;
  out.reserve(256);
  json_dump_internal::Append(out, value);
  return out;
}

// JsonObjectWriter: a compact JSON object written member by member, for the few hot
// objects of fixed shape (an access token's claims, the token response) that would
// otherwise be built as an nlohmann::json tree only to be dumped and freed. The output
// is byte for byte DumpJson's for the same members when they are given in the order
// nlohmann keeps them (sorted by key); strings are escaped the same way.
//
//   std::string body = JsonObjectWriter().String("a", x).Integer("b", 1).Finish();
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(size_t reserve = 256) {
    out_.reserve(reserve);
    out_.push_back('{');
  }
  JsonObjectWriter& String(std::string_view key, std::string_view value) {
    Key(key);
    json_dump_internal::AppendString(out_, value);
    return *this;
  }
  JsonObjectWriter& Integer(std::string_view key, int64_t value) {
    Key(key);
    json_dump_internal::AppendInteger(out_, value);
    return *this;
  }
  // A nested object; members go into it until EndObject().
  JsonObjectWriter& BeginObject(std::string_view key) {
    Key(key);
    out_.push_back('{');
    first_ = true;
    return *this;
  }
  JsonObjectWriter& EndObject() {
    out_.push_back('}');
    first_ = false;
    return *this;
  }
  // Closes the object and hands out the text (the writer is spent).
  std::string Finish() {
    out_.push_back('}');
    return std::move(out_);
  }

 private:
  void Key(std::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    json_dump_internal::AppendString(out_, key);
    out_.push_back(':');
  }

  std::string out_;
  bool first_ = true;
};

}  // namespace notme
