#pragma once
// Discovery (AUTH.md "Step 1", RFC 9728 §5, RFC 8414 §3): from a URL the human gives to
// the service's agent_auth block.
//   1. GET the URL without credentials. A 401 whose WWW-Authenticate carries a Bearer
//      `resource_metadata` names the PRM; that URL must be on the requested URL's origin,
//      and the PRM's resource must cover the requested URL (PrmSource::kChallenge).
//   2. Otherwise the PRM is at ProtectedResourceMetadataUrl(URL) and its resource must be
//      the URL itself; when that is missing and the URL has a path, the origin's
//      /.well-known/oauth-protected-resource is tried (resource must cover the URL).
//   3. The AS metadata of authorization_servers[0] at AuthorizationServerMetadataUrl
//      (falling back to "<as>/.well-known/oauth-authorization-server" for an AS with a
//      path, the form AUTH.md shows), checked by ParseAuthorizationServerMetadata.
// Every document is size-limited (kMaxMetadataBytes). Thread-safe (stateless).

#include <string_view>

#include "notme/result.h"
#include "registration/metadata.h"
#include "registration/service_client.h"
#include "registration/service_url.h"

namespace notme::registration {

struct Discovery {
  ServiceUrl requested;
  ProtectedResourceMetadata resource;
  AuthorizationServerMetadata authorization_server;
};

// Errors: those of ParseServiceUrl (kInvalidArgument), ServiceClient, the metadata
// parsers; kNotFound when no PRM is published; kPermissionDenied when a 401 points the
// PRM at another origin.
Result<Discovery> Discover(const ServiceClient& client, std::string_view url, const UrlPolicy& policy);

}  // namespace notme::registration
