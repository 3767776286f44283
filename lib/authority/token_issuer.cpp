#include "authority/token_issuer.h"

#include <algorithm>
#include <utility>

#include "authority/minted_token_memo.h"
#include "authority/scope.h"
#include "base/json_dump.h"
#include "crypto/constant_time.h"
#include "crypto/random.h"
#include "jose/base64url.h"

namespace notme::authority {
namespace {

constexpr size_t kJtiBytes = 16;

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool IsHttpUrl(std::string_view url) {
  return IsValidAudience(url) && (url.starts_with("http://") || url.starts_with("https://")) &&
         url.find('?') == std::string_view::npos;
}

Error InvalidToken(std::string why) {
  return Error(ErrorCode::kInvalidToken, "access token: " + std::move(why));
}

}  // namespace

std::string IssuedToken::ResponseBody() const {
  // RFC 6749 §5.1 with RFC 9449 §5's token_type; members sorted as DumpJson sorts them.
  return JsonObjectWriter(access_token.size() + 128)
      .String("access_token", access_token)
      .Integer("expires_in", exp - iat)
      .String("scope", scope)
      .String("token_type", "DPoP")
      .Finish();
}

bool VerifiedAccessToken::HasScope(std::string_view scope) const {
  return std::find(scopes_.begin(), scopes_.end(), scope) != scopes_.end();
}

Result<std::unique_ptr<TokenIssuer>> TokenIssuer::Create(TokenIssuerOptions options,
                                                         SigningKeyRing& keys,
                                                         AgentRegistry& agents,
                                                         RevocationList& revocations,
                                                         const Clock& clock) {
  if (!IsHttpUrl(options.issuer)) {
    return Fail(ErrorCode::kInvalidArgument,
                "issuer must be an absolute http(s) URL without query or fragment");
  }
  if (options.human.empty() || options.human.size() > kMaxHumanIdentityLength ||
      !IsPrintableAscii(options.human)) {
    return Fail(ErrorCode::kInvalidArgument,
                "human identity must be 1-256 printable ASCII characters");
  }
  return std::unique_ptr<TokenIssuer>(
      new TokenIssuer(std::move(options), keys, agents, revocations, clock));
}

TokenIssuer::TokenIssuer(TokenIssuerOptions options, SigningKeyRing& keys,
                         AgentRegistry& agents, RevocationList& revocations, const Clock& clock)
    : options_(std::move(options)),
      keys_(keys),
      agents_(agents),
      revocations_(revocations),
      clock_(clock),
      validator_(clock, jose::ClaimsOptions{.issuer = options_.issuer,
                                            .audience = "",
                                            .max_skew_seconds = options_.max_skew_seconds,
                                            .require_exp = true}),
      memo_(std::make_unique<MintedTokenMemo>()) {}

TokenIssuer::~TokenIssuer() = default;

Result<std::string> TokenIssuer::ResolveAudience(
    const Agent& agent, const std::optional<std::string>& resource) const {
  if (!resource) return options_.issuer;
  if (!IsValidAudience(*resource)) {
    return Fail(ErrorCode::kInvalidTarget,
                "resource must be an absolute URI without a fragment (RFC 8707)");
  }
  // The daemon itself is every agent's audience: it is the default.
  if (*resource == options_.issuer) return *resource;
  if (std::find(agent.audiences.begin(), agent.audiences.end(), *resource) ==
      agent.audiences.end()) {
    return Fail(ErrorCode::kInvalidTarget, "resource is not an allowed audience of agent \"" +
                                               agent.name + "\"");
  }
  return *resource;
}

Result<IssuedToken> TokenIssuer::Mint(const TokenRequest& request) const {
  return MintBound(request.agent, request.scope, request.resource, request.proof.jkt());
}

Result<IssuedToken> TokenIssuer::MintForThumbprint(std::string_view agent, std::string_view scope,
                                                   const std::optional<std::string>& resource,
                                                   std::string_view jkt) const {
  // RFC 7638 §3 with SHA-256: 32 bytes, unpadded base64url (RFC 9449 §6.1).
  const auto digest = jose::Base64UrlDecode(jkt);
  if (jkt.size() != 43 || !digest || digest->size() != 32) {
    return Fail(ErrorCode::kInvalidRequest, "jkt must be a base64url SHA-256 JWK thumbprint");
  }
  return MintBound(agent, scope, resource, std::string(jkt));
}

Result<IssuedToken> TokenIssuer::MintBound(std::string_view agent_name, std::string_view scope,
                                           const std::optional<std::string>& resource,
                                           std::string jkt) const {
  auto agent = agents_.Get(agent_name);
  if (!agent) return Fail(ErrorCode::kInvalidClient, "unknown agent");
  NOTME_TRY(std::vector<std::string> scopes, ParseScopeParameter(scope));
  if (scopes.empty()) {
    scopes = agent->scopes;  // RFC 6749 §3.3: the pre-defined default
  } else {
    for (const std::string& s : scopes) {
      if (std::find(agent->scopes.begin(), agent->scopes.end(), s) == agent->scopes.end()) {
        return Fail(ErrorCode::kInvalidScope,
                    "scope \"" + s + "\" is not allowed for agent \"" + agent->name + "\"");
      }
    }
  }
  NOTME_TRY(std::string audience, ResolveAudience(*agent, resource));

  IssuedToken token;
  token.agent = agent->name;
  token.scope = JoinScopes(scopes);
  token.audience = std::move(audience);
  token.jkt = std::move(jkt);
  token.jti = jose::Base64UrlEncode(crypto::RandomBytes(kJtiBytes));
  token.iat = clock_.NowSeconds();
  token.exp = token.iat + kTokenLifetimeSeconds;

  // The claim set (CONTRACT.md "Access tokens"), written directly rather than built as a
  // JSON tree that would only be dumped and freed; members in sorted order, as before.
  const std::string claims = JsonObjectWriter(512)
                                 .BeginObject("act")
                                 .String("sub", std::string(kAgentSubjectPrefix) + token.agent)
                                 .EndObject()
                                 .String("aud", token.audience)
                                 .String("client_id", token.agent)
                                 .BeginObject("cnf")
                                 .String("jkt", token.jkt)
                                 .EndObject()
                                 .Integer("exp", token.exp)
                                 .Integer("iat", token.iat)
                                 .String("iss", options_.issuer)
                                 .String("jti", token.jti)
                                 .Integer("nbf", token.iat)
                                 .String("scope", token.scope)
                                 .String("sub", options_.human)
                                 .Finish();
  NOTME_TRY(SignedJwt signed_jwt, keys_.SignJwt(claims, kAccessTokenTyp));
  token.access_token = std::move(signed_jwt.compact);
  token.kid = std::move(signed_jwt.kid);

  // Recorded before it is handed out, so revocation can always reach it.
  if (auto recorded = revocations_.RecordIssued(token.jti, token.agent, token.iat, token.exp);
      !recorded) {
    if (recorded.error().code() == ErrorCode::kUnavailable) return Fail(recorded.error());
    return Fail(ErrorCode::kInternal, "token id collision");
  }
  memo_->Remember(token.access_token, token.exp, token.iat);
  return token;
}

Result<VerifiedAccessToken> TokenIssuer::VerifyAccessToken(std::string_view token) const {
  const std::shared_ptr<const jose::KeySet> keys = keys_.VerificationKeys();
  // A token minted here moments ago skips only its signature check (MintedTokenMemo).
  auto jwt = jose::VerifyJwt(token, *keys, kAccessTokenTyp, validator_, memo_.get());
  if (!jwt) return Fail(InvalidToken(jwt.error().message()));

  // Claims notme always sets; a token without them was not minted by Mint.
  const nlohmann::json& claims = jwt->claims();
  if (jwt->client_id().empty() || jwt->subject().empty() || jwt->jti().empty() ||
      !jwt->iat() || !jwt->exp() || !jwt->cnf_jkt() || jwt->audience().empty() ||
      !claims.contains("scope")) {
    return Fail(InvalidToken("missing claims"));
  }
  const auto act = claims.find("act");
  if (act == claims.end() || !act->is_object() || !act->contains("sub") ||
      (*act)["sub"] != std::string(kAgentSubjectPrefix) + jwt->client_id()) {
    return Fail(InvalidToken("act does not name the client"));
  }
  if (*jwt->exp() - *jwt->iat() > kTokenLifetimeSeconds) {
    return Fail(InvalidToken("lifetime too long"));
  }
  if (jwt->subject() != options_.human) return Fail(InvalidToken("subject mismatch"));
  if (revocations_.IsRevoked(jwt->jti(), jwt->client_id(), *jwt->iat())) {
    return Fail(InvalidToken("revoked"));
  }
  if (!agents_.Get(jwt->client_id())) return Fail(InvalidToken("agent no longer registered"));
  auto scopes = ParseScopeParameter(jwt->scope());
  if (!scopes) return Fail(InvalidToken("malformed scope"));

  VerifiedAccessToken out;
  out.agent_ = jwt->client_id();
  out.human_ = jwt->subject();
  out.jti_ = jwt->jti();
  out.kid_ = jwt->kid();
  out.jkt_ = *jwt->cnf_jkt();
  out.iat_ = *jwt->iat();
  out.exp_ = *jwt->exp();
  out.scopes_ = std::move(*scopes);
  out.audiences_ = jwt->audience();
  out.claims_ = claims;
  return out;
}

Result<VerifiedAccessToken> TokenIssuer::AuthorizeRequest(
    std::string_view token, const jose::VerifiedDpopProof& proof,
    std::optional<std::string_view> audience) const {
  NOTME_TRY(VerifiedAccessToken verified, VerifyAccessToken(token));
  const std::string_view want = audience.value_or(std::string_view(options_.issuer));
  if (std::find(verified.audiences().begin(), verified.audiences().end(), want) ==
      verified.audiences().end()) {
    return Fail(InvalidToken("not issued for this audience"));
  }
  // RFC 9449 §7.1: the proof must be signed by the key the token is bound to.
  if (!crypto::ConstantTimeEquals(verified.jkt(), proof.jkt())) {
    return Fail(ErrorCode::kInvalidDpopProof, "DPoP proof key does not match the token binding");
  }
  return verified;
}

nlohmann::json TokenIssuer::Introspect(std::string_view token,
                                       std::optional<std::string_view> requesting_agent) const {
  auto verified = VerifyAccessToken(token);
  if (!verified || (requesting_agent && verified->agent() != *requesting_agent)) {
    return {{"active", false}};
  }
  nlohmann::json out = verified->claims();
  out["active"] = true;
  out["token_type"] = "DPoP";  // RFC 9449 §6.2
  return out;
}

bool TokenIssuer::Revoke(std::string_view token,
                         std::optional<std::string_view> requesting_agent) const {
  auto verified = VerifyAccessToken(token);
  if (!verified) return false;
  if (requesting_agent && verified->agent() != *requesting_agent) return false;
  return revocations_.RevokeJti(verified->jti());
}

bool TokenIssuer::RevokeJti(std::string_view jti) const { return revocations_.RevokeJti(jti); }

size_t TokenIssuer::RevokeAgent(std::string_view agent) const {
  return revocations_.RevokeAgent(agent);
}

Result<size_t> TokenIssuer::RemoveAgent(std::string_view agent) const {
  NOTME_TRY_VOID(agents_.Remove(agent));
  return revocations_.RevokeAgent(agent);
}

Result<std::vector<std::string>> TokenIssuer::ReloadAgents() const {
  const std::vector<Agent> before = agents_.List();
  NOTME_TRY_VOID(agents_.Reload());
  std::vector<std::string> removed;
  for (const Agent& agent : before) {
    if (!agents_.Get(agent.name)) {
      revocations_.RevokeAgent(agent.name);
      removed.push_back(agent.name);
    }
  }
  return removed;
}

Result<RevokeAllResult> TokenIssuer::RevokeAll() const {
  RevokeAllResult result;
  memo_->Clear();
  // Flags first: even if key generation fails below, no old token verifies again.
  result.revoked = revocations_.RevokeAll();
  NOTME_TRY(result.rotation, keys_.RevokeAllByRotation());
  return result;
}

}  // namespace notme::authority
