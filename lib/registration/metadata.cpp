#include "registration/metadata.h"

#include <algorithm>

#include "registration/json_fields.h"

namespace notme::registration {
namespace {

constexpr std::string_view kPrm = "protected resource metadata";
constexpr std::string_view kAsm = "authorization server metadata";
constexpr std::string_view kAgentAuth = "agent_auth";

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Result<ServiceUrl> ParseUrlMember(std::string_view what, std::string_view name,
                                  std::string_view value, const UrlPolicy& policy) {
  auto url = ParseServiceUrl(value, policy);
  if (!url) {
    return Fail(ErrorCode::kMalformed, std::string(what) + ": member '" + std::string(name) +
                                           "': " + url.error().message());
  }
  return std::move(*url);
}

// RFC 9728 §3.3 for a PRM found through a 401 challenge: the resource identifier names
// the requested URL or a parent of it on a path-segment boundary.
bool ResourceCovers(const ServiceUrl& resource, const ServiceUrl& requested) {
  if (!SameOrigin(resource, requested) || !resource.query.empty()) return false;
  std::string base = resource.path;
  if (!base.empty() && base.back() == '/') base.pop_back();
  const std::string& p = requested.path;
  if (base.empty()) return true;
  return p == base || (p.starts_with(base) && p.size() > base.size() && p[base.size()] == '/');
}

// An endpoint notme will POST to (`what` is the object holding it): first of the accepted
// member names present, on the AS origin.
Result<std::optional<ServiceUrl>> Endpoint(const nlohmann::json& block, std::string_view what,
                                           std::initializer_list<std::string_view> names,
                                           const ServiceUrl& as, const UrlPolicy& policy) {
  for (std::string_view name : names) {
    NOTME_TRY(auto text, OptionalString(block, what, name, kMaxUrlBytes));
    if (!text) continue;
    NOTME_TRY(auto url, ParseUrlMember(what, name, *text, policy));
    if (!SameOrigin(url, as)) {
      return Fail(ErrorCode::kPermissionDenied,
                  std::string(what) + "." + std::string(name) + " points at " + url.Origin() +
                      ", not at the authorization server " + as.Origin() +
                      "; refusing to register with another host");
    }
    return std::optional<ServiceUrl>(std::move(url));
  }
  return std::optional<ServiceUrl>();
}

Result<std::vector<std::string>> Strings(const nlohmann::json& obj, std::string_view what,
                                         std::string_view name) {
  return StringArray(obj, what, name, kMaxMetadataArray, kMaxMetadataString);
}

Result<AgentAuth> ParseAgentAuth(const nlohmann::json& block, const ServiceUrl& as,
                                 const UrlPolicy& policy) {
  if (!block.is_object()) return Fail(ErrorCode::kMalformed, "agent_auth must be an object");
  AgentAuth out;
  NOTME_TRY(auto skill, OptionalString(block, kAgentAuth, "skill", kMaxUrlBytes));
  out.skill = skill.value_or("");
  NOTME_TRY(auto reg, Endpoint(block, kAgentAuth, {"register_uri", "registration_endpoint"}, as, policy));
  if (!reg) return Fail(ErrorCode::kMalformed, "agent_auth has no register_uri");
  out.register_uri = std::move(*reg);
  NOTME_TRY(out.claim_uri, Endpoint(block, kAgentAuth, {"claim_uri", "claim_endpoint"}, as, policy));
  NOTME_TRY(out.identity_types_supported, Strings(block, kAgentAuth, "identity_types_supported"));
  for (std::string_view sub : {"anonymous", "identity_assertion"}) {
    auto it = block.find(sub);
    if (it == block.end()) continue;
    if (!it->is_object()) {
      return Fail(ErrorCode::kMalformed, "agent_auth." + std::string(sub) + " must be an object");
    }
    const std::string what = "agent_auth." + std::string(sub);
    NOTME_TRY(auto creds, Strings(*it, what, "credential_types_supported"));
    if (sub == "anonymous") {
      out.anonymous_credential_types = std::move(creds);
    } else {
      out.assertion_credential_types = std::move(creds);
      NOTME_TRY(out.assertion_types_supported, Strings(*it, what, "assertion_types_supported"));
    }
  }
  return out;
}

}  // namespace

bool AgentAuth::SupportsAnonymous() const { return Contains(identity_types_supported, "anonymous"); }

bool AgentAuth::SupportsAssertion(std::string_view assertion_type) const {
  return Contains(identity_types_supported, "identity_assertion") &&
         Contains(assertion_types_supported, assertion_type);
}

std::optional<ServiceUrl> AgentAuth::ClaimCompleteUri() const {
  if (!claim_uri) return std::nullopt;
  ServiceUrl u = *claim_uri;
  if (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  u.path += "/complete";
  return u;
}

Result<ProtectedResourceMetadata> ParseProtectedResourceMetadata(std::string_view body,
                                                                 const ServiceUrl& requested,
                                                                 PrmSource source,
                                                                 const UrlPolicy& policy) {
  NOTME_TRY(auto doc, ParseJsonDocument(body, kPrm, kMaxMetadataBytes, kMaxMetadataDepth));
  ProtectedResourceMetadata out;
  NOTME_TRY(auto resource, RequiredString(doc, kPrm, "resource", kMaxUrlBytes));
  NOTME_TRY(out.resource, ParseUrlMember(kPrm, "resource", resource, policy));
  const bool matches = source == PrmSource::kWellKnown ? SameIdentifier(out.resource, requested)
                                                       : ResourceCovers(out.resource, requested);
  if (!matches) {
    return Fail(ErrorCode::kInvalidTarget, "protected resource metadata is for '" + resource +
                                               "', not for '" + requested.ToString() +
                                               "' (RFC 9728 §3.3)");
  }
  NOTME_TRY(auto name, OptionalString(doc, kPrm, "resource_name", 256));
  out.resource_name = name.value_or("");
  NOTME_TRY(auto logo, OptionalString(doc, kPrm, "resource_logo_uri", kMaxUrlBytes));
  out.resource_logo_uri = logo.value_or("");
  NOTME_TRY(auto servers, Strings(doc, kPrm, "authorization_servers"));
  if (servers.empty()) return Fail(ErrorCode::kMalformed, "protected resource metadata names no authorization_servers");
  for (const auto& s : servers) {
    NOTME_TRY(auto url, ParseUrlMember(kPrm, "authorization_servers", s, policy));
    out.authorization_servers.push_back(std::move(url));
  }
  NOTME_TRY(out.scopes_supported, Strings(doc, kPrm, "scopes_supported"));
  NOTME_TRY(out.bearer_methods_supported, Strings(doc, kPrm, "bearer_methods_supported"));
  return out;
}

Result<AuthorizationServerMetadata> ParseAuthorizationServerMetadata(
    std::string_view body, const ServiceUrl& authorization_server, const ServiceUrl& resource,
    const UrlPolicy& policy) {
  NOTME_TRY(auto doc, ParseJsonDocument(body, kAsm, kMaxMetadataBytes, kMaxMetadataDepth));
  AuthorizationServerMetadata out;
  out.issuer = authorization_server;
  NOTME_TRY(auto issuer, OptionalString(doc, kAsm, "issuer", kMaxUrlBytes));
  if (issuer) {
    NOTME_TRY(auto url, ParseUrlMember(kAsm, "issuer", *issuer, policy));
    if (!SameIdentifier(url, authorization_server)) {
      return Fail(ErrorCode::kInvalidIssuer, "authorization server metadata names issuer '" + *issuer +
                                                 "', not '" + authorization_server.ToString() +
                                                 "' (RFC 8414 §3.3)");
    }
  }
  NOTME_TRY(auto res, OptionalString(doc, kAsm, "resource", kMaxUrlBytes));
  if (res) {
    NOTME_TRY(auto url, ParseUrlMember(kAsm, "resource", *res, policy));
    if (!SameIdentifier(url, resource)) {
      return Fail(ErrorCode::kInvalidTarget,
                  "authorization server metadata is for resource '" + *res + "', not '" +
                      resource.ToString() + "'");
    }
  }
  NOTME_TRY(out.scopes_supported, Strings(doc, kAsm, "scopes_supported"));
  // RFC 8414 §2: where a service-signed identity_assertion is exchanged (agent-services
  // guide, RFC 7523); notme POSTs the assertion there, so it too must be on the AS origin.
  NOTME_TRY(out.token_endpoint, Endpoint(doc, kAsm, {"token_endpoint"}, authorization_server, policy));
  NOTME_TRY(out.grant_types_supported, Strings(doc, kAsm, "grant_types_supported"));
  auto block = doc.find("agent_auth");
  if (block == doc.end()) {
    return Fail(ErrorCode::kUnsupported, authorization_server.Origin() +
                                             " does not offer agentic registration (no agent_auth)");
  }
  NOTME_TRY(out.agent_auth, ParseAgentAuth(*block, authorization_server, policy));
  return out;
}

}  // namespace notme::registration
