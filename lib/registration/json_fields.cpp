#include "registration/json_fields.h"

#include <charconv>
#include <chrono>

#include "jose/json.h"

namespace notme::registration {
namespace {

std::string Where(std::string_view what, std::string_view name) {
  return std::string(what) + ": member '" + std::string(name) + "'";
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

Result<nlohmann::json> ParseJsonDocument(std::string_view body, std::string_view what,
                                         size_t max_bytes, int max_depth) {
  if (body.size() > max_bytes) {
    return Fail(ErrorCode::kTooLarge, std::string(what) + ": larger than " +
                                          std::to_string(max_bytes) + " bytes");
  }
  auto doc = jose::ParseStrictJsonObject(body, what, max_bytes, max_depth);
  if (!doc) {
    return Fail(doc.error().code(), std::string(what) + " is not valid JSON: " + doc.error().message());
  }
  return std::move(*doc);
}

Result<std::optional<std::string>> OptionalString(const nlohmann::json& obj, std::string_view what,
                                                  std::string_view name, size_t max_len,
                                                  bool allow_null) {
  auto it = obj.find(name);
  if (it == obj.end() || (allow_null && it->is_null())) return std::optional<std::string>();
  if (!it->is_string()) return Fail(ErrorCode::kMalformed, Where(what, name) + " must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_len) return Fail(ErrorCode::kTooLarge, Where(what, name) + " is too long");
  return std::optional<std::string>(s);
}

Result<std::string> RequiredString(const nlohmann::json& obj, std::string_view what,
                                   std::string_view name, size_t max_len) {
  NOTME_TRY(auto s, OptionalString(obj, what, name, max_len));
  if (!s || s->empty()) return Fail(ErrorCode::kMalformed, Where(what, name) + " is missing");
  return std::move(*s);
}

Result<std::vector<std::string>> StringArray(const nlohmann::json& obj, std::string_view what,
                                             std::string_view name, size_t max_items,
                                             size_t max_len) {
  std::vector<std::string> out;
  auto it = obj.find(name);
  if (it == obj.end()) return out;
  if (!it->is_array()) return Fail(ErrorCode::kMalformed, Where(what, name) + " must be an array");
  if (it->size() > max_items) return Fail(ErrorCode::kTooLarge, Where(what, name) + " has too many entries");
  for (const auto& v : *it) {
    if (!v.is_string()) return Fail(ErrorCode::kMalformed, Where(what, name) + " must hold strings");
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > max_len) return Fail(ErrorCode::kTooLarge, Where(what, name) + " has an entry too long");
    out.push_back(s);
  }
  return out;
}

Result<int64_t> ParseRfc3339(std::string_view s) {
  // date-time = full-date "T" partial-time time-offset (RFC 3339 §5.6).
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  const auto bad = [] { return Fail(ErrorCode::kMalformed, "not an RFC 3339 date-time"); };
  if (s.size() < 20 || s.size() > 40 || !Digits(s, 0, 4, y) || s[4] != '-' || !Digits(s, 5, 2, mo) ||
      s[7] != '-' || !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, h) ||
      s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, se)) {
    return bad();
  }
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return bad();
  }
  int offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (!Digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !Digits(s, i + 4, 2, om) ||
        oh > 23 || om > 59) {
      return bad();
    }
    offset = (oh * 60 + om) * 60 * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return bad();
  }
  if (i != s.size() || mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60) return bad();
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return bad();
  const int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return days * 86400 + h * 3600 + mi * 60 + std::min(se, 59) - offset;
}

std::string FormatRfc3339(int64_t t) {
  const auto days = std::chrono::sys_days(std::chrono::days(t >= 0 ? t / 86400 : (t - 86399) / 86400));
  const std::chrono::year_month_day ymd(days);
  const int64_t rem = t - days.time_since_epoch().count() * 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

Result<std::optional<int64_t>> OptionalTimestamp(const nlohmann::json& obj, std::string_view what,
                                                 std::string_view name) {
  NOTME_TRY(auto s, OptionalString(obj, what, name, 64, /*allow_null=*/true));
  if (!s) return std::optional<int64_t>();
  auto t = ParseRfc3339(*s);
  if (!t) return Fail(ErrorCode::kMalformed, Where(what, name) + " is not an RFC 3339 date-time");
  return std::optional<int64_t>(*t);
}

}  // namespace notme::registration
