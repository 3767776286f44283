#pragma once
// Verifying a freshly minted access token against the daemon's published keys before
// showing its claims (STYLE.md "Tokens": verify the signature before parsing claims).

#include <string_view>

#include <nlohmann/json.hpp>

#include "jose/jwk.h"
#include "notme/client.h"
#include "notme/result.h"

namespace notme::cli {

struct InspectedToken {
  nlohmann::json header;
  nlohmann::json claims;
};

// Fetches /.well-known/jwks.json and the metadata's issuer, then verifies `token` (typ
// at+jwt, EdDSA, known kid, exp/iat, iss). Errors: the client's, kMalformed for a JWKS
// without usable keys, and those of jose::VerifyJwt.
Result<InspectedToken> VerifyIssuedToken(client::Client& client, std::string_view token);

// Reads a public JWK from `path` (at most 16 KiB). Errors: kInvalidArgument naming the
// file when it cannot be read, is not JSON, or holds a private key (refused, never
// echoed), and PublicJwk::FromJson's errors.
Result<jose::PublicJwk> ReadPublicJwkFile(const std::string& path);

}  // namespace notme::cli
