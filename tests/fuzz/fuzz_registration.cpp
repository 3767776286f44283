// Fuzzes the parsers of what a registration service sends: WWW-Authenticate, protected
// resource and authorization server metadata (with agent_auth), registration and claim
// answers, token endpoint answers, error bodies, URLs and RFC 3339 timestamps. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/sodium_init.h"
#include "registration/json_fields.h"
#include "registration/metadata.h"
#include "registration/service_response.h"
#include "registration/service_url.h"
#include "registration/www_authenticate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool initialised = notme::crypto::InitCrypto().has_value();
  if (!initialised || size == 0) return 0;
  using namespace notme::registration;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const ServiceUrl kResource = *ParseServiceUrl("https://api.example.com/", UrlPolicy{});
  static const ServiceUrl kAs = *ParseServiceUrl("https://auth.example.com/", UrlPolicy{});
  const UrlPolicy policy{.allow_loopback_http = (data[0] & 0x80) != 0};
  switch (data[0] % 9) {
    case 0: (void)ResourceMetadataFromWwwAuthenticate(text); break;
    case 1: (void)ParseProtectedResourceMetadata(text, kResource, PrmSource::kChallenge, policy); break;
    case 2: (void)ParseAuthorizationServerMetadata(text, kAs, kResource, policy); break;
    case 3: (void)ParseRegistrationResponse(text); break;
    case 4: (void)ParseClaimCompleteResponse(text); break;
    case 5: (void)ServiceErrorToError(ParseServiceError(429, text)); break;
    case 6: (void)ParseServiceUrl(text, policy); break;
    case 8: (void)ParseTokenResponse(text); break;
    default: (void)ParseRfc3339(text); break;
  }
  return 0;
}
