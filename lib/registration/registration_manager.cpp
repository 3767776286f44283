#include "registration/registration_manager.h"

#include "registration/service_calls.h"
#include "registration/service_response.h"

namespace notme::registration {
namespace {

std::string SecretNameFor(const std::string& registration) { return "reg-" + registration; }
std::string AssertionSecretNameFor(const std::string& registration) { return "reg-" + registration + ".assertion"; }

// An access token obtained from an identity_assertion is exchanged again when the service
// answers 401 this close to (or after) its expiry: the 401 is the expiry, not a revocation.
constexpr int64_t kRefreshSkewSeconds = 60;

// The route's upstream: the resource identifier without a trailing '/'.
std::string UpstreamFor(const ServiceUrl& resource) {
  std::string path = resource.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return resource.Origin() + path;
}

// The command that makes a registration again as it was made (what doctor shows too).
std::string ReregisterCommand(const RegistrationRecord& r) {
  std::string fix = "notme registration rm " + r.name + " && notme register " + r.url + " --agent " + r.agent +
                    " --name " + r.name;
  if (r.method != MethodName(Method::kAnonymous)) fix += " --method " + r.method + " --email " + r.email;
  if (r.allow_loopback) fix += " --allow-loopback";
  return fix;
}

nlohmann::json OptionalJson(const std::optional<int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

nlohmann::json RegistrationPreview::ToJson() const {
  const auto& prm = discovery.resource;
  const auto& aa = discovery.authorization_server.agent_auth;
  return {{"name", name},
          {"resource", prm.resource.ToString()},
          {"resource_name", prm.resource_name},
          {"resource_logo_uri", prm.resource_logo_uri},
          {"authorization_server", discovery.authorization_server.issuer.ToString()},
          {"register_uri", aa.register_uri.ToString()},
          {"scopes", prm.scopes_supported},
          {"method", MethodName(method)},
          {"credential_type", credential_type},
          {"needs_consent", method != Method::kAnonymous},
          {"asserted", asserted}};
}

RegistrationManager::RegistrationManager(RegistrationStore& store, keyring::Keyring& keyring,
                                         const IdJagProvider* provider, ServiceClient client,
                                         const Clock& clock, RegistrationHooks hooks,
                                         std::string human_subject)
    : store_(store), keyring_(keyring), provider_(provider), client_(std::move(client)), clock_(clock),
      hooks_(std::move(hooks)), human_subject_(std::move(human_subject)) {}

void RegistrationManager::Audit(std::string_view event, const std::string& agent, nlohmann::json fields) const {
  if (hooks_.audit) hooks_.audit(event, agent, std::move(fields));
}

Result<RegistrationPreview> RegistrationManager::Preview(const RegisterParams& p) const {
  if (hooks_.check_agent) NOTME_TRY_VOID(hooks_.check_agent(p.agent));
  if (!p.email.empty() && !IsPlausibleEmail(p.email)) {
    return Fail(ErrorCode::kInvalidArgument, "'" + p.email.substr(0, 64) + "' is not an email address");
  }
  RegistrationPreview out;
  NOTME_TRY(out.discovery, Discover(client_, p.url, PolicyFor(p.allow_loopback)));
  const AgentAuth& aa = out.discovery.authorization_server.agent_auth;
  NOTME_TRY(out.method, ChooseMethod(aa, p.method, !p.email.empty()));
  if (out.method == Method::kIdJag) {
    if (provider_ == nullptr) return Fail(ErrorCode::kUnsupported, "this daemon has no ID-JAG provider key");
    if (p.email.empty()) return Fail(ErrorCode::kInvalidArgument, "id-jag registration needs --email");
  }
  NOTME_TRY(out.credential_type, ChooseCredentialType(aa, out.method));
  out.name = p.name.empty() ? DefaultRegistrationName(p.agent, out.discovery.resource.resource.host) : p.name;
  if (!IsValidRegistrationName(out.name)) {
    return Fail(ErrorCode::kInvalidArgument, "registration names are [a-z0-9][a-z0-9_-]{0,63}");
  }
  out.asserted = nlohmann::json::object();
  if (out.method == Method::kEmail) {
    out.asserted = {{"email", p.email}};
  } else if (out.method == Method::kIdJag) {
    out.asserted = {{"iss", provider_->issuer()},
                    {"sub", human_subject_},
                    {"aud", out.discovery.resource.resource.ToString()},
                    {"email", p.email},
                    {"email_verified", true},
                    {"agent", p.agent}};
  }
  return out;
}

Result<void> RegistrationManager::StoreCredential(RegistrationRecord& record,
                                                  const crypto::SecretBytes& credential) {
  record.secret = SecretNameFor(record.name);
  NOTME_TRY(auto entry, keyring::SecretEntryName(record.secret));
  return keyring_.Store(entry, credential, "notme registration " + record.name);
}

Result<void> RegistrationManager::ExchangeAssertion(RegistrationRecord& record,
                                                    const AuthorizationServerMetadata& as,
                                                    const crypto::SecretBytes& assertion,
                                                    std::optional<int64_t> assertion_expires) {
  // Exchange first: nothing is stored unless the service hands out a token.
  NOTME_TRY(auto token, PostTokenExchange(client_, as, assertion, record.resource));
  NOTME_TRY_VOID(KeepAssertion(record, assertion, assertion_expires));
  NOTME_TRY_VOID(StoreCredential(record, token.access_token));
  record.credential_type = "access_token";
  record.credential_expires =
      token.expires_in ? std::optional<int64_t>(clock_.NowSeconds() + *token.expires_in) : assertion_expires;
  if (!token.scopes.empty()) record.scopes = token.scopes;
  return Ok();
}

Result<void> RegistrationManager::KeepAssertion(RegistrationRecord& record, const crypto::SecretBytes& assertion,
                                                std::optional<int64_t> assertion_expires) {
  record.assertion_secret = AssertionSecretNameFor(record.name);
  record.assertion_expires = assertion_expires;
  NOTME_TRY(auto entry, keyring::SecretEntryName(record.assertion_secret));
  return keyring_.Store(entry, assertion, "notme registration " + record.name + " (identity assertion)");
}

void RegistrationManager::WipeSecrets(const RegistrationRecord& record) {
  for (const std::string* name : {&record.secret, &record.assertion_secret}) {
    if (name->empty()) continue;
    if (auto entry = keyring::SecretEntryName(*name)) (void)keyring_.Remove(*entry);
  }
}

Result<void> RegistrationManager::CreateRoute(RegistrationRecord& record) {
  NOTME_TRY(auto resource, ParseServiceUrl(record.resource, PolicyFor(record.allow_loopback)));
  proxy::RouteSpec spec;
  spec.name = record.name;
  spec.upstream = UpstreamFor(resource);
  spec.secret = record.secret;
  spec.inject = "Authorization: Bearer {secret}";
  spec.allow_loopback = record.allow_loopback;
  NOTME_TRY(auto route, proxy::ValidateRouteSpec(spec, clock_.NowSeconds()));
  if (hooks_.add_route) NOTME_TRY_VOID(hooks_.add_route(route));
  if (hooks_.grant_scope) {
    if (auto r = hooks_.grant_scope(record.agent, route.scope); !r) {
      if (hooks_.remove_route) (void)hooks_.remove_route(route.name);
      return Fail(r.error());
    }
  }
  record.route = route.name;
  return Ok();
}

Result<RegistrationRecord> RegistrationManager::Register(const RegisterParams& p) {
  MutexLock ops(&ops_mu_);
  NOTME_TRY(auto preview, Preview(p));
  if (store_.Find(preview.name)) {
    return Fail(ErrorCode::kAlreadyExists, "a registration named '" + preview.name + "' exists (notme registration rm)");
  }
  if (preview.method != Method::kAnonymous && !p.consent) {
    return Fail(ErrorCode::kPermissionDenied, "asserting your identity needs your consent (confirm on the TTY or --yes)");
  }
  const Discovery& d = preview.discovery;
  RegistrationRequest request{.method = preview.method, .credential_type = preview.credential_type,
                              .email = p.email, .assertion = {}};
  const std::string audience = d.resource.resource.ToString();
  if (preview.method == Method::kIdJag) {
    NOTME_TRY_VOID(store_.AddConsent(p.agent, audience, clock_.NowSeconds()));
    NOTME_TRY(request.assertion, MintIdJag(p.agent, audience, p.email));
  }
  auto answer = PostRegistration(client_, d.authorization_server.agent_auth, request);
  WipeString(request.assertion);
  if (!answer) return Fail(answer.error());

  RegistrationRecord rec;
  rec.name = preview.name;
  rec.agent = p.agent;
  rec.url = d.requested.ToString();
  rec.resource = audience;
  rec.resource_name = d.resource.resource_name;
  rec.authorization_server = d.authorization_server.issuer.ToString();
  rec.method = std::string(MethodName(preview.method));
  rec.service_registration_id = answer->registration_id;
  rec.registration_type = answer->registration_type;
  rec.credential_type = answer->credential ? answer->credential_type : "";
  rec.credential_expires = answer->credential_expires;
  rec.claim_expires = answer->claim_token_expires;
  rec.scopes = answer->scopes;
  rec.post_claim_scopes = answer->post_claim_scopes;
  rec.email = preview.method == Method::kAnonymous ? "" : p.email;
  rec.allow_loopback = p.allow_loopback;
  rec.created_at = rec.updated_at = clock_.NowSeconds();
  const bool usable = answer->credential || answer->identity_assertion;
  rec.status = usable ? RegistrationStatus::kActive : RegistrationStatus::kPendingClaim;

  if (usable) {
    auto stored = answer->identity_assertion
                      ? ExchangeAssertion(rec, d.authorization_server, *answer->identity_assertion,
                                          answer->assertion_expires)
                      : StoreCredential(rec, *answer->credential);
    if (stored) stored = CreateRoute(rec);
    if (!stored) {
      WipeSecrets(rec);
      return Fail(stored.error());
    }
  }
  if (auto r = store_.Add(rec); !r) {
    if (!rec.route.empty() && hooks_.remove_route) (void)hooks_.remove_route(rec.route);
    WipeSecrets(rec);
    return Fail(r.error());
  }
  if (answer->claim_token) {
    MutexLock lock(&mu_);
    claim_tokens_.insert_or_assign(rec.name, std::move(*answer->claim_token));
  }
  Audit(kAuditRegistrationCreated, rec.agent,
        {{"registration", rec.name}, {"resource", rec.resource}, {"method", rec.method},
         {"registration_id", rec.service_registration_id}, {"registration_type", rec.registration_type}});
  if (preview.method == Method::kEmail) {
    Audit(kAuditClaimRequested, rec.agent, {{"registration", rec.name}, {"email", rec.email}});
  }
  return rec;
}

bool RegistrationManager::ClaimPending(const std::string& name) const {
  MutexLock lock(&mu_);
  return claim_tokens_.contains(name);
}

Result<RegistrationRecord> RegistrationManager::StartClaim(const std::string& name, const std::string& email) {
  MutexLock ops(&ops_mu_);
  auto rec = store_.Find(name);
  if (!rec) return Fail(ErrorCode::kNotFound, "no registration named '" + name + "'");
  if (rec->status == RegistrationStatus::kPendingClaim) {
    return Fail(ErrorCode::kInvalidArgument, "the service already emailed " + rec->email +
                                                 "; enter the code with `notme claim " + name + " --otp`");
  }
  if (rec->status == RegistrationStatus::kClaimed) return Fail(ErrorCode::kAlreadyExists, "already claimed");
  if (!IsPlausibleEmail(email)) return Fail(ErrorCode::kInvalidArgument, "not an email address");
  NOTME_TRY(auto d, Discover(client_, rec->url, PolicyFor(rec->allow_loopback)));
  {
    MutexLock lock(&mu_);
    auto it = claim_tokens_.find(name);
    if (it == claim_tokens_.end()) {
      return Fail(ErrorCode::kNotFound, "notme no longer holds this registration's claim token (the daemon "
                                        "restarted or the claim finished); register again to claim");
    }
    NOTME_TRY(auto started, PostClaimStart(client_, d.authorization_server.agent_auth, it->second, email));
    (void)started;
  }
  rec->email = email;
  rec->updated_at = clock_.NowSeconds();
  NOTME_TRY_VOID(store_.Update(*rec));
  Audit(kAuditClaimRequested, rec->agent, {{"registration", name}, {"email", email}});
  return *rec;
}

Result<RegistrationRecord> RegistrationManager::CompleteClaim(const std::string& name,
                                                              const crypto::SecretBytes& otp) {
  MutexLock ops(&ops_mu_);
  auto rec = store_.Find(name);
  if (!rec) return Fail(ErrorCode::kNotFound, "no registration named '" + name + "'");
  NOTME_TRY(auto d, Discover(client_, rec->url, PolicyFor(rec->allow_loopback)));
  std::optional<ClaimCompleteResponse> done;
  {
    MutexLock lock(&mu_);
    auto it = claim_tokens_.find(name);
    if (it == claim_tokens_.end()) {
      return Fail(ErrorCode::kNotFound, "notme holds no claim in progress for '" + name + "'");
    }
    NOTME_TRY(auto answer, PostClaimComplete(client_, d.authorization_server.agent_auth, it->second, otp));
    done.emplace(std::move(answer));
  }
  if (done->identity_assertion) {
    if (auto r = ExchangeAssertion(*rec, d.authorization_server, *done->identity_assertion,
                                   done->assertion_expires);
        !r) {
      // The service has confirmed the claim and will not repeat it: keep the assertion so
      // the exchange can be retried (Refresh) instead of stranding the registration.
      NOTME_TRY_VOID(KeepAssertion(*rec, *done->identity_assertion, done->assertion_expires));
      rec->status = RegistrationStatus::kClaimed;
      rec->updated_at = clock_.NowSeconds();
      NOTME_TRY_VOID(store_.Update(*rec));
      {
        MutexLock lock(&mu_);
        claim_tokens_.erase(name);
      }
      Audit(kAuditClaimConfirmed, rec->agent, {{"registration", name}, {"registration_id", done->registration_id}});
      return Fail(r.error().code(), "the claim is confirmed but the token exchange failed (" + r.error().message() +
                                        "); retry with `notme registration refresh " + name + "`");
    }
    if (rec->route.empty()) NOTME_TRY_VOID(CreateRoute(*rec));
  } else if (done->credential) {
    NOTME_TRY_VOID(StoreCredential(*rec, *done->credential));
    rec->credential_type = done->credential_type;
    rec->credential_expires = done->credential_expires;
    if (rec->route.empty()) NOTME_TRY_VOID(CreateRoute(*rec));
  } else if (rec->secret.empty()) {
    return Fail(ErrorCode::kUpstream, "the service confirmed the claim but sent no credential");
  }
  if (!done->scopes.empty()) {
    rec->scopes = done->scopes;
  } else if (!rec->post_claim_scopes.empty()) {
    rec->scopes = rec->post_claim_scopes;  // upgraded in place (AUTH.md "4c")
  }
  rec->status = RegistrationStatus::kClaimed;
  rec->updated_at = clock_.NowSeconds();
  NOTME_TRY_VOID(store_.Update(*rec));
  {
    MutexLock lock(&mu_);
    claim_tokens_.erase(name);  // AUTH.md: the claim token does not outlive the ceremony
  }
  Audit(kAuditClaimConfirmed, rec->agent, {{"registration", name}, {"registration_id", done->registration_id}});
  return *rec;
}

Result<void> RegistrationManager::Remove(const std::string& name) {
  MutexLock ops(&ops_mu_);
  auto rec = store_.Find(name);
  if (!rec) return Fail(ErrorCode::kNotFound, "no registration named '" + name + "'");
  if (!rec->route.empty() && hooks_.remove_route) {
    if (auto r = hooks_.remove_route(rec->route); !r && r.error().code() != ErrorCode::kNotFound) return r;
  }
  for (const std::string* secret : {&rec->secret, &rec->assertion_secret}) {
    if (secret->empty()) continue;
    NOTME_TRY(auto entry, keyring::SecretEntryName(*secret));
    if (auto r = keyring_.Remove(entry); !r && r.error().code() != ErrorCode::kNotFound) return r;
  }
  if (rec->method == MethodName(Method::kIdJag)) NOTME_TRY_VOID(store_.RemoveConsent(rec->agent, rec->resource));
  {
    MutexLock lock(&mu_);
    claim_tokens_.erase(name);
  }
  NOTME_TRY_VOID(store_.Remove(name));
  Audit(kAuditRegistrationRemoved, rec->agent, {{"registration", name}, {"resource", rec->resource}});
  return Ok();
}

Result<RegistrationRecord> RegistrationManager::Refresh(const std::string& name) {
  MutexLock ops(&ops_mu_);
  auto rec = store_.Find(name);
  if (!rec) return Fail(ErrorCode::kNotFound, "no registration named '" + name + "'");
  return RefreshLocked(std::move(*rec));
}

Result<RegistrationRecord> RegistrationManager::RefreshLocked(RegistrationRecord rec) {
  if (rec.assertion_secret.empty()) {
    return Fail(ErrorCode::kUnsupported, "registration '" + rec.name +
                                             "' holds no identity assertion to exchange; register again");
  }
  if (rec.assertion_expires && *rec.assertion_expires <= clock_.NowSeconds()) {
    return Fail(ErrorCode::kExpired, "the identity assertion of '" + rec.name + "' expired; register again");
  }
  NOTME_TRY(auto d, Discover(client_, rec.url, PolicyFor(rec.allow_loopback)));
  NOTME_TRY(auto entry, keyring::SecretEntryName(rec.assertion_secret));
  NOTME_TRY(auto assertion, keyring_.Lookup(entry));
  NOTME_TRY_VOID(ExchangeAssertion(rec, d.authorization_server, assertion, rec.assertion_expires));
  if (rec.route.empty()) NOTME_TRY_VOID(CreateRoute(rec));  // a claim whose first exchange failed
  if (rec.status == RegistrationStatus::kRevoked) rec.status = RegistrationStatus::kActive;
  rec.updated_at = clock_.NowSeconds();
  NOTME_TRY_VOID(store_.Update(rec));
  Audit(kAuditRegistrationRefreshed, rec.agent,
        {{"registration", rec.name}, {"resource", rec.resource}, {"credential_expires", OptionalJson(rec.credential_expires)}});
  return rec;
}

void RegistrationManager::NoteProxyStatus(const std::string& route, int status) {
  if (status != 401) return;
  auto rec = store_.FindByRoute(route);
  if (!rec || rec->status == RegistrationStatus::kRevoked) return;
  if (!rec->assertion_secret.empty() && rec->credential_expires &&
      *rec->credential_expires <= clock_.NowSeconds() + kRefreshSkewSeconds) {
    // The access token ran out: the service-signed assertion is exchanged again
    // (agent-services guide, "/oauth2/token"), once per expiry.
    MutexLock ops(&ops_mu_);
    auto now = store_.FindByRoute(route);
    if (!now || now->status == RegistrationStatus::kRevoked) return;
    if (now->credential_expires && *now->credential_expires > clock_.NowSeconds() + kRefreshSkewSeconds) return;
    auto refreshed = RefreshLocked(*now);
    if (refreshed) return;
    rec = std::move(now);
  }
  rec->status = RegistrationStatus::kRevoked;
  rec->updated_at = clock_.NowSeconds();
  (void)store_.Update(*rec);
  Audit(kAuditRegistrationRevoked, rec->agent,
        {{"registration", rec->name},
         {"resource", rec->resource},
         {"reason", rec->assertion_secret.empty() ? "the service answered 401 through the route"
                                                  : "401 and the identity assertion could not be exchanged again"},
         {"fix", ReregisterCommand(*rec)}});
}

Result<std::string> RegistrationManager::MintIdJag(const std::string& agent, const std::string& audience,
                                                   const std::string& email) const {
  if (provider_ == nullptr) return Fail(ErrorCode::kUnsupported, "this daemon has no ID-JAG provider key");
  if (!store_.HasConsent(agent, audience)) {
    return Fail(ErrorCode::kPermissionDenied, "the human has not consented to assert their identity to '" +
                                                  audience + "' for agent '" + agent + "'");
  }
  NOTME_TRY(auto jwt, provider_->Mint(IdJagSubject{.subject = human_subject_, .email = email, .agent = agent,
                                                   .audience = audience, .lifetime = kMaxIdJagLifetime}));
  Audit(kAuditIdJagMinted, agent, {{"aud", audience}, {"iss", provider_->issuer()}});
  return jwt;
}

}  // namespace notme::registration
