#pragma once
// The POSTs of agentic registration (AUTH.md "Step 3", "4a", "4c"; the token exchange of
// the agent-services guide): the request bodies,
// the answers parsed by service_response.h, non-2xx answers turned into plain-words
// errors. Request bodies holding a claim token, OTP or assertion are built in memory the
// call wipes once sent. Thread-safe (stateless).

#include <string>
#include <string_view>

#include "crypto/secret_bytes.h"
#include "notme/result.h"
#include "registration/metadata.h"
#include "registration/method.h"
#include "registration/service_client.h"
#include "registration/service_response.h"

namespace notme::registration {

struct RegistrationRequest {
  Method method = Method::kAnonymous;
  std::string credential_type;  // ChooseCredentialType
  std::string email;            // kEmail: the address asserted (IsPlausibleEmail)
  std::string assertion;        // kIdJag: the compact ID-JAG (wiped by the caller)
};

// POST register_uri. Errors: kInvalidArgument (bad request fields), ServiceClient's,
// ServiceErrorToError's for a non-2xx answer, ParseRegistrationResponse's.
Result<RegistrationResponse> PostRegistration(const ServiceClient& client, const AgentAuth& agent_auth,
                                              const RegistrationRequest& request);

// POST claim_uri {claim_token, email}. Errors: kUnsupported (no claim_uri), as above.
Result<ClaimStartResponse> PostClaimStart(const ServiceClient& client, const AgentAuth& agent_auth,
                                          const crypto::SecretBytes& claim_token, std::string_view email);

// POST claim_uri/complete {claim_token, otp}. `otp` must be 4..16 ASCII letters or digits
// (kInvalidArgument). Errors as above.
Result<ClaimCompleteResponse> PostClaimComplete(const ServiceClient& client, const AgentAuth& agent_auth,
                                                const crypto::SecretBytes& claim_token,
                                                const crypto::SecretBytes& otp);

// RFC 7523 §2.1 grant type of the token exchange below.
inline constexpr std::string_view kJwtBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";

// POST token_endpoint grant_type=jwt-bearer&assertion=<identity_assertion>&resource=
// (RFC 7523 §2.1, RFC 8707): the agent-services guide's exchange of a service-signed
// identity_assertion for an access token; repeatable until the assertion expires.
// Errors: kUnsupported (no token_endpoint, or grant_types_supported lacks jwt-bearer),
// kMalformed (the assertion is not a compact JWS), ServiceErrorToError's for a non-2xx
// answer (invalid_grant, insufficient_user_authentication...), ParseTokenResponse's.
Result<TokenResponse> PostTokenExchange(const ServiceClient& client, const AuthorizationServerMetadata& as,
                                        const crypto::SecretBytes& identity_assertion,
                                        std::string_view resource);

}  // namespace notme::registration
