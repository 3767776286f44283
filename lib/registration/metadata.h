#pragma once
// Discovery documents of agentic registration (docs/registration.md, AUTH.md "Step 1"):
//   - Protected Resource Metadata (RFC 9728 §2), fetched from the resource;
//   - Authorization Server Metadata (RFC 8414 §2) with the `agent_auth` block.
// Both are untrusted input: size- and depth-limited strict JSON (duplicate members are
// refused), every member used is type-checked, every URL parsed with ParseServiceUrl, and
// the binding rules are enforced here so no caller can forget them:
//   - PRM `resource` must be identical to the resource it was fetched for (RFC 9728 §3.3);
//   - AS metadata `issuer`, when present, must be identical to the authorization server
//     it was fetched for (RFC 8414 §3.3), and `resource`, when present, must equal the PRM's;
//   - every endpoint in `agent_auth`, and `token_endpoint`, must be on the same origin (scheme, host, port) as the
//     authorization server: a document cannot send notme (and the user's identity)
//     to another host.
// Unknown members are ignored (both RFCs allow extension). Stateless and thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"
#include "registration/service_url.h"

namespace notme::registration {

inline constexpr size_t kMaxMetadataBytes = 64 * 1024;
inline constexpr int kMaxMetadataDepth = 8;
inline constexpr size_t kMaxMetadataArray = 64;
inline constexpr size_t kMaxMetadataString = 2048;

// Assertion type names (AUTH.md "Step 3").
inline constexpr std::string_view kIdJagAssertionType = "urn:ietf:params:oauth:token-type:id-jag";
inline constexpr std::string_view kVerifiedEmailAssertionType = "verified_email";

struct ProtectedResourceMetadata {
  ServiceUrl resource;
  std::string resource_name;      // "" when absent
  std::string resource_logo_uri;  // "" when absent (not fetched by notme)
  std::vector<ServiceUrl> authorization_servers;  // at least one
  std::vector<std::string> scopes_supported;
  std::vector<std::string> bearer_methods_supported;
};

// How the PRM was found decides how `resource` must match (RFC 9728 §3.3):
//   kWellKnown: derived from `requested` (ProtectedResourceMetadataUrl) → identical;
//   kChallenge: from a 401's resource_metadata while requesting `requested` → same origin
//               and the resource's path a prefix of the requested path on a '/' boundary.
enum class PrmSource { kWellKnown, kChallenge };

// Errors: kTooLarge (over kMaxMetadataBytes, too deep, too many entries, a string too
// long), kMalformed (not JSON, duplicate member, wrong type, missing resource or
// authorization_servers, a URL that does not parse), kInvalidTarget (resource does not
// match). Messages name the member.
Result<ProtectedResourceMetadata> ParseProtectedResourceMetadata(std::string_view body,
                                                                 const ServiceUrl& requested,
                                                                 PrmSource source,
                                                                 const UrlPolicy& policy);

struct AgentAuth {
  std::string skill;                            // informational
  ServiceUrl register_uri;                      // register_uri | registration_endpoint
  std::optional<ServiceUrl> claim_uri;          // claim_uri | claim_endpoint
  std::vector<std::string> identity_types_supported;     // "anonymous", "identity_assertion"
  std::vector<std::string> anonymous_credential_types;   // anonymous.credential_types_supported
  std::vector<std::string> assertion_types_supported;    // identity_assertion.assertion_types_supported
  std::vector<std::string> assertion_credential_types;   // identity_assertion.credential_types_supported

  bool SupportsAnonymous() const;
  bool SupportsAssertion(std::string_view assertion_type) const;
  // The claim-completion endpoint: claim_uri + "/complete" (AUTH.md "4c").
  std::optional<ServiceUrl> ClaimCompleteUri() const;
};

struct AuthorizationServerMetadata {
  ServiceUrl issuer;  // the authorization server it was fetched for
  std::vector<std::string> scopes_supported;
  // RFC 8414 `token_endpoint` (same origin as the AS, like every agent_auth endpoint):
  // where a service-signed identity_assertion is exchanged for an access token.
  std::optional<ServiceUrl> token_endpoint;
  std::vector<std::string> grant_types_supported;
  AgentAuth agent_auth;
};

// `authorization_server` is the PRM entry the document was fetched for; `resource` the
// PRM's resource. Errors: as ParseProtectedResourceMetadata, plus kInvalidIssuer (issuer
// mismatch), kInvalidTarget (resource mismatch), kUnsupported (no agent_auth block: the
// service does not offer agentic registration), kPermissionDenied (an agent_auth endpoint
// on another origin).
Result<AuthorizationServerMetadata> ParseAuthorizationServerMetadata(
    std::string_view body, const ServiceUrl& authorization_server, const ServiceUrl& resource,
    const UrlPolicy& policy);

}  // namespace notme::registration
