#pragma once
// ServiceUrl: an absolute URL of a service taking part in agentic registration (a protected
// resource, an authorization server, one of its endpoints), parsed strictly, plus the
// discovery URL rules of RFC 9728 §3.1 and RFC 8414 §3.1 and the same-host rule notme
// applies to endpoints named in metadata (docs/registration.md "Discovery rules").
//
// Pure value types and functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "notme/result.h"

namespace notme::registration {

// Longest URL accepted anywhere in discovery (bytes).
inline constexpr size_t kMaxUrlBytes = 2048;

// What kind of URL is acceptable. Production: https only. Tests (and a human who asks for
// it explicitly) may allow plain http, but only to a loopback host.
struct UrlPolicy {
  bool allow_loopback_http = false;
};

struct ServiceUrl {
  std::string scheme;  // "https" or "http"
  std::string host;    // lowercase DNS name, IPv4 literal, or IPv6 literal without []
  uint16_t port = 443;
  std::string path;    // "" or starts with '/'; kept as given (no normalisation)
  std::string query;   // without '?', "" when absent

  // "scheme://authority" (default port omitted, IPv6 bracketed).
  std::string Origin() const;
  // Origin() + path + ("?" + query when present).
  std::string ToString() const;
  bool IsLoopback() const;
};

// Parses an absolute URL. Refuses: over kMaxUrlBytes, a scheme other than https (or http
// to a loopback host when policy.allow_loopback_http), userinfo, a fragment, an empty
// host, a port outside 1..65535, whitespace, control or non-ASCII characters, and "."/".."
// path segments. Errors: kInvalidArgument naming the problem (the URL itself is quoted:
// URLs here are not secret).
Result<ServiceUrl> ParseServiceUrl(std::string_view text, const UrlPolicy& policy);

// RFC 9728 §3.1: "/.well-known/oauth-protected-resource" inserted between the host and
// the path of the resource identifier (a terminating "/" of the path is dropped first).
// The resource identifier must have no query (RFC 9728 §1.2). Errors: kInvalidArgument.
Result<std::string> ProtectedResourceMetadataUrl(const ServiceUrl& resource);

// RFC 8414 §3.1: "/.well-known/oauth-authorization-server" inserted the same way into
// the issuer identifier (which has no query). Errors: kInvalidArgument.
Result<std::string> AuthorizationServerMetadataUrl(const ServiceUrl& issuer);

// True when both URLs have the same scheme, host and port.
bool SameOrigin(const ServiceUrl& a, const ServiceUrl& b);

// Compares two identifiers the way RFC 9728 §3.3 / RFC 8414 §3.3 require ("identical"),
// tolerating only a trailing "/" on an empty path: "https://a.example" and
// "https://a.example/" are the same resource; scheme and host compare case-insensitively.
bool SameIdentifier(const ServiceUrl& a, const ServiceUrl& b);

}  // namespace notme::registration
