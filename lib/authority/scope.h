#pragma once
// OAuth scope syntax (RFC 6749 §3.3) and resource indicator syntax (RFC 8707 §2), as the
// agent registry and the token endpoint use them. Stateless and thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::authority {

inline constexpr size_t kMaxScopeTokenLength = 128;
inline constexpr size_t kMaxScopesPerRequest = 64;
inline constexpr size_t kMaxAudienceLength = 2048;

// scope-token = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E; at most
// kMaxScopeTokenLength characters.
bool IsValidScopeToken(std::string_view token);

// Parses a `scope` parameter strictly: scope-token *( SP scope-token ) — single spaces,
// no leading or trailing space, no empty token, no duplicate, at most
// kMaxScopesPerRequest tokens. The empty string gives no scopes. Order is kept.
// Errors: kInvalidScope naming the problem (never echoing more than a bounded excerpt).
Result<std::vector<std::string>> ParseScopeParameter(std::string_view scope);

// Space-joined, in the given order.
std::string JoinScopes(const std::vector<std::string>& scopes);

// An RFC 8707 resource indicator / audience: an absolute URI (RFC 3986 §4.3: scheme ":"
// hier-part [ "?" query ]) without a fragment, made only of URI characters (unreserved,
// reserved, and well-formed %HH escapes), non-empty after the scheme, at most
// kMaxAudienceLength characters.
bool IsValidAudience(std::string_view uri);

}  // namespace notme::authority
