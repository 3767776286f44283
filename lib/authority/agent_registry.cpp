#include "authority/agent_registry.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "authority/atomic_file.h"
#include "authority/scope.h"
#include "jose/json.h"
#include "notme/paths.h"

namespace notme::authority {
namespace {

constexpr int kFileVersion = 1;
constexpr int kMaxFileDepth = 8;

// A bounded, printable excerpt of a value from the file, for error messages.
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

// Re-parses a document that failed to parse only to learn where and why: nlohmann's SAX
// interface reports the error with line and column without throwing.
class SyntaxErrorLocator final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." → from "line".
    std::string what = ex.what();
    const size_t at = what.find("line ");
    message_ = at == std::string::npos ? what : what.substr(at);
    return false;
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

std::string DescribeSyntaxError(std::string_view text) {
  SyntaxErrorLocator locator;
  try {
    nlohmann::json::sax_parse(text.begin(), text.end(), &locator);
  } catch (const std::exception&) {
    return "syntax error";
  }
  if (locator.message().empty()) return "syntax error";
  return "syntax error at " + locator.message();
}

Error ConfigError(const std::filesystem::path& file, const std::string& problem) {
  return Error(ErrorCode::kConfig,
               file.string() + ": " + problem + " (the file was not changed; fix it and reload)");
}

Result<std::vector<std::string>> StringArray(const nlohmann::json& agent, std::string_view member,
                                             const std::string& where) {
  const auto it = agent.find(member);
  if (it == agent.end()) {
    return Fail(ErrorCode::kConfig, where + ": missing \"" + std::string(member) + "\"");
  }
  if (!it->is_array()) {
    return Fail(ErrorCode::kConfig,
                where + ": \"" + std::string(member) + "\" must be an array of strings");
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const auto* s = (*it)[i].get_ptr<const std::string*>();
    if (s == nullptr) {
      return Fail(ErrorCode::kConfig, where + ": \"" + std::string(member) + "\"[" +
                                          std::to_string(i) + "] must be a string");
    }
    out.push_back(*s);
  }
  return out;
}

Result<Agent> ParseAgent(const nlohmann::json& value, size_t index) {
  std::string where = "agents[" + std::to_string(index) + "]";
  if (!value.is_object()) return Fail(ErrorCode::kConfig, where + ": must be an object");
  for (const auto& [key, unused] : value.items()) {
    if (key != "name" && key != "scopes" && key != "audiences" && key != "created_at") {
      return Fail(ErrorCode::kConfig, where + ": unknown member \"" + Shown(key) + "\"");
    }
  }
  Agent agent;
  const auto name = value.find("name");
  if (name == value.end() || !name->is_string()) {
    return Fail(ErrorCode::kConfig, where + ": \"name\" must be a string");
  }
  agent.name = name->get<std::string>();
  where += " (\"" + Shown(agent.name) + "\")";
  NOTME_TRY(agent.scopes, StringArray(value, "scopes", where));
  NOTME_TRY(agent.audiences, StringArray(value, "audiences", where));
  const auto created = value.find("created_at");
  if (created == value.end() || !created->is_number_integer() ||
      (created->is_number_integer() && !created->is_number_unsigned() &&
       created->get<int64_t>() < 0)) {
    return Fail(ErrorCode::kConfig,
                where + ": \"created_at\" must be a non-negative integer (Unix seconds)");
  }
  if (created->is_number_unsigned() &&
      created->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Fail(ErrorCode::kConfig, where + ": \"created_at\" is out of range");
  }
  agent.created_at = created->get<int64_t>();
  if (auto valid = ValidateAgent(agent); !valid) {
    return Fail(ErrorCode::kConfig, where + ": " + valid.error().message());
  }
  return agent;
}

template <typename Pred>
Result<void> CheckList(const std::vector<std::string>& items, std::string_view what,
                       size_t max_items, Pred valid) {
  if (items.size() > max_items) {
    return Fail(ErrorCode::kInvalidArgument,
                "too many " + std::string(what) + "s (at most " + std::to_string(max_items) + ")");
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (!valid(items[i])) {
      return Fail(ErrorCode::kInvalidArgument,
                  "invalid " + std::string(what) + " \"" + Shown(items[i]) + "\"");
    }
    if (std::find(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(i), items[i]) !=
        items.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "duplicate " + std::string(what) + " \"" + Shown(items[i]) + "\"");
    }
  }
  return Ok();
}

}  // namespace

Result<void> ValidateAgent(const Agent& agent) {
  if (!IsValidAgentName(agent.name)) {
    return Fail(ErrorCode::kInvalidArgument,
                "invalid agent name \"" + Shown(agent.name) +
                    "\" (want [a-z0-9][a-z0-9_-]{0,63})");
  }
  NOTME_TRY_VOID(CheckList(agent.scopes, "scope", kMaxScopesPerAgent, IsValidScopeToken));
  NOTME_TRY_VOID(CheckList(agent.audiences, "audience", kMaxAudiencesPerAgent, IsValidAudience));
  if (agent.created_at < 0) return Fail(ErrorCode::kInvalidArgument, "negative created_at");
  return Ok();
}

nlohmann::json AgentToJson(const Agent& agent) {
  nlohmann::json out = nlohmann::json::object();
  out["name"] = agent.name;
  out["scopes"] = agent.scopes;
  out["audiences"] = agent.audiences;
  out["created_at"] = agent.created_at;
  return out;
}

Result<std::vector<Agent>> ParseAgentsFile(std::string_view text) {
  auto parsed = jose::ParseStrictJson(text, kMaxAgentsFileBytes, kMaxFileDepth);
  if (!parsed) {
    const bool syntax = parsed.error().message() == "json: syntax error";
    return Fail(ErrorCode::kConfig,
                syntax ? DescribeSyntaxError(text) : parsed.error().message());
  }
  const nlohmann::json& doc = *parsed;
  if (!doc.is_object()) return Fail(ErrorCode::kConfig, "the document must be a JSON object");
  for (const auto& [key, unused] : doc.items()) {
    if (key != "version" && key != "agents") {
      return Fail(ErrorCode::kConfig, "unknown member \"" + Shown(key) + "\"");
    }
  }
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kFileVersion) {
    return Fail(ErrorCode::kConfig, "\"version\" must be 1");
  }
  const auto list = doc.find("agents");
  if (list == doc.end() || !list->is_array()) {
    return Fail(ErrorCode::kConfig, "\"agents\" must be an array");
  }
  if (list->size() > kMaxAgents) {
    return Fail(ErrorCode::kConfig, "more than " + std::to_string(kMaxAgents) + " agents");
  }
  std::vector<Agent> agents;
  for (size_t i = 0; i < list->size(); ++i) {
    NOTME_TRY(Agent agent, ParseAgent((*list)[i], i));
    for (const Agent& earlier : agents) {
      if (earlier.name == agent.name) {
        return Fail(ErrorCode::kConfig,
                    "agent \"" + agent.name + "\" is listed more than once");
      }
    }
    agents.push_back(std::move(agent));
  }
  return agents;
}

Result<AgentRegistry::AgentMap> AgentRegistry::ReadFile(const std::filesystem::path& file) {
  NOTME_TRY(std::optional<std::string> text, ReadOwnerFile(file, kMaxAgentsFileBytes));
  AgentMap agents;
  if (!text) return agents;
  auto parsed = ParseAgentsFile(*text);
  if (!parsed) return Fail(ConfigError(file, parsed.error().message()));
  for (Agent& agent : *parsed) {
    std::string name = agent.name;
    agents.emplace(std::move(name), std::move(agent));
  }
  return agents;
}

Result<std::unique_ptr<AgentRegistry>> AgentRegistry::Load(const std::filesystem::path& config_dir,
                                                           const Clock& clock) {
  std::filesystem::path file = config_dir / kAgentsFileName;
  NOTME_TRY(AgentMap agents, ReadFile(file));
  return std::unique_ptr<AgentRegistry>(
      new AgentRegistry(std::move(file), clock, std::move(agents)));
}

AgentRegistry::AgentRegistry(std::filesystem::path file, const Clock& clock, AgentMap agents)
    : file_(std::move(file)), clock_(clock), agents_(std::move(agents)) {}

Result<void> AgentRegistry::WriteLocked(const AgentMap& agents) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, agent] : agents) list.push_back(AgentToJson(agent));
  nlohmann::json doc = nlohmann::json::object();
  doc["version"] = kFileVersion;
  doc["agents"] = std::move(list);
  // Indented for people who read or edit the file by hand.
  std::string text =
      doc.dump(2, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::strict);
  text.push_back('\n');
  return WriteFileAtomically(file_, text);
}

Result<Agent> AgentRegistry::Add(std::string name, std::vector<std::string> scopes,
                                 std::vector<std::string> audiences) {
  Agent agent{std::move(name), std::move(scopes), std::move(audiences), clock_.NowSeconds()};
  NOTME_TRY_VOID(ValidateAgent(agent));
  MutexLock lock(&mu_);
  NOTME_TRY(AgentMap on_disk, ReadFile(file_));
  if (on_disk.contains(agent.name)) {
    return Fail(ErrorCode::kAlreadyExists, "agent \"" + agent.name + "\" already exists");
  }
  if (on_disk.size() >= kMaxAgents) {
    return Fail(ErrorCode::kInvalidArgument,
                "too many agents (at most " + std::to_string(kMaxAgents) + ")");
  }
  on_disk.emplace(agent.name, agent);
  NOTME_TRY_VOID(WriteLocked(on_disk));
  agents_ = std::move(on_disk);
  return agent;
}

Result<void> AgentRegistry::Remove(std::string_view name) {
  MutexLock lock(&mu_);
  NOTME_TRY(AgentMap on_disk, ReadFile(file_));
  const auto it = on_disk.find(name);
  if (it == on_disk.end()) {
    return Fail(ErrorCode::kNotFound, "no agent named \"" + Shown(name) + "\"");
  }
  on_disk.erase(it);
  NOTME_TRY_VOID(WriteLocked(on_disk));
  agents_ = std::move(on_disk);
  return Ok();
}

Result<Agent> AgentRegistry::AddScope(std::string_view name, const std::string& scope) {
  MutexLock lock(&mu_);
  NOTME_TRY(AgentMap on_disk, ReadFile(file_));
  const auto it = on_disk.find(name);
  if (it == on_disk.end()) {
    return Fail(ErrorCode::kNotFound, "no agent named \"" + Shown(name) + "\"");
  }
  auto& scopes = it->second.scopes;
  if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) {
    scopes.push_back(scope);
    NOTME_TRY_VOID(ValidateAgent(it->second));
    NOTME_TRY_VOID(WriteLocked(on_disk));
  }
  Agent updated = it->second;
  agents_ = std::move(on_disk);
  return updated;
}

Result<Agent> AgentRegistry::Get(std::string_view name) const {
  MutexLock lock(&mu_);
  const auto it = agents_.find(name);
  if (it == agents_.end()) {
    return Fail(ErrorCode::kNotFound, "no agent named \"" + Shown(name) + "\"");
  }
  return it->second;
}

std::vector<Agent> AgentRegistry::List() const {
  MutexLock lock(&mu_);
  std::vector<Agent> out;
  out.reserve(agents_.size());
  for (const auto& [name, agent] : agents_) out.push_back(agent);
  return out;
}

size_t AgentRegistry::size() const {
  MutexLock lock(&mu_);
  return agents_.size();
}

Result<void> AgentRegistry::Reload() {
  MutexLock lock(&mu_);
  NOTME_TRY(AgentMap agents, ReadFile(file_));
  agents_ = std::move(agents);
  return Ok();
}

}  // namespace notme::authority
