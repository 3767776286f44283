#pragma once
// Command-line handling of notme-ssh-sign, git's `gpg.ssh.program` (issue 5).
//
// git (>= 2.34) signs with `PROGRAM -Y sign -n git -f KEY [-U] FILE` and reads FILE.sig;
// other callers may sign stdin (no FILE) and read the signature from stdout, as with
// ssh-keygen. Every other invocation — `-Y verify`, `-Y find-principals`,
// `-Y check-novalidate` (with git's possibly empty `-Overify-time=` argument), `-l`, ... —
// belongs to the real ssh-keygen and is passed through unchanged. Pure; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "notme/result.h"

namespace notme::shim {

struct SignInvocation {
  std::string ns;                  // -n
  std::string key;                 // -f (git's user.signingkey; see SigningAgentFromKey)
  bool key_is_literal = false;     // -U: the key came from ssh-agent / a literal key
  bool quiet = false;              // -q
  std::vector<std::string> files;  // empty: sign stdin to stdout
};

struct ParsedArgs {
  enum class Action { kSign, kPassThrough, kVersion };
  Action action = Action::kPassThrough;
  SignInvocation sign;  // for kSign
};

// Decides what to do with argv[1..]. A `-Y sign` invocation with an option we do not
// implement (e.g. `-O hashalg=sha256`, `-O print-pubkey`) is a usage error
// (kInvalidArgument) rather than being silently signed differently.
Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args);

// "notme-agent:<name>" (what `notme run` sets as user.signingkey) → "<name>"; anything
// else (a path, a literal key, "notme") → nullopt, meaning: whoever the socket says.
std::optional<std::string> SigningAgentFromKey(const std::string& key);

}  // namespace notme::shim
