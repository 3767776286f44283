#pragma once
// Route: one upstream the proxy may reach, the name of the keyring secret injected into
// requests to it, and the policy limiting what callers may send there. A route never
// holds a secret value, only the secret's NAME (CONTRACT.md "Route options").
//
// Pure value types plus validating constructors; thread-safe (no shared state).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "notme/result.h"

namespace notme::proxy {

// Where requests go: scheme://host[:port][/base]. `base_path` is "" or "/seg[/seg...]"
// without a trailing slash.
struct UpstreamUrl {
  std::string scheme;  // "https", or "http" (allowed only together with allow_loopback)
  std::string host;    // DNS name (lowercase), IPv4 literal, or IPv6 literal without []
  uint16_t port = 443;
  std::string base_path;

  // "https://host[:port]/base" (IPv6 hosts bracketed, default port omitted).
  std::string ToString() const;
  // "host" or "[v6]" plus ":port" unless the port is the scheme's default.
  std::string Authority() const;
};

// Parses an upstream URL. Refuses userinfo, query, fragment, an empty host, a port outside
// 1..65535, percent-encoding or traversal segments in the base path, any whitespace or
// control character. Errors: kInvalidArgument naming the problem.
Result<UpstreamUrl> ParseUpstreamUrl(std::string_view url);

// How the secret is put on the outgoing request.
struct Injection {
  enum class Kind { kHeader, kBasic };
  Kind kind = Kind::kHeader;
  std::string header_name;   // kHeader: e.g. "Authorization"
  std::string value_prefix;  // kHeader: text before {secret}
  std::string value_suffix;  // kHeader: text after {secret}
  std::string basic_user;    // kBasic: user name; the secret is the password

  // The name of the header this injection sets ("Authorization" for kBasic).
  std::string HeaderName() const;
  // "Header: prefix{secret}suffix" or "basic:USER" (for route list; no secret).
  std::string Describe() const;
};

// Parses an --inject template: exactly one header, "Name: value", where Name is an RFC 9110
// token that is not a framing/routing header (Host, Content-Length, Transfer-Encoding,
// Connection, ...), and value contains "{secret}" exactly once, only visible ASCII,
// space and tab. Errors: kInvalidArgument.
Result<Injection> ParseInjectTemplate(std::string_view text);
// A Basic-auth injection for `user` (no ':' and no control characters). kInvalidArgument.
Result<Injection> MakeBasicInjection(std::string_view user);

struct Route {
  std::string name;          // [a-z0-9][a-z0-9_-]{0,63}
  UpstreamUrl upstream;
  std::string secret;        // keyring secret NAME, never the value
  Injection injection;
  std::string scope;         // scope a caller needs; defaults to "route:<name>"
  std::vector<std::string> allow_methods;  // upper-case; empty = every method
  std::vector<std::string> allow_paths;    // "/seg/..." prefixes on segment boundaries; empty = all
  std::string ca_file;       // absolute path to a PEM bundle, or "" for the system store
  bool allow_loopback = false;
  int64_t created_at = 0;
};

// What `notme route add` sends; every field is validated by ValidateRouteSpec.
struct RouteSpec {
  std::string name;
  std::string upstream;
  std::string secret;
  std::optional<std::string> inject;      // --inject template
  std::optional<std::string> basic_user;  // --basic-user
  std::optional<std::string> scope;
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_paths;
  std::string ca_file;
  bool allow_loopback = false;
};

// Turns a spec into a Route stamped `created_at`. Rules: valid route and secret names;
// upstream https (http only with allow_loopback, for local services); --inject and
// --basic-user are mutually exclusive (default: "Authorization: Bearer {secret}"); scope
// a valid OAuth scope token; methods are HTTP tokens from a known set, upper-cased,
// deduplicated; allow-path prefixes start with '/', contain no traversal, percent-encoding
// or empty segments; ca_file absolute. Errors: kInvalidArgument naming the field.
Result<Route> ValidateRouteSpec(const RouteSpec& spec, int64_t created_at);

// Route names follow agent names: [a-z0-9][a-z0-9_-]{0,63}.
bool IsValidRouteName(std::string_view name);
// Secret names: [A-Za-z0-9][A-Za-z0-9._-]{0,127}.
bool IsValidSecretName(std::string_view name);
// RFC 9110 token (header names, methods).
bool IsHttpToken(std::string_view s);

// JSON form used in routes.json and by /v1/routes. FromJson is strict: every field's type
// is checked, unknown members are refused, and the result passes ValidateRouteSpec's rules.
nlohmann::json RouteToJson(const Route& route);
Result<Route> RouteFromJson(const nlohmann::json& j);
// Parses the JSON body of POST /v1/routes into a spec (same member names as the CLI flags:
// name, upstream, secret, inject, basic_user, scope, allow_methods, allow_paths, ca_file,
// allow_loopback). Unknown members and wrong types are kInvalidArgument.
Result<RouteSpec> RouteSpecFromJson(const nlohmann::json& j);
nlohmann::json RouteSpecToJson(const RouteSpec& spec);

}  // namespace notme::proxy
