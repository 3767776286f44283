#include "authority/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <functional>
#include <optional>
#include <utility>

#include "base/errno_error.h"
#include "base/json_dump.h"

namespace notme::authority {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

// A compact JWS (RFC 7515 §7.1) or a JWT: "eyJ" (base64url of '{"') then two dots
// between base64url runs. Conservative: anything shaped like that is dropped.
bool LooksLikeJws(std::string_view s) {
  const size_t at = s.find("eyJ");
  if (at == std::string_view::npos) return false;
  int dots = 0;
  for (size_t i = at; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      ++dots;
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_')) {
      break;
    }
  }
  return dots >= 2;
}

bool IsCredentialName(std::string_view key) {
  static constexpr std::array<std::string_view, 11> kNames = {
      "token",         "access_token", "refresh_token", "id_token", "secret",     "password",
      "authorization", "dpop",         "key",           "seed",     "private_key"};
  for (std::string_view n : kNames) {
    if (key == n) return true;
  }
  return false;
}

// Replaces credential-looking values, recursively.
void Redact(nlohmann::json& value) {
  if (value.is_string()) {
    if (LooksLikeJws(value.get_ref<const std::string&>())) value = kRedacted;
  } else if (value.is_object()) {
    for (auto& [key, member] : value.items()) {
      if (IsCredentialName(key)) {
        member = kRedacted;
      } else {
        Redact(member);
      }
    }
  } else if (value.is_array()) {
    for (auto& member : value) Redact(member);
  }
}

// Calls `fn` with each complete line of `path` until it returns false. A missing file
// has no lines.
Result<void> ForEachLine(const std::filesystem::path& path,
                         const std::function<bool(std::string_view)>& fn) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Ok();
    return Fail(ErrnoError("open " + path.string(), errno));
  }
  std::string pending;
  std::array<char, 65536> buf{};
  Result<void> result = Ok();
  bool more = true;
  while (more) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      result = Fail(ErrnoError("read " + path.string(), errno));
      break;
    }
    if (n == 0) break;
    pending.append(buf.data(), static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; more && (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      more = fn(std::string_view(pending).substr(start, nl - start));
    }
    pending.erase(0, start);
  }
  ::close(fd);
  return result;  // a final line without '\n' is torn: skipped
}

std::optional<nlohmann::json> ParseLine(std::string_view line) {
  nlohmann::json entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (entry.is_discarded() || !entry.is_object() || !entry.contains("seq") ||
      !entry.at("seq").is_number_unsigned()) {
    return std::nullopt;
  }
  return entry;
}

uint64_t SeqOf(const nlohmann::json& entry) { return entry["seq"].get<uint64_t>(); }

bool AgentMatches(const nlohmann::json& entry, std::optional<std::string_view> agent) {
  if (!agent) return true;
  const auto it = entry.find("agent");
  return it != entry.end() && it->is_string() && it->get_ref<const std::string&>() == *agent;
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::filesystem::path& state_dir,
                                                 const Clock& clock, AuditLogOptions options) {
  if (options.max_file_bytes < 1024 || options.keep_files < 1 || options.keep_files > 99) {
    return Fail(ErrorCode::kInvalidArgument, "audit log: invalid rotation options");
  }
  std::unique_ptr<AuditLog> log(new AuditLog(state_dir / kAuditFileName, clock, options));
  MutexLock lock(&log->mu_);
  NOTME_TRY_VOID(log->OpenFileLocked());
  // The last seq is in the newest file that has a complete entry.
  for (int n = 0; n <= options.keep_files && log->last_seq_ == 0; ++n) {
    const std::filesystem::path path = n == 0 ? log->file_ : log->Rotated(n);
    uint64_t last = 0;
    NOTME_TRY_VOID(ForEachLine(path, [&](std::string_view line) {
      if (auto entry = ParseLine(line)) last = std::max(last, SeqOf(*entry));
      return true;
    }));
    log->last_seq_ = last;
  }
  return log;
}

AuditLog::AuditLog(std::filesystem::path file, const Clock& clock, AuditLogOptions options)
    : file_(std::move(file)), clock_(clock), options_(options) {}

AuditLog::~AuditLog() {
  MutexLock lock(&mu_);
  if (fd_ >= 0) ::close(fd_);
}

std::filesystem::path AuditLog::Rotated(int n) const {
  return std::filesystem::path(file_.string() + "." + std::to_string(n));
}

Result<void> AuditLog::OpenFileLocked() {
  const int fd =
      ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == ELOOP) {
      return Fail(ErrorCode::kUnsafePath, file_.string() + ": is a symlink; refusing to use it");
    }
    return Fail(ErrnoError("open " + file_.string(), errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Fail(ErrnoError("stat " + file_.string(), err));
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
    ::close(fd);
    return Fail(ErrorCode::kUnsafePath,
                file_.string() + ": not a regular file owned by the current user");
  }
  // Our own file: tighten a mode loosened by hand rather than refuse to audit.
  if ((st.st_mode & 0777) != 0600 && ::fchmod(fd, 0600) != 0) {
    const int err = errno;
    ::close(fd);
    return Fail(ErrnoError("chmod " + file_.string(), err));
  }
  fd_ = fd;
  size_ = static_cast<uint64_t>(st.st_size);
  return Ok();
}

Result<void> AuditLog::RotateLocked() {
  ::close(fd_);
  fd_ = -1;
  for (int n = options_.keep_files; n >= 2; --n) {
    const auto from = Rotated(n - 1);
    if (::rename(from.c_str(), Rotated(n).c_str()) != 0 && errno != ENOENT) {
      return Fail(ErrnoError("rename " + from.string(), errno));
    }
  }
  if (::rename(file_.c_str(), Rotated(1).c_str()) != 0 && errno != ENOENT) {
    return Fail(ErrnoError("rename " + file_.string(), errno));
  }
  return OpenFileLocked();
}

Result<uint64_t> AuditLog::Append(const AuditEvent& event) {
  AuditEvent copy = event;
  return Append(std::move(copy));
}

Result<uint64_t> AuditLog::Append(AuditEvent&& event,
                                  std::span<const AuditField> scalar_fields) {
  if (!event.fields.is_object() && !event.fields.is_null()) {
    return Fail(ErrorCode::kInvalidArgument, "audit: fields must be a JSON object");
  }
  if (!scalar_fields.empty() && !event.fields.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "audit: fields given both as JSON and as scalars");
  }
  for (size_t i = 1; i < scalar_fields.size(); ++i) {
    if (!(scalar_fields[i - 1].key < scalar_fields[i].key)) {
      return Fail(ErrorCode::kInvalidArgument, "audit: scalar fields not sorted or repeated");
    }
  }
  // The line is written member by member rather than built as a JSON tree (once per
  // mint): the caller's fields and the entry's own members (agent, event, peer, reason,
  // seq, ts — which win over a field of the same name), merged in the sorted order
  // nlohmann keeps, every value redacted as Redact would. Members sorting before "seq"
  // go into `head`, the others into `tail`; seq is known only under the lock.
  std::string head = "{", tail;
  auto member = [&](std::string_view key) -> std::string& {
    std::string& part = key < "seq" ? head : tail;
    if (part.size() > (&part == &head ? 1u : 0u)) part.push_back(',');
    json_dump_internal::AppendString(part, key);
    part.push_back(':');
    return part;
  };
  auto text = [](std::string& out, std::string_view value) {
    json_dump_internal::AppendString(out, LooksLikeJws(value) ? kRedacted : value);
  };
  const int64_t ts = clock_.NowSeconds();
  // The entry's own members, sorted; each present one is written when the merge reaches it.
  const std::array<std::string_view, 6> own = {"agent", "event", "peer", "reason", "seq", "ts"};
  auto present = [&](std::string_view key) {
    if (key == "agent") return !event.agent.empty();
    if (key == "reason") return !event.reason.empty();
    if (key == "peer") return event.peer.has_value();
    return key != "seq";  // written under the lock
  };
  auto write_own = [&](std::string_view key) {
    if (key == "agent") return text(member(key), event.agent);
    if (key == "event") return text(member(key), event.event);
    if (key == "reason") return text(member(key), event.reason);
    if (key == "ts") return json_dump_internal::AppendInteger(member(key), ts);
    std::string& out = member(key);  // peer: {"exe","pid","uid"}
    out += "{\"exe\":";
    text(out, event.peer->exe);
    out += ",\"pid\":";
    json_dump_internal::AppendInteger(out, event.peer->pid);
    out += ",\"uid\":";
    json_dump_internal::AppendInteger(out, event.peer->uid);
    out.push_back('}');
  };
  size_t next_own = 0;
  auto own_before = [&](std::optional<std::string_view> key) {
    for (; next_own < own.size() && (!key || own[next_own] < *key); ++next_own) {
      if (present(own[next_own])) write_own(own[next_own]);
    }
  };
  // A field's member, unless the entry has its own of that name (which wins): the
  // string to write its value into, or null.
  auto field_member = [&](std::string_view key) -> std::string* {
    own_before(key);
    const bool own_key = std::find(own.begin(), own.end(), key) != own.end();
    if (own_key && (key == "seq" || present(key))) return nullptr;
    std::string& out = member(key);
    if (IsCredentialName(key)) {
      json_dump_internal::AppendString(out, kRedacted);
      return nullptr;
    }
    return &out;
  };
  if (event.fields.is_object()) {
    for (auto it = event.fields.begin(); it != event.fields.end(); ++it) {
      if (std::string* out = field_member(it.key())) {
        Redact(it.value());
        json_dump_internal::Append(*out, it.value());
      }
    }
  }
  for (const AuditField& f : scalar_fields) {
    if (std::string* out = field_member(f.key)) {
      if (const auto* s = std::get_if<std::string_view>(&f.value)) {
        text(*out, *s);
      } else {
        json_dump_internal::AppendInteger(*out, std::get<int64_t>(f.value));
      }
    }
  }
  own_before(std::nullopt);  // the rest of the entry's own members

  MutexLock lock(&mu_);
  if (fd_ < 0) NOTME_TRY_VOID(OpenFileLocked());  // a failed rotation left no file open
  const uint64_t seq = last_seq_ + 1;
  std::string line = std::move(head);
  if (line.size() > 1) line.push_back(',');
  line += "\"seq\":";
  json_dump_internal::AppendInteger(line, seq);
  if (!tail.empty()) {
    line.push_back(',');
    line += tail;
  }
  line += "}\n";
  if (size_ > 0 && size_ + line.size() > options_.max_file_bytes) NOTME_TRY_VOID(RotateLocked());
  // O_APPEND: one write(2) per line keeps lines whole even with other writers.
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrnoError("write " + file_.string(), errno));
    }
    rest.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  last_seq_ = seq;
  line.pop_back();
  recent_.push_back(Recent{seq, std::move(event.agent), std::move(line)});
  while (recent_.size() > options_.recent_entries) recent_.pop_front();
  return seq;
}

Result<void> AuditLog::ScanFilesLocked(uint64_t after_seq, size_t limit,
                                       std::optional<std::string_view> agent,
                                       AuditPage& page) const {
  // Oldest first. A file whose successor starts at or before after_seq + 1 holds
  // nothing newer than after_seq and is skipped.
  std::vector<std::filesystem::path> files;
  for (int n = options_.keep_files; n >= 1; --n) files.push_back(Rotated(n));
  files.push_back(file_);
  std::vector<uint64_t> first(files.size(), 0);
  for (size_t i = 0; i < files.size(); ++i) {
    NOTME_TRY_VOID(ForEachLine(files[i], [&](std::string_view line) {
      if (auto entry = ParseLine(line)) {
        first[i] = SeqOf(*entry);
        return false;
      }
      return true;
    }));
  }
  size_t start = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (first[i] != 0 && first[i] <= after_seq + 1) start = i;
  }
  for (size_t i = start; i < files.size() && page.entries.size() < limit; ++i) {
    NOTME_TRY_VOID(ForEachLine(files[i], [&](std::string_view line) {
      auto entry = ParseLine(line);
      if (!entry) return true;
      const uint64_t seq = SeqOf(*entry);
      if (seq <= after_seq || seq <= page.next) return true;
      page.next = seq;
      if (AgentMatches(*entry, agent)) page.entries.push_back(std::move(*entry));
      return page.entries.size() < limit;
    }));
  }
  return Ok();
}

Result<AuditPage> AuditLog::Read(uint64_t after_seq, size_t limit,
                                 std::optional<std::string_view> agent) const {
  limit = std::min(limit, kMaxReadLimit);
  AuditPage page;
  page.next = after_seq;
  MutexLock lock(&mu_);
  if (limit == 0 || after_seq >= last_seq_) return page;
  if (!recent_.empty() && recent_.front().seq <= after_seq + 1) {
    for (const Recent& r : recent_) {
      if (r.seq <= after_seq) continue;
      page.next = r.seq;
      if (agent && r.agent != *agent) continue;
      if (auto entry = ParseLine(r.line)) page.entries.push_back(std::move(*entry));
      if (page.entries.size() == limit) break;
    }
    return page;
  }
  NOTME_TRY_VOID(ScanFilesLocked(after_seq, limit, agent, page));
  // Every entry was examined: later polls need not look at these again.
  if (page.entries.size() < limit) page.next = std::max(page.next, last_seq_);
  return page;
}

uint64_t AuditLog::last_seq() const {
  MutexLock lock(&mu_);
  return last_seq_;
}

}  // namespace notme::authority
