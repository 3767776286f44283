#pragma once
// Typed, size-limited access to members of an untrusted JSON object (the documents and
// answers of a registration service). Every getter refuses a wrong type instead of
// converting, and names the member in its error. Stateless and thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "notme/result.h"

namespace notme::registration {

// Strictly parses `body` as a JSON object (jose::ParseStrictJsonObject: duplicate members
// refused) within `max_bytes` and `max_depth`. `what` names the document in errors.
// Errors: kTooLarge, kMalformed.
Result<nlohmann::json> ParseJsonDocument(std::string_view body, std::string_view what,
                                         size_t max_bytes, int max_depth);

// A string member; nullopt when absent or (allow_null) null. Errors: kMalformed (wrong
// type), kTooLarge (longer than max_len).
Result<std::optional<std::string>> OptionalString(const nlohmann::json& obj, std::string_view what,
                                                  std::string_view name, size_t max_len,
                                                  bool allow_null = false);
// As OptionalString, but absence (or null, or "") is kMalformed.
Result<std::string> RequiredString(const nlohmann::json& obj, std::string_view what,
                                   std::string_view name, size_t max_len);
// An array of strings; empty when absent. Errors: kMalformed, kTooLarge (more than
// max_items, or an item longer than max_len).
Result<std::vector<std::string>> StringArray(const nlohmann::json& obj, std::string_view what,
                                             std::string_view name, size_t max_items,
                                             size_t max_len);
// An RFC 3339 timestamp ("2026-05-04T13:00:00.000Z", offsets allowed) as Unix seconds;
// nullopt when absent or null. Errors: kMalformed.
Result<std::optional<int64_t>> OptionalTimestamp(const nlohmann::json& obj, std::string_view what,
                                                 std::string_view name);
// Parses one RFC 3339 date-time into Unix seconds. Errors: kMalformed.
Result<int64_t> ParseRfc3339(std::string_view text);
// Formats Unix seconds as "YYYY-MM-DDTHH:MM:SSZ".
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace notme::registration
