#include "cli/json_fields.h"

#include "cli/output.h"

namespace notme::cli {

std::string Str(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return {};
  auto it = j.find(name);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_number() || it->is_boolean()) return it->dump();
  return {};
}

std::optional<int64_t> Int(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::vector<std::string> Strings(const nlohmann::json& j, const char* name) {
  std::vector<std::string> out;
  if (!j.is_object()) return out;
  auto it = j.find(name);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

std::string TimeStr(const nlohmann::json& j, const char* name) {
  if (auto t = Int(j, name)) return HumanTime(*t);
  return Str(j, name);
}

std::string JoinOrDash(const std::vector<std::string>& v, const char* sep) {
  if (v.empty()) return "-";
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace notme::cli
