#pragma once
// RegistrationManager: the daemon side of agentic registration (docs/registration.md).
// The human (control socket) asks; the daemon discovers, registers, keeps the credential
// in the keyring and creates the agent's proxy route — the credential never reaches the
// agent, the CLI, a log, a file or a response.
//
//   Preview   discovery + the method notme would use + exactly what would be asserted
//             (what `notme register` shows before asking for consent);
//   Register  anonymous / email / id-jag; consent is required for email and id-jag;
//             a credential goes to keyring secret "reg-<name>" and a route "<name>" with
//             "Authorization: Bearer {secret}" is created for the agent; a claim token is
//             held in this process's memory only (AUTH.md: never persisted);
//   StartClaim / CompleteClaim  the OTP ceremony; a credential returned on completion
//             is stored (replacing any previous one in place);
//   Remove    wipes the credential, the route, the consent and the record;
//   Refresh   services answering with a service-signed identity_assertion (agent-services
//             guide): the assertion is kept as keyring secret "reg-<name>.assertion" and
//             exchanged at the token endpoint (RFC 7523) for the route's access token;
//             Refresh exchanges it again until it expires;
//   NoteProxyStatus  a 401 from the service through the route marks it revoked — unless
//             the access token came from an assertion and has (nearly) expired: then it
//             is refreshed once, and only a failed refresh revokes;
//   MintIdJag an ID-JAG for an audience the human consented to, else kPermissionDenied.
// Audit events: registration.created, claim.requested, claim.confirmed,
// registration.revoked, registration.removed, registration.refreshed, idjag.minted
// (never a secret).
//
// Thread-safe: operations that change a registration are serialised (ops_mu_); the
// store, keyring and hooks are thread-safe themselves. Everything passed to the
// constructor must outlive the manager.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "crypto/secret_bytes.h"
#include "keyring/keyring.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "proxy/route.h"
#include "registration/discovery.h"
#include "registration/idjag_provider.h"
#include "registration/method.h"
#include "registration/registration_store.h"
#include "registration/service_client.h"

namespace notme::registration {

inline constexpr std::string_view kAuditRegistrationCreated = "registration.created";
inline constexpr std::string_view kAuditClaimRequested = "claim.requested";
inline constexpr std::string_view kAuditClaimConfirmed = "claim.confirmed";
inline constexpr std::string_view kAuditRegistrationRevoked = "registration.revoked";
inline constexpr std::string_view kAuditRegistrationRemoved = "registration.removed";
inline constexpr std::string_view kAuditIdJagMinted = "idjag.minted";
inline constexpr std::string_view kAuditRegistrationRefreshed = "registration.refreshed";

// How the manager reaches the rest of the daemon.
struct RegistrationHooks {
  // kNotFound when the agent is not registered.
  std::function<Result<void>(const std::string& agent)> check_agent;
  std::function<Result<void>(const proxy::Route& route)> add_route;
  std::function<Result<void>(const std::string& route)> remove_route;  // kNotFound tolerated
  // Lets `agent` use the route's scope ("route:<name>"); may be empty when agents
  // already hold it.
  std::function<Result<void>(const std::string& agent, const std::string& scope)> grant_scope;
  std::function<void(std::string_view event, const std::string& agent, nlohmann::json fields)> audit;
};

struct RegisterParams {
  std::string url;
  std::string agent;
  std::optional<Method> method;  // nullopt: ChooseMethod decides
  std::string email;             // email / id-jag: the human's address
  bool consent = false;          // the human confirmed what Preview showed
  bool allow_loopback = false;   // plain http to loopback (tests, local services)
  std::string name;              // "" = DefaultRegistrationName
};

struct RegistrationPreview {
  Discovery discovery;
  Method method = Method::kAnonymous;
  std::string credential_type;
  std::string name;
  nlohmann::json asserted;  // the claims the service will learn about the human ({} anonymous)
  nlohmann::json ToJson() const;
};

class RegistrationManager {
 public:
  // `provider` may be null (then id-jag is refused). `human_subject` is the stable id
  // put in ID-JAG `sub`.
  RegistrationManager(RegistrationStore& store, keyring::Keyring& keyring, const IdJagProvider* provider,
                      ServiceClient client, const Clock& clock, RegistrationHooks hooks,
                      std::string human_subject);

  Result<RegistrationPreview> Preview(const RegisterParams& params) const;
  // Errors: kPermissionDenied (consent missing), kAlreadyExists, the discovery, service
  // and keyring errors. Nothing is left behind on failure.
  Result<RegistrationRecord> Register(const RegisterParams& params) EXCLUDES(ops_mu_, mu_);
  Result<RegistrationRecord> StartClaim(const std::string& name, const std::string& email)
      EXCLUDES(ops_mu_, mu_);
  Result<RegistrationRecord> CompleteClaim(const std::string& name, const crypto::SecretBytes& otp)
      EXCLUDES(ops_mu_, mu_);
  Result<void> Remove(const std::string& name) EXCLUDES(ops_mu_, mu_);
  std::vector<RegistrationRecord> List() const { return store_.List(); }
  // True when a claim token for `name` is held in memory.
  bool ClaimPending(const std::string& name) const EXCLUDES(mu_);
  // Exchanges the stored identity assertion for a fresh access token (in place; a revoked
  // registration becomes active). Errors: kNotFound, kUnsupported (the registration holds
  // no assertion), kExpired (the assertion expired: register again), discovery, service
  // (invalid_grant...) and keyring errors.
  Result<RegistrationRecord> Refresh(const std::string& name) EXCLUDES(ops_mu_, mu_);
  // Called for every proxied response; a 401 on a registration's route revokes it (see
  // the class comment for the refresh of an expired access token). May block on the
  // service for a refresh.
  void NoteProxyStatus(const std::string& route, int status) EXCLUDES(ops_mu_, mu_);
  // Errors: kPermissionDenied (no consent for this agent and audience), kUnsupported
  // (no provider), the provider's.
  Result<std::string> MintIdJag(const std::string& agent, const std::string& audience,
                                const std::string& email) const;

 private:
  Result<void> StoreCredential(RegistrationRecord& record, const crypto::SecretBytes& credential);
  Result<void> CreateRoute(RegistrationRecord& record);
  // Exchanges `assertion` at the token endpoint, then stores it and the access token.
  Result<void> ExchangeAssertion(RegistrationRecord& record, const AuthorizationServerMetadata& as,
                                 const crypto::SecretBytes& assertion, std::optional<int64_t> assertion_expires);
  // Stores `assertion` as the record's "reg-<name>.assertion" keyring secret.
  Result<void> KeepAssertion(RegistrationRecord& record, const crypto::SecretBytes& assertion,
                             std::optional<int64_t> assertion_expires);
  // Removes the record's keyring secrets (errors ignored: cleanup after a failure).
  void WipeSecrets(const RegistrationRecord& record);
  Result<RegistrationRecord> RefreshLocked(RegistrationRecord record) REQUIRES(ops_mu_);
  UrlPolicy PolicyFor(bool allow_loopback) const { return UrlPolicy{.allow_loopback_http = allow_loopback}; }
  void Audit(std::string_view event, const std::string& agent, nlohmann::json fields) const;

  RegistrationStore& store_;
  keyring::Keyring& keyring_;
  const IdJagProvider* provider_;
  ServiceClient client_;
  const Clock& clock_;
  RegistrationHooks hooks_;
  std::string human_subject_;

  Mutex ops_mu_ ACQUIRED_BEFORE(mu_);
  mutable Mutex mu_;
  std::map<std::string, crypto::SecretBytes> claim_tokens_ GUARDED_BY(mu_);
};

}  // namespace notme::registration
