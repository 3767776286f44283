#pragma once
// RegistrationStore: what notme knows about the services it registered agents with,
// persisted in `<config_dir>/registrations.json` — never a credential or claim token
// (those live in the keyring, or only in the daemon's memory for a claim in progress).
// Also the audiences the human consented to assert their identity to (ID-JAG minting is
// refused for any other audience).
//
// File: {"version":1,"registrations":[<RecordToJson>...],
//        "idjag_consents":[{"agent","audience","created_at"}]}
// Loading is strict and all-or-nothing (kConfig naming the problem); writes are atomic
// (temp file 0600 + fsync + rename). Thread-safe: one mutex; lookups return copies.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "notme/result.h"
#include "notme/thread_annotations.h"

namespace notme::registration {

inline constexpr std::string_view kRegistrationsFileName = "registrations.json";

// Lifecycle: pending_claim (email: no credential until the OTP is confirmed) → active;
// active → claimed (the human took ownership); active/claimed → revoked (the service
// answered 401 through the route).
enum class RegistrationStatus { kPendingClaim, kActive, kClaimed, kRevoked };
std::string_view StatusName(RegistrationStatus status);

struct RegistrationRecord {
  std::string name;      // also the route name; [a-z0-9][a-z0-9_-]{0,63}
  std::string agent;
  std::string url;       // what the human asked to register with
  std::string resource;  // the PRM resource (the route's upstream)
  std::string resource_name;
  std::string authorization_server;
  std::string method;    // MethodName
  std::string service_registration_id;
  std::string registration_type;
  std::string credential_type;  // "" while pending
  std::optional<int64_t> credential_expires;
  std::optional<int64_t> claim_expires;
  std::vector<std::string> scopes;
  std::vector<std::string> post_claim_scopes;
  std::string email;     // asserted or claim email; "" for anonymous
  RegistrationStatus status = RegistrationStatus::kActive;
  std::string route;     // "" while no credential
  std::string secret;    // keyring secret NAME ("reg-<name>"), never the value
  // Services that answer with a service-signed identity_assertion (agent-services guide):
  // the keyring secret NAME holding it ("reg-<name>.assertion"; "" otherwise), re-exchanged
  // at the token endpoint for a fresh access token until `assertion_expires`.
  std::string assertion_secret;
  std::optional<int64_t> assertion_expires;
  bool allow_loopback = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

nlohmann::json RecordToJson(const RegistrationRecord& record);
// Strict: wrong types and unknown status are kConfig.
Result<RegistrationRecord> RecordFromJson(const nlohmann::json& j);

// [a-z0-9][a-z0-9_-]{0,63} (same as route names).
bool IsValidRegistrationName(std::string_view name);
// "<agent>-<host with dots as dashes>", cut to 64 characters and made valid.
std::string DefaultRegistrationName(std::string_view agent, std::string_view host);

class RegistrationStore {
 public:
  // Errors: kConfig (malformed file), kUnsafePath, kIo.
  static Result<std::unique_ptr<RegistrationStore>> Open(const std::filesystem::path& config_dir);

  // Errors: kAlreadyExists, kIo.
  Result<void> Add(const RegistrationRecord& record) EXCLUDES(mu_);
  // Replaces the record with the same name. Errors: kNotFound, kIo.
  Result<void> Update(const RegistrationRecord& record) EXCLUDES(mu_);
  // Errors: kNotFound, kIo.
  Result<void> Remove(const std::string& name) EXCLUDES(mu_);
  std::optional<RegistrationRecord> Find(const std::string& name) const EXCLUDES(mu_);
  std::optional<RegistrationRecord> FindByRoute(const std::string& route) const EXCLUDES(mu_);
  std::vector<RegistrationRecord> List() const EXCLUDES(mu_);

  // Records that the human consented to `agent` asserting their identity to `audience`.
  Result<void> AddConsent(const std::string& agent, const std::string& audience, int64_t now) EXCLUDES(mu_);
  bool HasConsent(const std::string& agent, const std::string& audience) const EXCLUDES(mu_);
  // Forgets every consent of `agent` for `audience`. Errors: kIo.
  Result<void> RemoveConsent(const std::string& agent, const std::string& audience) EXCLUDES(mu_);

 private:
  struct State {
    std::map<std::string, RegistrationRecord> records;
    std::map<std::pair<std::string, std::string>, int64_t> consents;
  };
  explicit RegistrationStore(std::filesystem::path file) : file_(std::move(file)) {}
  Result<void> SaveLocked(const State& next) REQUIRES(mu_);

  const std::filesystem::path file_;
  mutable Mutex mu_;
  State state_ GUARDED_BY(mu_);
};

}  // namespace notme::registration
