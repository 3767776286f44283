#pragma once
// AgentRegistry: the registered agents and what each may ask for (issue 3 "Agents"),
// persisted in `<config_dir>/agents.json` (no secrets):
//
//   {"version": 1,
//    "agents": [{"name": "claude", "scopes": ["git:sign"],
//                "audiences": ["https://api.example.com/"], "created_at": 1700000000}]}
//
// Loading is all-or-nothing: any syntax error, wrong type, unknown member, invalid name,
// scope or audience, or duplicate agent makes Load/Reload fail with kConfig naming the
// file and the problem (with line and column for syntax errors); the registry never
// holds partial policy and never rewrites a file it could not parse. A missing file is
// an empty registry. Writes (Add/Remove) re-read the file first — so a hand edit made
// since the last load is kept rather than overwritten, and a file broken by hand is
// refused, not replaced — then replace it atomically (WriteFileAtomically, mode 0600).
//
// Thread-safe: one mutex serialises readers, writers and reloads. The Clock must outlive
// the registry.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"

namespace notme::authority {

inline constexpr std::string_view kAgentsFileName = "agents.json";
inline constexpr size_t kMaxAgentsFileBytes = 1 << 20;
inline constexpr size_t kMaxAgents = 1024;
inline constexpr size_t kMaxScopesPerAgent = 64;
inline constexpr size_t kMaxAudiencesPerAgent = 32;

struct Agent {
  std::string name;                    // IsValidAgentName
  std::vector<std::string> scopes;     // IsValidScopeToken each, no duplicates
  std::vector<std::string> audiences;  // IsValidAudience each, no duplicates
  int64_t created_at = 0;              // Unix seconds

  bool operator==(const Agent&) const = default;
};

// Checks one agent's fields as Load does. Errors: kInvalidArgument naming the field.
Result<void> ValidateAgent(const Agent& agent);

// Parses the text of an agents file, all-or-nothing, in file order. Errors: kConfig
// naming the problem (syntax errors with line and column) but not the file.
// Stateless; used by AgentRegistry and the fuzzer.
Result<std::vector<Agent>> ParseAgentsFile(std::string_view text);

// {"name","scopes","audiences","created_at"} — the file's and the API's representation.
nlohmann::json AgentToJson(const Agent& agent);

class AgentRegistry {
 public:
  // Reads `<config_dir>/agents.json`. The directory itself is the caller's to check
  // (EnsurePrivateDir). Errors: kConfig (the file is broken: message names the file and
  // the problem), kUnsafePath (symlink, foreign owner, group/other-writable), kTooLarge,
  // kIo.
  static Result<std::unique_ptr<AgentRegistry>> Load(const std::filesystem::path& config_dir,
                                                     const Clock& clock);

  AgentRegistry(const AgentRegistry&) = delete;
  AgentRegistry& operator=(const AgentRegistry&) = delete;

  // Registers a new agent with created_at = now and persists it. Scopes and audiences are
  // kept in the given order. Errors: kInvalidArgument (invalid name, scope or audience,
  // duplicates, too many), kAlreadyExists, the errors of Load (the file on disk is
  // broken: nothing is written) and of WriteFileAtomically.
  Result<Agent> Add(std::string name, std::vector<std::string> scopes,
                    std::vector<std::string> audiences) EXCLUDES(mu_);
  // Unregisters and persists. Errors: kNotFound, and as Add.
  Result<void> Remove(std::string_view name) EXCLUDES(mu_);
  // Adds `scope` to the agent's scopes (no-op when held) and persists; used when notme
  // creates a route for the agent (docs/registration.md). Errors: kNotFound,
  // kInvalidArgument (invalid scope, too many), and as Add.
  Result<Agent> AddScope(std::string_view name, const std::string& scope) EXCLUDES(mu_);
  // Errors: kNotFound.
  Result<Agent> Get(std::string_view name) const EXCLUDES(mu_);
  // All agents sorted by name.
  std::vector<Agent> List() const EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);
  // Re-reads the file (SIGHUP). On failure the policy in memory is unchanged and the
  // error is returned for the daemon to log.
  Result<void> Reload() EXCLUDES(mu_);

  const std::filesystem::path& file() const { return file_; }

 private:
  using AgentMap = std::map<std::string, Agent, std::less<>>;
  AgentRegistry(std::filesystem::path file, const Clock& clock, AgentMap agents);
  // Parses the file on disk (empty map when missing).
  static Result<AgentMap> ReadFile(const std::filesystem::path& file);
  Result<void> WriteLocked(const AgentMap& agents) REQUIRES(mu_);

  const std::filesystem::path file_;
  const Clock& clock_;
  mutable Mutex mu_;
  AgentMap agents_ GUARDED_BY(mu_);
};

}  // namespace notme::authority
