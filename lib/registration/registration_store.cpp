#include "registration/registration_store.h"

#include <algorithm>

#include "authority/atomic_file.h"
#include "jose/json.h"

namespace notme::registration {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;

Unexpected Bad(std::string_view why) {
  return Fail(ErrorCode::kConfig, std::string(kRegistrationsFileName) + ": " + std::string(why));
}

Result<std::string> Str(const nlohmann::json& j, const char* name, bool required = true) {
  auto it = j.find(name);
  if (it == j.end()) {
    if (required) return Bad(std::string("missing '") + name + "'");
    return std::string();
  }
  if (!it->is_string()) return Bad(std::string("'") + name + "' must be a string");
  return it->get<std::string>();
}

Result<std::optional<int64_t>> OptInt(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) return Bad(std::string("'") + name + "' must be an integer");
  return std::optional<int64_t>(it->get<int64_t>());
}

Result<std::vector<std::string>> Strs(const nlohmann::json& j, const char* name) {
  std::vector<std::string> out;
  auto it = j.find(name);
  if (it == j.end()) return out;
  if (!it->is_array()) return Bad(std::string("'") + name + "' must be an array");
  for (const auto& v : *it) {
    if (!v.is_string()) return Bad(std::string("'") + name + "' must hold strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

nlohmann::json OptJson(const std::optional<int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

std::string_view StatusName(RegistrationStatus status) {
  switch (status) {
    case RegistrationStatus::kPendingClaim: return "pending_claim";
    case RegistrationStatus::kActive: return "active";
    case RegistrationStatus::kClaimed: return "claimed";
    case RegistrationStatus::kRevoked: return "revoked";
  }
  return "unknown";
}

bool IsValidRegistrationName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_digit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return lower_digit(c) || c == '-' || c == '_'; });
}

std::string DefaultRegistrationName(std::string_view agent, std::string_view host) {
  std::string out(agent);
  out += '-';
  for (char c : host) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  if (out.size() > 64) out.resize(64);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

nlohmann::json RecordToJson(const RegistrationRecord& r) {
  return {{"name", r.name},
          {"agent", r.agent},
          {"url", r.url},
          {"resource", r.resource},
          {"resource_name", r.resource_name},
          {"authorization_server", r.authorization_server},
          {"method", r.method},
          {"service_registration_id", r.service_registration_id},
          {"registration_type", r.registration_type},
          {"credential_type", r.credential_type},
          {"credential_expires", OptJson(r.credential_expires)},
          {"claim_expires", OptJson(r.claim_expires)},
          {"scopes", r.scopes},
          {"post_claim_scopes", r.post_claim_scopes},
          {"email", r.email},
          {"status", StatusName(r.status)},
          {"route", r.route},
          {"secret", r.secret},
          {"assertion_secret", r.assertion_secret},
          {"assertion_expires", OptJson(r.assertion_expires)},
          {"allow_loopback", r.allow_loopback},
          {"created_at", r.created_at},
          {"updated_at", r.updated_at}};
}

Result<RegistrationRecord> RecordFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Bad("a registration must be an object");
  RegistrationRecord r;
  NOTME_TRY(r.name, Str(j, "name"));
  if (!IsValidRegistrationName(r.name)) return Bad("invalid registration name");
  NOTME_TRY(r.agent, Str(j, "agent"));
  NOTME_TRY(r.url, Str(j, "url"));
  NOTME_TRY(r.resource, Str(j, "resource"));
  NOTME_TRY(r.resource_name, Str(j, "resource_name", false));
  NOTME_TRY(r.authorization_server, Str(j, "authorization_server"));
  NOTME_TRY(r.method, Str(j, "method"));
  NOTME_TRY(r.service_registration_id, Str(j, "service_registration_id"));
  NOTME_TRY(r.registration_type, Str(j, "registration_type", false));
  NOTME_TRY(r.credential_type, Str(j, "credential_type", false));
  NOTME_TRY(r.credential_expires, OptInt(j, "credential_expires"));
  NOTME_TRY(r.claim_expires, OptInt(j, "claim_expires"));
  NOTME_TRY(r.scopes, Strs(j, "scopes"));
  NOTME_TRY(r.post_claim_scopes, Strs(j, "post_claim_scopes"));
  NOTME_TRY(r.email, Str(j, "email", false));
  NOTME_TRY(auto status, Str(j, "status"));
  bool known = false;
  for (auto s : {RegistrationStatus::kPendingClaim, RegistrationStatus::kActive, RegistrationStatus::kClaimed,
                 RegistrationStatus::kRevoked}) {
    if (status == StatusName(s)) {
      r.status = s;
      known = true;
    }
  }
  if (!known) return Bad("unknown status '" + status + "'");
  NOTME_TRY(r.route, Str(j, "route", false));
  NOTME_TRY(r.secret, Str(j, "secret", false));
  NOTME_TRY(r.assertion_secret, Str(j, "assertion_secret", false));
  NOTME_TRY(r.assertion_expires, OptInt(j, "assertion_expires"));
  auto loop = j.find("allow_loopback");
  if (loop != j.end()) {
    if (!loop->is_boolean()) return Bad("'allow_loopback' must be a boolean");
    r.allow_loopback = loop->get<bool>();
  }
  NOTME_TRY(auto created, OptInt(j, "created_at"));
  NOTME_TRY(auto updated, OptInt(j, "updated_at"));
  r.created_at = created.value_or(0);
  r.updated_at = updated.value_or(0);
  return r;
}

Result<std::unique_ptr<RegistrationStore>> RegistrationStore::Open(const std::filesystem::path& config_dir) {
  std::unique_ptr<RegistrationStore> store(new RegistrationStore(config_dir / kRegistrationsFileName));
  NOTME_TRY(auto text, authority::ReadOwnerFile(store->file_, kMaxFileBytes));
  if (!text) return store;
  auto doc = jose::ParseStrictJsonObject(*text, kRegistrationsFileName, kMaxFileBytes, 8);
  if (!doc) return Bad(doc.error().message());
  auto version = doc->find("version");
  if (version == doc->end() || *version != 1) return Bad("'version' must be 1");
  State state;
  auto regs = doc->find("registrations");
  if (regs != doc->end()) {
    if (!regs->is_array()) return Bad("'registrations' must be an array");
    for (const auto& item : *regs) {
      NOTME_TRY(auto rec, RecordFromJson(item));
      const std::string name = rec.name;
      if (!state.records.emplace(name, std::move(rec)).second) return Bad("duplicate registration '" + name + "'");
    }
  }
  auto consents = doc->find("idjag_consents");
  if (consents != doc->end()) {
    if (!consents->is_array()) return Bad("'idjag_consents' must be an array");
    for (const auto& c : *consents) {
      if (!c.is_object()) return Bad("a consent must be an object");
      NOTME_TRY(auto agent, Str(c, "agent"));
      NOTME_TRY(auto audience, Str(c, "audience"));
      NOTME_TRY(auto created, OptInt(c, "created_at"));
      state.consents[{agent, audience}] = created.value_or(0);
    }
  }
  MutexLock lock(&store->mu_);
  store->state_ = std::move(state);
  return store;
}

Result<void> RegistrationStore::SaveLocked(const State& next) {
  nlohmann::json regs = nlohmann::json::array();
  for (const auto& [name, rec] : next.records) regs.push_back(RecordToJson(rec));
  nlohmann::json consents = nlohmann::json::array();
  for (const auto& [key, created] : next.consents) {
    consents.push_back({{"agent", key.first}, {"audience", key.second}, {"created_at", created}});
  }
  nlohmann::json doc = {{"version", 1}, {"registrations", regs}, {"idjag_consents", consents}};
  NOTME_TRY_VOID(authority::WriteFileAtomically(file_, doc.dump(2) + "\n"));
  state_ = next;
  return Ok();
}

Result<void> RegistrationStore::Add(const RegistrationRecord& record) {
  MutexLock lock(&mu_);
  if (state_.records.contains(record.name)) {
    return Fail(ErrorCode::kAlreadyExists, "a registration named '" + record.name + "' exists");
  }
  State next = state_;
  next.records.emplace(record.name, record);
  return SaveLocked(next);
}

Result<void> RegistrationStore::Update(const RegistrationRecord& record) {
  MutexLock lock(&mu_);
  if (!state_.records.contains(record.name)) {
    return Fail(ErrorCode::kNotFound, "no registration named '" + record.name + "'");
  }
  State next = state_;
  next.records[record.name] = record;
  return SaveLocked(next);
}

Result<void> RegistrationStore::Remove(const std::string& name) {
  MutexLock lock(&mu_);
  if (!state_.records.contains(name)) return Fail(ErrorCode::kNotFound, "no registration named '" + name + "'");
  State next = state_;
  next.records.erase(name);
  return SaveLocked(next);
}

std::optional<RegistrationRecord> RegistrationStore::Find(const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = state_.records.find(name);
  if (it == state_.records.end()) return std::nullopt;
  return it->second;
}

std::optional<RegistrationRecord> RegistrationStore::FindByRoute(const std::string& route) const {
  MutexLock lock(&mu_);
  for (const auto& [name, rec] : state_.records) {
    if (!rec.route.empty() && rec.route == route) return rec;
  }
  return std::nullopt;
}

std::vector<RegistrationRecord> RegistrationStore::List() const {
  MutexLock lock(&mu_);
  std::vector<RegistrationRecord> out;
  for (const auto& [name, rec] : state_.records) out.push_back(rec);
  return out;
}

Result<void> RegistrationStore::AddConsent(const std::string& agent, const std::string& audience, int64_t now) {
  MutexLock lock(&mu_);
  if (state_.consents.contains({agent, audience})) return Ok();
  State next = state_;
  next.consents[{agent, audience}] = now;
  return SaveLocked(next);
}

bool RegistrationStore::HasConsent(const std::string& agent, const std::string& audience) const {
  MutexLock lock(&mu_);
  return state_.consents.contains({agent, audience});
}

Result<void> RegistrationStore::RemoveConsent(const std::string& agent, const std::string& audience) {
  MutexLock lock(&mu_);
  if (!state_.consents.contains({agent, audience})) return Ok();
  State next = state_;
  next.consents.erase({agent, audience});
  return SaveLocked(next);
}

}  // namespace notme::registration
