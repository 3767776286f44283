#pragma once
// AuditLog: what the daemon did and refused, as JSON lines in `<state_dir>/audit.log`
// (issue 3 "Audit log").
//
// One object per line: {"seq":N,"ts":<Unix seconds>,"event":"token.minted",
// "agent":"claude","peer":{"pid","uid","exe"},"reason":"...", ...extra fields}. `seq`
// increases by one per entry and continues across restarts and rotations. The file is
// 0600, opened O_APPEND|O_CLOEXEC|O_NOFOLLOW; when the next line would take it past
// max_file_bytes it is renamed to audit.log.1 (audit.log.1 → .2 ... up to `keep_files`,
// the oldest dropped) and a fresh file is started.
//
// Never a token value or a secret: callers pass identifiers (jti, kid, agent), not
// credentials; as a second line of defence every string that looks like a compact JWS,
// and every field named like a credential (token, access_token, secret, password,
// authorization, dpop, key, seed), is written as "[redacted]".
//
// Lines are written with one write(2) each and not fsync'ed (the log must not slow every
// mint by a disk flush); a crash can lose the last lines, and a torn last line is skipped
// by readers. Thread-safe (one mutex). The Clock must outlive the log.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"

namespace notme::authority {

// Event names (the "event" member).
inline constexpr std::string_view kAuditTokenMinted = "token.minted";
inline constexpr std::string_view kAuditTokenRefused = "token.refused";
inline constexpr std::string_view kAuditTokenRevoked = "token.revoked";
inline constexpr std::string_view kAuditAgentAdded = "agent.added";
inline constexpr std::string_view kAuditAgentRemoved = "agent.removed";
inline constexpr std::string_view kAuditKeyRotated = "key.rotated";
inline constexpr std::string_view kAuditPeerRefused = "peer.refused";
inline constexpr std::string_view kAuditAccessRefused = "access.refused";
inline constexpr std::string_view kAuditSshSigned = "ssh.signed";
inline constexpr std::string_view kAuditSshRefused = "ssh.refused";
inline constexpr std::string_view kAuditProxyRequest = "proxy.request";
inline constexpr std::string_view kAuditConfigReloaded = "config.reloaded";

inline constexpr std::string_view kAuditFileName = "audit.log";

// The process at the other end of a socket (SO_PEERCRED + /proc/<pid>/exe).
struct AuditPeer {
  pid_t pid = 0;
  uid_t uid = 0;
  std::string exe;  // empty when unknown
};

// An extra member with a string or integer value, for events written once per request
// (a mint): the line is written from these without building a JSON tree. Redacted like
// any field.
struct AuditField {
  std::string_view key;
  std::variant<std::string_view, int64_t> value;
};

struct AuditEvent {
  std::string_view event;           // one of the kAudit* names (or another dotted name)
  std::optional<AuditPeer> peer;    // absent for the daemon's own actions
  std::string agent;                // empty: not about one agent
  std::string reason;               // empty: none (refusals carry Error::message())
  nlohmann::json fields = nlohmann::json::object();  // extra members: jti, scope, aud, kid...
};

struct AuditPage {
  std::vector<nlohmann::json> entries;  // ascending seq
  uint64_t next = 0;  // pass as after_seq to continue (unchanged when nothing new)
};

struct AuditLogOptions {
  uint64_t max_file_bytes = 10 * 1024 * 1024;
  int keep_files = 3;            // audit.log.1 .. audit.log.<keep_files>
  size_t recent_entries = 4096;  // kept in memory to answer `--follow` polls cheaply
};

class AuditLog {
 public:
  static constexpr size_t kMaxReadLimit = 1000;

  // Opens (creating 0600) `<state_dir>/audit.log` and finds the last seq. The directory
  // is the caller's to check (EnsurePrivateDir). Errors: kUnsafePath (symlink, not a
  // regular file, foreign owner), kIo, kInvalidArgument for nonsensical options.
  static Result<std::unique_ptr<AuditLog>> Open(const std::filesystem::path& state_dir,
                                                const Clock& clock,
                                                AuditLogOptions options = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one entry and returns its seq. Errors: kIo (the entry is not written and the
  // seq is not used); kInvalidArgument when `fields` is neither an object nor null.
  Result<uint64_t> Append(const AuditEvent& event) EXCLUDES(mu_);
  // The same, taking `event`'s fields and strings instead of copying them (once per mint).
  // `scalar_fields` are extra members given as scalars instead of in event.fields (which
  // must then be empty): sorted by key without repeats, or kInvalidArgument.
  Result<uint64_t> Append(AuditEvent&& event, std::span<const AuditField> scalar_fields = {})
      EXCLUDES(mu_);

  // Entries with seq > after_seq (for `agent`, only that agent's), oldest first, at most
  // min(limit, kMaxReadLimit). Torn or unparsable lines are skipped. Errors: kIo.
  Result<AuditPage> Read(uint64_t after_seq, size_t limit,
                         std::optional<std::string_view> agent = std::nullopt) const
      EXCLUDES(mu_);

  uint64_t last_seq() const EXCLUDES(mu_);
  const std::filesystem::path& file() const { return file_; }

 private:
  struct Recent {
    uint64_t seq;
    std::string agent;
    std::string line;  // without the newline
  };
  AuditLog(std::filesystem::path file, const Clock& clock, AuditLogOptions options);
  Result<void> OpenFileLocked() REQUIRES(mu_);
  Result<void> RotateLocked() REQUIRES(mu_);
  Result<void> ScanFilesLocked(uint64_t after_seq, size_t limit,
                               std::optional<std::string_view> agent, AuditPage& page) const
      REQUIRES(mu_);
  std::filesystem::path Rotated(int n) const;

  const std::filesystem::path file_;
  const Clock& clock_;
  const AuditLogOptions options_;
  mutable Mutex mu_;
  int fd_ GUARDED_BY(mu_) = -1;
  uint64_t size_ GUARDED_BY(mu_) = 0;
  uint64_t last_seq_ GUARDED_BY(mu_) = 0;
  std::deque<Recent> recent_ GUARDED_BY(mu_);
};

}  // namespace notme::authority
