#include "registration/service_calls.h"

#include <algorithm>

#include "jose/json.h"

namespace notme::registration {
namespace {

// Appends a secret as a JSON string. The characters allowed need no escaping; anything
// else is refused rather than escaped into yet another copy.
Result<void> AppendSecretString(std::string& out, const crypto::SecretBytes& secret, std::string_view what) {
  const bool ok = secret.RevealForCrypto([&](std::span<const uint8_t> b) {
    const bool safe = std::all_of(b.begin(), b.end(), [](uint8_t c) {
      return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
    });
    if (!safe) return false;
    out.push_back('"');
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
    out.push_back('"');
    return true;
  });
  if (!ok) return Fail(ErrorCode::kInvalidArgument, std::string(what) + " holds characters notme will not send");
  return Ok();
}

Result<std::string> Post(const ServiceClient& client, const ServiceUrl& url, std::string& body,
                         bool form = false) {
  auto answer = form ? client.PostForm(url, body, kMaxResponseBytes) : client.PostJson(url, body, kMaxResponseBytes);
  WipeString(body);
  if (!answer) return Fail(answer.error());
  if (answer->status < 200 || answer->status > 299) {
    Error e = ServiceErrorToError(ParseServiceError(answer->status, answer->body));
    WipeString(answer->body);
    return Fail(std::move(e));
  }
  return std::move(answer->body);
}

std::string JsonString(std::string_view s) { return jose::DumpCompact(nlohmann::json(std::string(s))); }

// application/x-www-form-urlencoded (HTML, RFC 6749 Appendix B): unreserved bytes as is,
// everything else %XX.
std::string FormEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

}  // namespace

Result<RegistrationResponse> PostRegistration(const ServiceClient& client, const AgentAuth& agent_auth,
                                              const RegistrationRequest& request) {
  if (request.credential_type != "api_key" && request.credential_type != "access_token") {
    return Fail(ErrorCode::kInvalidArgument, "credential type must be api_key or access_token");
  }
  std::string body;
  switch (request.method) {
    case Method::kAnonymous:
      body = R"({"type":"anonymous")";
      break;
    case Method::kEmail:
      if (!IsPlausibleEmail(request.email)) return Fail(ErrorCode::kInvalidArgument, "not an email address");
      body = R"({"type":"identity_assertion","assertion_type":"verified_email","assertion":)" +
             JsonString(request.email);
      break;
    case Method::kIdJag:
      if (request.assertion.empty() || request.assertion.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != std::string::npos) {
        return Fail(ErrorCode::kInvalidArgument, "the assertion is not a compact JWS");
      }
      body = R"({"type":"identity_assertion","assertion_type":"urn:ietf:params:oauth:token-type:id-jag","assertion":")" +
             request.assertion + "\"";
      break;
  }
  body += R"(,"requested_credential_type":")" + request.credential_type + "\"}";
  NOTME_TRY(auto answer, Post(client, agent_auth.register_uri, body));
  auto parsed = ParseRegistrationResponse(answer);
  WipeString(answer);
  return parsed;
}

Result<ClaimStartResponse> PostClaimStart(const ServiceClient& client, const AgentAuth& agent_auth,
                                          const crypto::SecretBytes& claim_token, std::string_view email) {
  if (!agent_auth.claim_uri) return Fail(ErrorCode::kUnsupported, "the service publishes no claim_uri");
  if (!IsPlausibleEmail(email)) return Fail(ErrorCode::kInvalidArgument, "not an email address");
  std::string body = R"({"claim_token":)";
  NOTME_TRY_VOID(AppendSecretString(body, claim_token, "the claim token"));
  body += R"(,"email":)" + JsonString(email) + "}";
  NOTME_TRY(auto answer, Post(client, *agent_auth.claim_uri, body));
  return ParseClaimStartResponse(answer);
}

Result<ClaimCompleteResponse> PostClaimComplete(const ServiceClient& client, const AgentAuth& agent_auth,
                                                const crypto::SecretBytes& claim_token,
                                                const crypto::SecretBytes& otp) {
  auto complete = agent_auth.ClaimCompleteUri();
  if (!complete) return Fail(ErrorCode::kUnsupported, "the service publishes no claim_uri");
  const bool otp_ok = otp.size() >= 4 && otp.size() <= 16 && otp.RevealForCrypto([](std::span<const uint8_t> b) {
    return std::all_of(b.begin(), b.end(), [](uint8_t c) {
      return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    });
  });
  if (!otp_ok) return Fail(ErrorCode::kInvalidArgument, "the code must be 4 to 16 letters or digits");
  std::string body = R"({"claim_token":)";
  NOTME_TRY_VOID(AppendSecretString(body, claim_token, "the claim token"));
  body += R"(,"otp":)";
  if (auto r = AppendSecretString(body, otp, "the code"); !r) {
    WipeString(body);
    return Fail(r.error());
  }
  body += "}";
  NOTME_TRY(auto answer, Post(client, *complete, body));
  auto parsed = ParseClaimCompleteResponse(answer);
  WipeString(answer);
  return parsed;
}

Result<TokenResponse> PostTokenExchange(const ServiceClient& client, const AuthorizationServerMetadata& as,
                                        const crypto::SecretBytes& identity_assertion,
                                        std::string_view resource) {
  if (!as.token_endpoint) {
    return Fail(ErrorCode::kUnsupported,
                "the service answered with an identity_assertion but publishes no token_endpoint to exchange it at");
  }
  if (!as.grant_types_supported.empty() &&
      std::find(as.grant_types_supported.begin(), as.grant_types_supported.end(), kJwtBearerGrantType) ==
          as.grant_types_supported.end()) {
    return Fail(ErrorCode::kUnsupported, "the service's token endpoint does not list the JWT-bearer grant (RFC 7523)");
  }
  // A compact JWS is base64url and dots: form-safe as is, so the secret is never re-encoded
  // into another buffer.
  const bool compact = identity_assertion.RevealForCrypto([](std::span<const uint8_t> b) {
    return std::all_of(b.begin(), b.end(), [](uint8_t c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
             c == '.';
    });
  });
  if (!compact) return Fail(ErrorCode::kMalformed, "the service's identity_assertion is not a compact JWT");
  std::string body = "grant_type=" + FormEncode(kJwtBearerGrantType) + "&assertion=";
  (void)identity_assertion.RevealForCrypto([&](std::span<const uint8_t> b) {
    body.append(reinterpret_cast<const char*>(b.data()), b.size());
    return true;
  });
  body += "&resource=" + FormEncode(resource);
  NOTME_TRY(auto answer, Post(client, *as.token_endpoint, body, /*form=*/true));
  auto parsed = ParseTokenResponse(answer);
  WipeString(answer);
  return parsed;
}

}  // namespace notme::registration
