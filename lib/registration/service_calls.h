#pragma once
// The POSTs of agentic registration (AUTH.md "Step 3", "4a", "4c"): the request bodies,
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

}  // namespace notme::registration
