#pragma once
// The environment `notme run` gives its child (CONTRACT.md "notme run"): NOTME_SOCKET set
// to the agent's socket, and git configured for the child only, through
// GIT_CONFIG_COUNT / GIT_CONFIG_KEY_<n> / GIT_CONFIG_VALUE_<n> (git-config(1),
// "ENVIRONMENT"), appended after any entries the caller already set. Nothing here is a
// secret: the socket is useless to another uid and the helpers hold no key. Pure.

#include <string>
#include <utility>
#include <vector>

#include "notme/result.h"

namespace notme::cli {

struct RunEnvInputs {
  std::string agent;             // the agent's name
  std::string agent_socket;      // absolute path of its socket
  std::string ssh_sign_program;  // path of notme-ssh-sign
  std::string credential_helper; // path of git-credential-notme
};

// The user.signingkey value the notme-ssh-sign shim expects: "notme-agent:<agent>" (git
// passes it to the shim as `-f`; the shim signs through NOTME_SOCKET).
std::string SigningKeyFor(const std::string& agent);

// The git configuration pairs, in order: gpg.format=ssh, gpg.ssh.program,
// user.signingkey, commit.gpgsign=true, credential.helper="" (reset the list, so no
// helper of the user's answers for the agent), credential.helper=<helper>.
std::vector<std::pair<std::string, std::string>> GitConfigFor(const RunEnvInputs& in);

// `base` ("NAME=value" entries, e.g. from environ) with NOTME_SOCKET replaced and the git
// entries appended. Errors: kInvalidArgument when an existing GIT_CONFIG_COUNT is not a
// non-negative integer (git would refuse it too).
Result<std::vector<std::string>> BuildRunEnvironment(const std::vector<std::string>& base,
                                                     const RunEnvInputs& in);

// Quotes `s` for the POSIX shell when it contains anything but [A-Za-z0-9/._+-]
// (git runs an absolute credential.helper through the shell).
std::string ShellQuote(const std::string& s);

}  // namespace notme::cli
