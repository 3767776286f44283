#pragma once
// Reading fields of the daemon's JSON answers for display, tolerant of absent members
// (the answer's shape is the daemon's; display code must not throw). Stateless.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace notme::cli {

// The member as a string: strings as they are, numbers and booleans formatted, anything
// else (absent, null, object) as "".
std::string Str(const nlohmann::json& j, const char* name);
// An integer member, or nullopt.
std::optional<int64_t> Int(const nlohmann::json& j, const char* name);
// A member that is an array of strings (non-strings skipped); empty otherwise.
std::vector<std::string> Strings(const nlohmann::json& j, const char* name);
// A timestamp member (Unix seconds or an RFC 3339 string) for people.
std::string TimeStr(const nlohmann::json& j, const char* name);
// Joins with `sep`; "-" for an empty list.
std::string JoinOrDash(const std::vector<std::string>& v, const char* sep = ",");

}  // namespace notme::cli
