#include "cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>

namespace notme::cli {

bool ShouldColor(std::FILE* stream, const EnvLookup& env) {
  if (auto v = env("NO_COLOR"); v && !v->empty()) return false;
  if (auto t = env("TERM"); t && *t == "dumb") return false;
  return ::isatty(::fileno(stream)) == 1;
}

std::string Paint(std::string_view text, Style style, bool color) {
  if (!color) return std::string(text);
  const char* sgr = "";
  switch (style) {
    case Style::kBold: sgr = "1"; break;
    case Style::kDim: sgr = "2"; break;
    case Style::kGreen: sgr = "32"; break;
    case Style::kYellow: sgr = "33"; break;
    case Style::kRed: sgr = "31"; break;
    case Style::kCyan: sgr = "36"; break;
  }
  return std::string("\x1b[") + sgr + "m" + std::string(text) + "\x1b[0m";
}

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool control = u < 0x20 || u == 0x7f;
    out.push_back(control ? '?' : c);
  }
  return out;
}

std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows, bool color) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  std::vector<std::vector<std::string>> clean;
  for (const auto& row : rows) {
    std::vector<std::string> r;
    for (size_t i = 0; i < header.size(); ++i) {
      r.push_back(i < row.size() ? Printable(row[i]) : std::string());
      width[i] = std::max(width[i], r.back().size());
    }
    clean.push_back(std::move(r));
  }
  auto line = [&](const std::vector<std::string>& cells, bool bold) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string cell = cells[i];
      if (i + 1 < cells.size()) cell.append(width[i] - cell.size() + 2, ' ');
      out += bold ? Paint(cell, Style::kBold, color) : cell;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header, /*bold=*/true);
  for (const auto& r : clean) out += line(r, /*bold=*/false);
  return out;
}

std::string HumanDuration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

std::string HumanTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace notme::cli
