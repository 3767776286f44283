#pragma once
// Reads the header of a git object that git asks to have signed (git's object format:
// "name value" header lines up to the first empty line, then the message).
//
// The daemon uses it for policy: the committer/tagger/pusher timestamp must be close to
// now (no backdating a commit into a certificate window), and the audit entry names the
// commit's tree. Untrusted input; pure function; thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "notme/result.h"

namespace notme::ssh {

enum class GitObjectKind { kCommit, kTag, kPushCertificate };

struct GitObjectHeader {
  GitObjectKind kind = GitObjectKind::kCommit;
  std::string tree;       // the commit's tree id (hex); empty for tags and push certs
  int64_t timestamp = 0;  // committer / tagger / pusher time, Unix seconds
};

// Recognises a commit ("tree" first), a tag ("object" first) or a push certificate
// ("certificate version" first) and reads the signer-relevant fields. Errors: kMalformed
// when the payload is none of these, the header is unterminated, the identity line is
// missing or repeated, or its timestamp is not a decimal number of seconds.
Result<GitObjectHeader> ParseGitObjectHeader(std::span<const uint8_t> payload);

}  // namespace notme::ssh
