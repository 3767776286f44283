#pragma once
// WWW-Authenticate parsing (RFC 9110 §11.6.1 challenge grammar) for the one parameter
// agentic registration needs: the `resource_metadata` URL of a Bearer challenge
// (RFC 9728 §5.1). Stateless and thread-safe; untrusted input, strict limits.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::registration {

inline constexpr size_t kMaxWwwAuthenticateBytes = 8192;
inline constexpr size_t kMaxChallengeParams = 32;

struct Challenge {
  std::string scheme;                         // lowercase, e.g. "bearer"
  std::map<std::string, std::string> params;  // lowercase names; quoted values unescaped
  std::string token68;                        // when the challenge carries one instead
};

// Parses a WWW-Authenticate field value into its challenges (a comma-separated list,
// RFC 9110 §5.6.1). Refuses: over kMaxWwwAuthenticateBytes, control or non-ASCII bytes
// outside quoted strings, an unterminated quoted string, a parameter without '=', a
// duplicate parameter name within one challenge (RFC 9110 §11.2 "MUST only occur once"),
// more than kMaxChallengeParams parameters. Errors: kMalformed / kTooLarge.
Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view value);

// The `resource_metadata` parameter of the first Bearer challenge that has one.
// Errors: as ParseWwwAuthenticate; kNotFound when no Bearer challenge carries it.
Result<std::string> ResourceMetadataFromWwwAuthenticate(std::string_view value);

}  // namespace notme::registration
