#pragma once
// Parsing of the request-target of a proxied request, "/r/<route>/<rest>[?query]", and
// the path checks that keep a caller inside the route: no dot segments (also when
// percent-encoded, double-encoded, or hidden behind ';' parameters), no encoded '/' or
// '\', no NUL or control characters, no empty segments, allow-path prefixes matched on
// whole segments. Pure functions; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::proxy {

struct ProxyTarget {
  std::string route;  // the route name (validated)
  // The rest of the path as sent (still percent-encoded, validated), "" or "/...".
  std::string rest;
  std::vector<std::string> segments;  // `rest` split on '/' and percent-decoded
  std::string query;                  // after '?', validated, without the '?'
  bool has_query = false;
};

// Parses a raw request-target (httplib's Request::target, never the decoded path).
// Errors: kInvalidRequest for anything that is not "/r/<valid route>[/<rest>][?query]",
// kPermissionDenied for a traversal attempt (so audit can tell them apart).
Result<ProxyTarget> ParseProxyTarget(std::string_view target, size_t max_length = 8192);

// Validates a path ("" or "/seg/...") and returns its decoded segments. A trailing '/'
// gives a final empty segment; other empty segments are refused. Same errors as above.
Result<std::vector<std::string>> CheckPath(std::string_view path);

// Validates a query string (without '?'): visible ASCII except '#', percent-escapes well
// formed. Errors: kInvalidRequest.
Result<void> CheckQuery(std::string_view query);

// True when `segments` starts with all of `prefix_segments` (decoded; a trailing empty
// segment of the prefix is ignored): "/a/b" allows "/a/b" and "/a/b/c", not "/a/bc".
bool PathHasPrefix(const std::vector<std::string>& segments,
                   const std::vector<std::string>& prefix_segments);

// Percent-decodes one segment. Errors: kInvalidRequest for a malformed escape.
Result<std::string> PercentDecode(std::string_view s);

}  // namespace notme::proxy
