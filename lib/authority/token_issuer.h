#pragma once
// TokenIssuer: mints and checks notme's access tokens (issue 3, CONTRACT.md "Access
// tokens"; claims and their rationale in docs/authority.md).
//
// A token is a JWS {"typ":"at+jwt","alg":"EdDSA","kid"} over exactly these claims:
//   iss        the issuer URL
//   sub        the human the agent acts for (RFC 8693 §4.1: the principal)
//   act        {"sub":"agent:<name>"} — the acting party (RFC 8693 §4.1)
//   client_id  the agent's name (RFC 9068 §2.2, RFC 8693 §4.3)
//   aud        the `resource` asked for, or kDefaultAudience = the issuer URL
//   scope      space-separated granted scopes (RFC 9068 §2.2.3)
//   iat, nbf   now;  exp = iat + 300
//   jti        128 random bits, base64url
//   cnf.jkt    RFC 7638 thumbprint of the DPoP proof key (RFC 9449 §6.1)
//
// Authorization code gets only verified types: Mint takes a jose::VerifiedDpopProof, and
// VerifyAccessToken/AuthorizeRequest return a VerifiedAccessToken only TokenIssuer can
// construct. Every error a caller maps to HTTP comes from the closed set documented per
// function (see error_mapping.h).
//
// Tokens it minted are remembered by digest for their lifetime (MintedTokenMemo, at most
// 128), so that verifying one of its own tokens skips re-verifying the signature; every
// other check still runs (minted_token_memo.h says why that is sound).
//
// Thread-safe: its only mutable state, the memo, is; the key ring, registry and
// revocation list it references are thread-safe and, like the Clock, must outlive it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "authority/agent_registry.h"
#include "authority/revocation.h"
#include "authority/signing_keys.h"
#include "base/clock.h"
#include "jose/dpop.h"
#include "jose/jwt.h"
#include "notme/result.h"

namespace notme::authority {

inline constexpr std::string_view kAccessTokenTyp = "at+jwt";
// Prefix of act.sub: "agent:<name>".
inline constexpr std::string_view kAgentSubjectPrefix = "agent:";
inline constexpr size_t kMaxHumanIdentityLength = 256;

struct TokenIssuerOptions {
  // The `iss` value and the default audience, e.g. "http://notme.localhost".
  std::string issuer;
  // The human the daemon's agents act for (the `sub` of every token), e.g.
  // "user:alice@laptop" or a git email. 1..256 printable ASCII characters.
  std::string human;
  // Clock skew tolerated when verifying (clamped by jose to kMaxSkewSeconds).
  int64_t max_skew_seconds = 60;
};

// A `/token` request after the server has parsed the form and validated the DPoP proof
// (jose::DpopValidator, htm "POST", htu = the token endpoint, no access token).
struct TokenRequest {
  std::string agent;                    // client_id (implied by an agent socket)
  std::string scope;                    // raw `scope` parameter; empty = all the agent's
  std::optional<std::string> resource;  // one RFC 8707 `resource`, if given
  jose::VerifiedDpopProof proof;
};

struct IssuedToken {
  std::string access_token;
  std::string jti;
  std::string kid;
  std::string agent;
  std::string scope;     // granted, space-separated
  std::string audience;  // the aud value
  std::string jkt;
  int64_t iat = 0;
  int64_t exp = 0;

  // The RFC 6749 §5.1 / RFC 9449 §5 success body: {"access_token","token_type":"DPoP",
  // "expires_in":300,"scope"}.
  std::string ResponseBody() const;
};

// A token that verified and is not revoked. Only TokenIssuer creates one.
class VerifiedAccessToken {
 public:
  const std::string& agent() const { return agent_; }  // client_id
  const std::string& human() const { return human_; }  // sub
  const std::vector<std::string>& scopes() const { return scopes_; }
  bool HasScope(std::string_view scope) const;
  const std::vector<std::string>& audiences() const { return audiences_; }
  const std::string& jti() const { return jti_; }
  const std::string& kid() const { return kid_; }
  const std::string& jkt() const { return jkt_; }  // cnf.jkt
  int64_t iat() const { return iat_; }
  int64_t exp() const { return exp_; }
  // The verified claim set, as signed.
  const nlohmann::json& claims() const { return claims_; }

 private:
  friend class TokenIssuer;
  VerifiedAccessToken() = default;
  std::string agent_, human_, jti_, kid_, jkt_;
  std::vector<std::string> scopes_, audiences_;
  int64_t iat_ = 0, exp_ = 0;
  nlohmann::json claims_;
};

struct RevokeAllResult {
  size_t revoked = 0;  // live tokens that were revoked
  RotationResult rotation;
};

class MintedTokenMemo;

class TokenIssuer {
 public:
  ~TokenIssuer();

  // Errors: kInvalidArgument when the issuer is not an absolute http(s) URL or the human
  // identity is empty, too long or not printable ASCII.
  static Result<std::unique_ptr<TokenIssuer>> Create(TokenIssuerOptions options,
                                                     SigningKeyRing& keys,
                                                     AgentRegistry& agents,
                                                     RevocationList& revocations,
                                                     const Clock& clock);

  // The audience of tokens minted without `resource`: the daemon itself (the issuer).
  const std::string& default_audience() const { return options_.issuer; }
  const std::string& issuer() const { return options_.issuer; }
  const std::string& human() const { return options_.human; }

  // Mints a token for request.agent bound to request.proof's key, and records it.
  // Errors: kInvalidClient (unknown agent), kInvalidScope (malformed scope parameter, or
  // a scope the agent is not allowed), kInvalidTarget (resource not an absolute URI or
  // not one of the agent's audiences), kUnavailable (too many live tokens), kInternal.
  Result<IssuedToken> Mint(const TokenRequest& request) const;

  // `POST /v1/tokens` (control socket only): the human mints a token for `agent` bound to
  // a key the caller holds, named by its RFC 7638 SHA-256 thumbprint `jkt` (cf. RFC 9449
  // §10 dpop_jkt) instead of a proof. Same rules and record as Mint.
  // Errors: kInvalidRequest when jkt is not 43 base64url characters (32 bytes), then
  // those of Mint.
  Result<IssuedToken> MintForThumbprint(std::string_view agent, std::string_view scope,
                                        const std::optional<std::string>& resource,
                                        std::string_view jkt) const;

  // Verifies a token: signature with a live key of the ring (unknown or rotated-away kid
  // fails), typ at+jwt, iss, exp (and nbf/iat with skew), the claims notme always sets,
  // the agent still registered, and not revoked. Does not check aud (introspection must
  // answer for every audience). Errors: kInvalidToken, whatever the reason (the message
  // says which check failed).
  Result<VerifiedAccessToken> VerifyAccessToken(std::string_view token) const;

  // For a request to a protected resource: VerifyAccessToken, then `audience` (default:
  // the daemon, default_audience()) must be among the token's aud values (kInvalidToken),
  // and the proof's key thumbprint must equal cnf.jkt, compared in constant time
  // (kInvalidDpopProof; RFC 9449 §7.1). `proof` must have been validated with this
  // access token (so its `ath` was checked) and this request's method and URL.
  Result<VerifiedAccessToken> AuthorizeRequest(
      std::string_view token, const jose::VerifiedDpopProof& proof,
      std::optional<std::string_view> audience = std::nullopt) const;

  // RFC 7662 §2.2 answer. Active tokens give {"active":true,"iss","sub","act",
  // "client_id","aud","scope","iat","nbf","exp","jti","token_type":"DPoP","cnf"}. Any
  // invalid, expired or revoked token — or, when `requesting_agent` is set (an agent
  // socket), another agent's token — gives {"active":false}.
  nlohmann::json Introspect(std::string_view token,
                            std::optional<std::string_view> requesting_agent) const;

  // RFC 7009: revokes a valid token (only the requesting agent's own when
  // `requesting_agent` is set). Returns whether a live token was revoked; invalid, foreign
  // or already dead tokens are silently ignored (§2.2: the answer is 200 either way).
  bool Revoke(std::string_view token, std::optional<std::string_view> requesting_agent) const;
  // Management (`POST /v1/revoke`). Each returns how many live tokens died.
  bool RevokeJti(std::string_view jti) const;
  size_t RevokeAgent(std::string_view agent) const;
  // Unregisters an agent and revokes its live tokens, so re-adding the name later cannot
  // revive them (`DELETE /v1/agents/NAME`). Returns how many live tokens died.
  // Errors: those of AgentRegistry::Remove (kNotFound, kConfig, kIo...).
  Result<size_t> RemoveAgent(std::string_view agent) const;
  // AgentRegistry::Reload (SIGHUP), then revokes the tokens of every agent the new file no
  // longer lists. Returns those agents' names (for closing their sockets and auditing).
  // Errors: those of Reload — the old policy stays in force. Tokens of agents that
  // remain keep their granted scopes until they expire (at most 300 s).
  Result<std::vector<std::string>> ReloadAgents() const;
  // Revokes every token and rotates the signing key at once (RevokeAllByRotation).
  // Errors: kInternal if the new key cannot be made; every old token is revoked anyway.
  Result<RevokeAllResult> RevokeAll() const;

 private:
  TokenIssuer(TokenIssuerOptions options, SigningKeyRing& keys, AgentRegistry& agents,
              RevocationList& revocations, const Clock& clock);
  Result<IssuedToken> MintBound(std::string_view agent_name, std::string_view scope,
                                const std::optional<std::string>& resource,
                                std::string jkt) const;
  Result<std::string> ResolveAudience(const Agent& agent,
                                      const std::optional<std::string>& resource) const;

  const TokenIssuerOptions options_;
  SigningKeyRing& keys_;
  AgentRegistry& agents_;
  RevocationList& revocations_;
  const Clock& clock_;
  const jose::ClaimsValidator validator_;
  const std::unique_ptr<MintedTokenMemo> memo_;
};

}  // namespace notme::authority
