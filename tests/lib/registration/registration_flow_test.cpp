// End to end against the loopback test service (tests/integration/registration_service.py):
// discovery, the three registration flows, the claim ceremony, the agent's first call
// through the real proxy, revocation on 401, and the hostile answers.

#include <doctest/doctest.h>

#include <unistd.h>

#include <httplib.h>

#include <mutex>
#include <thread>

#include "base/clock.h"
#include "keyring/ephemeral_keyring.h"
#include "proxy/proxy_endpoints.h"
#include "proxy/proxy_service.h"
#include "proxy/route_store.h"
#include "registration/discovery.h"
#include "registration/idjag_provider.h"
#include "registration/registration_manager.h"
#include "registration/service_calls.h"
#include "server/http_server.h"
#include "server/tcp_listener.h"
#include "test_service.h"

using namespace notme;
using namespace notme::registration;
using notme::testing::RegistrationServiceProcess;
using notme::testing::TempDir;

namespace {

const UrlPolicy kLoopback{.allow_loopback_http = true};

crypto::SecretBytes Secret(const std::string& s) {
  return crypto::SecretBytes::CopyFrom(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size())).value();
}

struct Fixture {
  explicit Fixture(std::vector<std::string> service_args = {}, bool trust_notme = true) {
    jwks_port = jwks_server.bind_to_any_port("127.0.0.1");
    issuer = "http://127.0.0.1:" + std::to_string(jwks_port);
    provider = IdJagProvider::Open(keyring, issuer, clock).value();
    jwks_server.Get("/.well-known/jwks.json", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(provider->Jwks().dump(), "application/json");
    });
    jwks_thread = std::thread([this] { jwks_server.listen_after_bind(); });
    if (trust_notme) {
      service_args.insert(service_args.end(), {"--trust-jwks", IdJagJwksUri(issuer), "--trust-issuer", issuer});
    }
    service = std::make_unique<RegistrationServiceProcess>(service_args);
    REQUIRE(service->port > 0);
    routes = proxy::RouteStore::Open(config.path).value();
    store = RegistrationStore::Open(config.path).value();
    RegistrationHooks hooks;
    hooks.check_agent = [](const std::string& agent) -> Result<void> {
      if (agent != "claude") return Fail(ErrorCode::kNotFound, "no agent");
      return Ok();
    };
    hooks.add_route = [this](const proxy::Route& r) { return routes->Add(r); };
    hooks.remove_route = [this](const std::string& n) { return routes->Remove(n); };
    hooks.grant_scope = [this](const std::string&, const std::string& scope) -> Result<void> {
      std::lock_guard lock(mu);
      agent_scopes.push_back(scope);
      return Ok();
    };
    hooks.audit = [this](std::string_view event, const std::string&, nlohmann::json fields) {
      std::lock_guard lock(mu);
      events.emplace_back(event);
      event_fields.push_back(std::move(fields));
    };
    manager = std::make_unique<RegistrationManager>(*store, keyring, provider.get(), ServiceClient{}, clock,
                                                    std::move(hooks), "human:test");
    proxy_service = std::make_unique<proxy::ProxyService>(
        *routes,
        [this](const std::string& name) -> Result<crypto::SecretBytes> {
          NOTME_TRY(auto entry, keyring::SecretEntryName(name));
          return keyring.Lookup(entry);
        },
        [this](const proxy::ProxyAuditRecord& r) { manager->NoteProxyStatus(r.route, r.status); },
        proxy::ForwarderOptions{});
    proxy::RegisterProxyEndpoints(front, *proxy_service, [this](const server::Request&) -> Result<proxy::ProxyCaller> {
      std::lock_guard lock(mu);
      return proxy::ProxyCaller{"claude", false, agent_scopes, false};
    });
    auto bound = server::ListenTcpLoopback({"127.0.0.1", 0});
    REQUIRE(bound.has_value());
    front_port = server::BoundPort(bound->fd.get()).value();
    REQUIRE(front.Start(std::move(*bound)).has_value());
    // stop() before the listen loop started would be lost and join() would hang.
    for (int i = 0; i < 500 && !jwks_server.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~Fixture() {
    front.Stop();
    jwks_server.stop();
    jwks_thread.join();
  }

  RegisterParams Params(std::optional<Method> method, std::string email = "") const {
    return RegisterParams{.url = service->base() + "/api/things", .agent = "claude", .method = method,
                          .email = std::move(email), .consent = true, .allow_loopback = true, .name = ""};
  }
  // The agent's call through the proxy (it never sees the credential).
  httplib::Result AgentGet(const std::string& route, const std::string& path) {
    httplib::Client c("127.0.0.1", front_port);
    c.set_read_timeout(std::chrono::seconds(10));
    return c.Get(("/r/" + route + path).c_str());
  }
  void ServicePost(const std::string& path) {
    httplib::Client c("127.0.0.1", service->port);
    REQUIRE(c.Post(path.c_str(), "{}", "application/json"));
  }
  int ServiceExchanges() {
    httplib::Client c("127.0.0.1", service->port);
    auto res = c.Post("/_test/stats", "{}", "application/json");
    REQUIRE(res);
    return nlohmann::json::parse(res->body)["exchanges"].get<int>();
  }
  bool WaitForEvent(std::string_view e) {
    for (int i = 0; i < 200 && !HasEvent(e); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return HasEvent(e);
  }
  bool HasEvent(std::string_view e) {
    std::lock_guard lock(mu);
    return std::find(events.begin(), events.end(), e) != events.end();
  }
  size_t KeyringSecrets() {
    auto list = keyring.List().value();
    return static_cast<size_t>(std::count_if(list.begin(), list.end(),
                                             [](const auto& i) { return i.kind == keyring::Kind::kSecret; }));
  }

  // The service runs on real time (it checks exp), so the manager does too.
  const Clock& clock = SystemClock::Instance();
  TempDir config;
  keyring::EphemeralKeyring keyring{clock};
  httplib::Server jwks_server;
  int jwks_port = 0;
  std::thread jwks_thread;
  std::string issuer;
  std::unique_ptr<IdJagProvider> provider;
  std::unique_ptr<RegistrationServiceProcess> service;
  std::unique_ptr<proxy::RouteStore> routes;
  std::unique_ptr<RegistrationStore> store;
  std::unique_ptr<RegistrationManager> manager;
  std::unique_ptr<proxy::ProxyService> proxy_service;
  server::WorkerPool front_pool{server::WorkerPool::Options{64, 1, std::chrono::milliseconds(1000)}};
  server::UnixHttpServer front{server::SocketIdentity::Loopback(), ::getuid(), front_pool,
                               server::ServerLimits{}, nullptr};
  int front_port = 0;
  std::mutex mu;
  std::vector<std::string> agent_scopes;
  std::vector<std::string> events;
  std::vector<nlohmann::json> event_fields;
};

}  // namespace

TEST_SUITE("RegistrationFlow") {
  TEST_CASE("discovery follows the 401 challenge to the agent_auth block") {
    Fixture f;
    auto d = Discover(ServiceClient{}, f.service->base() + "/api/things", kLoopback);
    REQUIRE(d);
    CHECK(d->resource.resource_name == "Test Service");
    CHECK(d->authorization_server.agent_auth.SupportsAnonymous());
    CHECK(d->authorization_server.agent_auth.register_uri.path == "/agent/auth");
  }

  TEST_CASE("discovery of the resource root uses the well-known document") {
    Fixture f;
    CHECK(Discover(ServiceClient{}, f.service->base() + "/", kLoopback));
  }

  TEST_CASE("plain http discovery is refused without the loopback allowance") {
    Fixture f;
    CHECK_FALSE(Discover(ServiceClient{}, f.service->base() + "/api/things", UrlPolicy{}));
  }

  TEST_CASE("anonymous registration stores the credential and the agent's first call works") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE_MESSAGE(rec, rec.error().ToString());
    CHECK(rec->status == RegistrationStatus::kActive);
    CHECK(rec->route == rec->name);
    CHECK(f.KeyringSecrets() == 1);
    CHECK(f.manager->ClaimPending(rec->name));
    CHECK(f.HasEvent(kAuditRegistrationCreated));
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("\"ok\": true") != std::string::npos);
    // The record on disk holds no credential.
    std::string text = notme::testing::ReadFile(f.config.path / "registrations.json");
    CHECK(text.find("sk_test_") == std::string::npos);
    CHECK(text.find("clm_") == std::string::npos);
  }

  TEST_CASE("an anonymous registration is claimed with the emailed code and upgraded in place") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(std::nullopt));
    REQUIRE(rec);
    CHECK(rec->method == "anonymous");
    REQUIRE(f.manager->StartClaim(rec->name, "human@example.com"));
    CHECK(f.HasEvent(kAuditClaimRequested));
    auto done = f.manager->CompleteClaim(rec->name, Secret(f.service->LastOtp()));
    REQUIRE_MESSAGE(done, done.error().ToString());
    CHECK(done->status == RegistrationStatus::kClaimed);
    CHECK(done->scopes == std::vector<std::string>{"api.read", "api.write"});
    CHECK_FALSE(f.manager->ClaimPending(rec->name));
    CHECK(f.HasEvent(kAuditClaimConfirmed));
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("api.write") != std::string::npos);
  }

  TEST_CASE("email registration has no credential until the code is confirmed") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kEmail, "human@example.com"));
    REQUIRE_MESSAGE(rec, rec.error().ToString());
    CHECK(rec->status == RegistrationStatus::kPendingClaim);
    CHECK(rec->route.empty());
    CHECK(f.KeyringSecrets() == 0);
    auto done = f.manager->CompleteClaim(rec->name, Secret(f.service->LastOtp()));
    REQUIRE_MESSAGE(done, done.error().ToString());
    CHECK(f.KeyringSecrets() == 1);
    auto res = f.AgentGet(done->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("human@example.com") != std::string::npos);
  }

  TEST_CASE("a wrong code is reported in plain words and the claim stays open") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kEmail, "human@example.com"));
    REQUIRE(rec);
    std::string otp = f.service->LastOtp();
    std::string wrong = otp == "000000" ? "111111" : "000000";
    auto r = f.manager->CompleteClaim(rec->name, Secret(wrong));
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("did not match") != std::string::npos);
    CHECK(f.manager->ClaimPending(rec->name));
    CHECK(f.manager->CompleteClaim(rec->name, Secret(otp)));
  }

  TEST_CASE("an expired code is refused") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kEmail, "human@example.com"));
    REQUIRE(rec);
    f.ServicePost("/_test/expire_otps");
    auto r = f.manager->CompleteClaim(rec->name, Secret(f.service->LastOtp()));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kExpired);
    CHECK(r.error().message().find("otp_expired") != std::string::npos);
    CHECK(f.KeyringSecrets() == 0);
  }

  TEST_CASE("a code that is not letters or digits is refused before sending") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kEmail, "human@example.com"));
    REQUIRE(rec);
    auto r = f.manager->CompleteClaim(rec->name, Secret("12\"34"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("email and id-jag registration need the human's consent") {
    Fixture f;
    auto p = f.Params(Method::kEmail, "human@example.com");
    p.consent = false;
    auto r = f.manager->Register(p);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kPermissionDenied);
    CHECK(f.service->OutboxEmpty());
  }

  TEST_CASE("the preview shows exactly what an id-jag registration asserts") {
    Fixture f;
    auto p = f.manager->Preview(f.Params(Method::kIdJag, "human@example.com"));
    REQUIRE(p);
    auto j = p->ToJson();
    CHECK(j["resource_name"] == "Test Service");
    CHECK(j["needs_consent"] == true);
    CHECK(j["asserted"]["email"] == "human@example.com");
    CHECK(j["asserted"]["aud"] == f.service->base() + "/");
    CHECK(j["asserted"]["iss"] == f.issuer);
  }

  TEST_CASE("id-jag registration is verified by the service against notme's JWKS") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kIdJag, "human@example.com"));
    REQUIRE_MESSAGE(rec, rec.error().ToString());
    CHECK(rec->registration_type == "agent-provider");
    CHECK(f.HasEvent(kAuditIdJagMinted));
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(f.store->HasConsent("claude", f.service->base() + "/"));
  }

  TEST_CASE("a replayed ID-JAG is refused by the service") {
    Fixture f;
    const std::string aud = f.service->base() + "/";
    REQUIRE(f.store->AddConsent("claude", aud, 1));
    auto jwt = f.manager->MintIdJag("claude", aud, "human@example.com");
    REQUIRE(jwt);
    auto d = Discover(ServiceClient{}, aud, kLoopback).value();
    RegistrationRequest req{.method = Method::kIdJag, .credential_type = "api_key", .email = {}, .assertion = *jwt};
    REQUIRE(PostRegistration(ServiceClient{}, d.authorization_server.agent_auth, req));
    auto again = PostRegistration(ServiceClient{}, d.authorization_server.agent_auth, req);
    REQUIRE_FALSE(again);
    CHECK(again.error().code() == ErrorCode::kReplay);
  }

  TEST_CASE("an ID-JAG for another audience is refused by the service") {
    Fixture f;
    REQUIRE(f.store->AddConsent("claude", "https://other.example/", 1));
    auto jwt = f.manager->MintIdJag("claude", "https://other.example/", "human@example.com");
    REQUIRE(jwt);
    auto d = Discover(ServiceClient{}, f.service->base() + "/", kLoopback).value();
    RegistrationRequest req{.method = Method::kIdJag, .credential_type = "api_key", .email = {}, .assertion = *jwt};
    auto r = PostRegistration(ServiceClient{}, d.authorization_server.agent_auth, req);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidAudience);
  }

  TEST_CASE("notme refuses to mint an ID-JAG for an audience without consent") {
    Fixture f;
    auto r = f.manager->MintIdJag("claude", f.service->base() + "/", "human@example.com");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kPermissionDenied);
  }

  TEST_CASE("a service that does not trust notme answers issuer_not_enabled in plain words") {
    Fixture f({}, /*trust_notme=*/false);
    auto r = f.manager->Register(f.Params(Method::kIdJag, "human@example.com"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
    CHECK(r.error().message().find("trust") != std::string::npos);
  }

  TEST_CASE("an unsupported method is refused before anything is sent") {
    Fixture f({"--identity-types", "anonymous"});
    auto r = f.manager->Register(f.Params(Method::kEmail, "human@example.com"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
    CHECK(f.service->OutboxEmpty());
    CHECK(f.store->List().empty());
  }

  TEST_CASE("a 401 through the route marks the registration revoked") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE(rec);
    f.ServicePost("/_test/revoke_all");
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 401);
    for (int i = 0; i < 100 && !f.HasEvent(kAuditRegistrationRevoked); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(f.store->Find(rec->name)->status == RegistrationStatus::kRevoked);
    CHECK(f.HasEvent(kAuditRegistrationRevoked));
    std::lock_guard lock(f.mu);
    const nlohmann::json& fields = f.event_fields.back();
    CHECK(fields["fix"] == "notme registration rm " + rec->name + " && notme register " + rec->url +
                               " --agent claude --name " + rec->name + " --allow-loopback");
  }

  TEST_CASE("removing a registration wipes the credential and the route") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE(rec);
    REQUIRE(f.manager->Remove(rec->name));
    CHECK(f.KeyringSecrets() == 0);
    CHECK_FALSE(f.routes->Find(rec->name));
    CHECK(f.store->List().empty());
    CHECK_FALSE(f.manager->ClaimPending(rec->name));
  }

  TEST_CASE("registering twice under one name is refused") {
    Fixture f;
    REQUIRE(f.manager->Register(f.Params(Method::kAnonymous)));
    auto r = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kAlreadyExists);
  }

  TEST_CASE("an unknown agent is refused") {
    Fixture f;
    auto p = f.Params(Method::kAnonymous);
    p.agent = "nobody";
    CHECK_FALSE(f.manager->Register(p));
  }

  TEST_CASE("hostile services are refused and leave nothing behind") {
    struct Case {
      const char* mode;
      ErrorCode code;
    };
    for (const Case& c : {Case{"evil_register_uri", ErrorCode::kPermissionDenied},
                          Case{"evil_claim_uri", ErrorCode::kPermissionDenied},
                          Case{"wrong_resource", ErrorCode::kInvalidTarget},
                          Case{"wrong_issuer", ErrorCode::kInvalidIssuer},
                          Case{"no_agent_auth", ErrorCode::kUnsupported},
                          Case{"oversized_prm", ErrorCode::kTooLarge},
                          Case{"malformed_prm", ErrorCode::kMalformed},
                          Case{"oversized_register", ErrorCode::kTooLarge},
                          Case{"malformed_register", ErrorCode::kMalformed},
                          Case{"header_injection", ErrorCode::kMalformed},
                          Case{"rate_limited", ErrorCode::kUnavailable}}) {
      CAPTURE(c.mode);
      Fixture f({"--mode", c.mode});
      auto r = f.manager->Register(f.Params(Method::kAnonymous));
      REQUIRE_FALSE(r);
      CAPTURE(r.error().ToString());
      CHECK(r.error().code() == c.code);
      CHECK(f.KeyringSecrets() == 0);
      CHECK(f.routes->List().empty());
      CHECK(f.store->List().empty());
    }
  }

  TEST_CASE("a service-signed identity_assertion is exchanged at the token endpoint and the agent's first call works") {
    Fixture f({"--variant", "service_signed"});
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE_MESSAGE(rec, rec.error().ToString());
    CHECK(rec->status == RegistrationStatus::kActive);
    CHECK(rec->credential_type == "access_token");
    CHECK(rec->credential_expires);
    CHECK(rec->assertion_expires);
    CHECK(rec->assertion_secret == "reg-" + rec->name + ".assertion");
    CHECK(f.KeyringSecrets() == 2);
    CHECK(f.ServiceExchanges() == 1);
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
    std::string text = notme::testing::ReadFile(f.config.path / "registrations.json");
    CHECK(text.find("eyJ") == std::string::npos);
    CHECK(text.find("at_") == std::string::npos);
    // The anonymous claim upgrades the access token in place.
    REQUIRE(f.manager->StartClaim(rec->name, "human@example.com"));
    auto done = f.manager->CompleteClaim(rec->name, Secret(f.service->LastOtp()));
    REQUIRE_MESSAGE(done, done.error().ToString());
    res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->body.find("api.write") != std::string::npos);
  }

  TEST_CASE("an email registration on a service-signed service gets its access token when the claim completes") {
    Fixture f({"--variant", "service_signed"});
    auto rec = f.manager->Register(f.Params(Method::kEmail, "human@example.com"));
    REQUIRE_MESSAGE(rec, rec.error().ToString());
    CHECK(rec->status == RegistrationStatus::kPendingClaim);
    CHECK(f.KeyringSecrets() == 0);
    auto done = f.manager->CompleteClaim(rec->name, Secret(f.service->LastOtp()));
    REQUIRE_MESSAGE(done, done.error().ToString());
    CHECK(done->credential_type == "access_token");
    CHECK(f.KeyringSecrets() == 2);
    auto res = f.AgentGet(done->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("human@example.com") != std::string::npos);
  }

  TEST_CASE("an id-jag registration on a service-signed service is exchanged too") {
    Fixture f({"--variant", "service_signed"});
    auto rec = f.manager->Register(f.Params(Method::kIdJag, "human@example.com"));
    REQUIRE_MESSAGE(rec, rec.error().ToString());
    CHECK(rec->registration_type == "agent-provider");
    CHECK(rec->scopes == std::vector<std::string>{"api.read", "api.write"});
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
  }

  TEST_CASE("an expired access token is exchanged again on the agent's 401 and the retry works") {
    Fixture f({"--variant", "service_signed", "--token-ttl", "30"});
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE_MESSAGE(rec, rec.error().ToString());
    f.ServicePost("/_test/expire_tokens");
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(f.WaitForEvent(kAuditRegistrationRefreshed));
    CHECK_FALSE(f.HasEvent(kAuditRegistrationRevoked));
    CHECK(f.store->Find(rec->name)->status == RegistrationStatus::kActive);
    CHECK(f.ServiceExchanges() == 2);
    CHECK(f.KeyringSecrets() == 2);
    res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
  }

  TEST_CASE("a 401 while the access token has time left revokes without an exchange") {
    Fixture f({"--variant", "service_signed"});
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE(rec);
    f.ServicePost("/_test/revoke_all");
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(f.WaitForEvent(kAuditRegistrationRevoked));
    CHECK(f.store->Find(rec->name)->status == RegistrationStatus::kRevoked);
    CHECK(f.ServiceExchanges() == 1);
  }

  TEST_CASE("an explicit refresh exchanges the assertion again and reactivates a revoked registration") {
    Fixture f({"--variant", "service_signed"});
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE(rec);
    f.ServicePost("/_test/revoke_all");
    REQUIRE(f.AgentGet(rec->route, "/api/things"));
    REQUIRE(f.WaitForEvent(kAuditRegistrationRevoked));
    auto again = f.manager->Refresh(rec->name);
    REQUIRE_MESSAGE(again, again.error().ToString());
    CHECK(again->status == RegistrationStatus::kActive);
    auto res = f.AgentGet(rec->route, "/api/things");
    REQUIRE(res);
    CHECK(res->status == 200);
  }

  TEST_CASE("a registration holding no assertion cannot be refreshed") {
    Fixture f;
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE(rec);
    auto r = f.manager->Refresh(rec->name);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
    CHECK(f.manager->Refresh("nope").error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("removing a service-signed registration wipes the assertion too") {
    Fixture f({"--variant", "service_signed"});
    auto rec = f.manager->Register(f.Params(Method::kAnonymous));
    REQUIRE(rec);
    REQUIRE(f.manager->Remove(rec->name));
    CHECK(f.KeyringSecrets() == 0);
    CHECK_FALSE(f.routes->Find(rec->name));
  }

  TEST_CASE("hostile service-signed services are refused and leave nothing behind") {
    struct Case {
      const char* mode;
      ErrorCode code;
    };
    for (const Case& c : {Case{"evil_token_endpoint", ErrorCode::kPermissionDenied},
                          Case{"malformed_token", ErrorCode::kMalformed}}) {
      CAPTURE(c.mode);
      Fixture f({"--variant", "service_signed", "--mode", c.mode});
      auto r = f.manager->Register(f.Params(Method::kAnonymous));
      REQUIRE_FALSE(r);
      CAPTURE(r.error().ToString());
      CHECK(r.error().code() == c.code);
      CHECK(f.KeyringSecrets() == 0);
      CHECK(f.routes->List().empty());
      CHECK(f.store->List().empty());
    }
  }
}
