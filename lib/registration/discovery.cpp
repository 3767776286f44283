#include "registration/discovery.h"

#include "registration/www_authenticate.h"

namespace notme::registration {
namespace {

Result<std::string> FetchDocument(const ServiceClient& client, const ServiceUrl& url,
                                  std::string_view what) {
  NOTME_TRY(auto answer, client.Get(url, kMaxMetadataBytes));
  if (answer.status == 404) return Fail(ErrorCode::kNotFound, std::string(what) + " not found at " + url.ToString());
  if (answer.status != 200) {
    return Fail(ErrorCode::kUpstream, std::string(what) + " at " + url.ToString() + " answered HTTP " +
                                          std::to_string(answer.status));
  }
  return std::move(answer.body);
}

Result<ProtectedResourceMetadata> FetchPrm(const ServiceClient& client, const ServiceUrl& prm_url,
                                           const ServiceUrl& requested, PrmSource source,
                                           const UrlPolicy& policy) {
  NOTME_TRY(auto body, FetchDocument(client, prm_url, "protected resource metadata"));
  return ParseProtectedResourceMetadata(body, requested, source, policy);
}

Result<ProtectedResourceMetadata> FindPrm(const ServiceClient& client, const ServiceUrl& requested,
                                          const UrlPolicy& policy) {
  NOTME_TRY(auto probe, client.Get(requested, kMaxMetadataBytes));
  if (probe.status == 401 && !probe.www_authenticate.empty()) {
    auto hint = ResourceMetadataFromWwwAuthenticate(probe.www_authenticate);
    if (hint) {
      NOTME_TRY(auto prm_url, ParseServiceUrl(*hint, policy));
      if (!SameOrigin(prm_url, requested)) {
        return Fail(ErrorCode::kPermissionDenied, "the 401 from " + requested.Origin() +
                                                      " points its resource metadata at " + prm_url.Origin() +
                                                      "; refusing to follow it to another host");
      }
      return FetchPrm(client, prm_url, requested, PrmSource::kChallenge, policy);
    }
    if (hint.error().code() != ErrorCode::kNotFound) return Fail(hint.error());
  }
  ServiceUrl identifier = requested;
  identifier.query.clear();
  NOTME_TRY(auto well_known, ProtectedResourceMetadataUrl(identifier));
  NOTME_TRY(auto well_known_url, ParseServiceUrl(well_known, policy));
  auto prm = FetchPrm(client, well_known_url, identifier, PrmSource::kWellKnown, policy);
  if (prm || prm.error().code() != ErrorCode::kNotFound || identifier.path.empty() || identifier.path == "/") {
    return prm;
  }
  ServiceUrl root = identifier;
  root.path.clear();
  NOTME_TRY(auto root_doc, ProtectedResourceMetadataUrl(root));
  NOTME_TRY(auto root_url, ParseServiceUrl(root_doc, policy));
  return FetchPrm(client, root_url, identifier, PrmSource::kChallenge, policy);
}

}  // namespace

Result<Discovery> Discover(const ServiceClient& client, std::string_view url, const UrlPolicy& policy) {
  Discovery out;
  NOTME_TRY(out.requested, ParseServiceUrl(url, policy));
  NOTME_TRY(out.resource, FindPrm(client, out.requested, policy));
  const ServiceUrl& as = out.resource.authorization_servers.front();
  NOTME_TRY(auto as_doc, AuthorizationServerMetadataUrl(as));
  NOTME_TRY(auto as_url, ParseServiceUrl(as_doc, policy));
  auto body = FetchDocument(client, as_url, "authorization server metadata");
  if (!body && body.error().code() == ErrorCode::kNotFound && !as.path.empty() && as.path != "/") {
    ServiceUrl appended = as;
    if (appended.path.back() == '/') appended.path.pop_back();
    appended.path += "/.well-known/oauth-authorization-server";
    body = FetchDocument(client, appended, "authorization server metadata");
  }
  if (!body) return Fail(body.error());
  NOTME_TRY(out.authorization_server,
            ParseAuthorizationServerMetadata(*body, as, out.resource.resource, policy));
  return out;
}

}  // namespace notme::registration
