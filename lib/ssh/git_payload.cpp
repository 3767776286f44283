#include "ssh/git_payload.h"

#include <charconv>
#include <optional>

#include "ssh/wire.h"

namespace notme::ssh {
namespace {

bool IsHexId(std::string_view s) {
  if (s.size() != 40 && s.size() != 64) return false;  // SHA-1 or SHA-256 repositories
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// "Name <email> 1700000000 +0100" → 1700000000 (git's ident format: the time follows
// the last '>').
Result<int64_t> IdentTimestamp(std::string_view ident) {
  size_t gt = ident.rfind('>');
  if (gt == std::string_view::npos) return Fail(ErrorCode::kMalformed, "git payload: bad identity");
  std::string_view rest = ident.substr(gt + 1);
  if (rest.empty() || rest.front() != ' ') return Fail(ErrorCode::kMalformed, "git payload: bad identity");
  rest.remove_prefix(1);
  size_t sp = rest.find(' ');
  std::string_view digits = rest.substr(0, sp);
  bool all_digits = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  if (!all_digits || digits.size() > 18) {
    return Fail(ErrorCode::kMalformed, "git payload: bad timestamp");
  }
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ts);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return Fail(ErrorCode::kMalformed, "git payload: bad timestamp");
  }
  return ts;
}

}  // namespace

Result<GitObjectHeader> ParseGitObjectHeader(std::span<const uint8_t> payload) {
  std::string_view text = AsText(payload);
  size_t end = text.find("\n\n");
  // A commit with an empty message has no blank line after the headers.
  std::string_view header = end == std::string_view::npos ? text : text.substr(0, end + 1);
  if (header.empty() || header.back() != '\n') {
    return Fail(ErrorCode::kMalformed, "git payload: unterminated header");
  }

  GitObjectHeader out;
  std::string_view ident_name;
  if (header.starts_with("tree ")) {
    out.kind = GitObjectKind::kCommit;
    ident_name = "committer";
  } else if (header.starts_with("object ")) {
    out.kind = GitObjectKind::kTag;
    ident_name = "tagger";
  } else if (header.starts_with("certificate version ")) {
    out.kind = GitObjectKind::kPushCertificate;
    ident_name = "pusher";
  } else {
    return Fail(ErrorCode::kMalformed, "git payload: not a commit, tag or push certificate");
  }

  std::optional<int64_t> timestamp;
  bool first = true;
  while (!header.empty()) {
    size_t nl = header.find('\n');
    std::string_view line = header.substr(0, nl);
    header.remove_prefix(nl + 1);
    size_t sp = line.find(' ');
    std::string_view name = line.substr(0, sp);
    std::string_view value = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    if (first && out.kind == GitObjectKind::kCommit) {
      if (!IsHexId(value)) return Fail(ErrorCode::kMalformed, "git payload: bad tree id");
      out.tree = std::string(value);
    }
    first = false;
    if (name == ident_name) {
      if (timestamp) return Fail(ErrorCode::kMalformed, "git payload: repeated identity line");
      NOTME_TRY(int64_t ts, IdentTimestamp(value));
      timestamp = ts;
    }
  }
  if (!timestamp) return Fail(ErrorCode::kMalformed, "git payload: no identity line");
  out.timestamp = *timestamp;
  return out;
}

}  // namespace notme::ssh
