#pragma once
// SSH signing endpoints of notmed (issue 5, docs/api.md, docs/ssh-signing.md):
//   POST /v1/ssh/sign  {"namespace":"git","data":"<base64>"} → {"signature":"-----BEGIN..."}
//   GET  /v1/ssh/ca    → {"public_key","allowed_signers","principal"}
// installed on every socket (a RouteInstaller, see DaemonContext).
//
// Who may sign: a request with `Authorization: DPoP <token>` and a DPoP proof for this
// request whose token has scope `git:sign` (on an agent socket the token must be that
// agent's); or, without a token, the human on the control socket. Anything else is
// refused, and every signature and refusal is audited (ssh.signed / ssh.refused).
//
// The git email that certificates name as principal is read, per request, from
// `<config_dir>/ssh-signing.json` ({"email": "...", "namespaces": ["git", ...]}, written by
// `notme git setup`), falling back to the daemon's human identity.

#include <string>
#include <vector>

#include "daemon/daemon_context.h"
#include "notme/result.h"

namespace notme::daemon {

inline constexpr std::string_view kSshSignPath = "/v1/ssh/sign";
inline constexpr std::string_view kSshCaPath = "/v1/ssh/ca";
inline constexpr std::string_view kGitSignScope = "git:sign";
inline constexpr std::string_view kSshSigningConfigFile = "ssh-signing.json";

void InstallSshRoutes(server::UnixHttpServer& server, DaemonContext& ctx);

// The signing configuration in effect: `<config_dir>/ssh-signing.json` when present, else
// {email: options.human, namespaces: ["git"]}. Errors: kConfig when the file exists but
// is not valid (bad JSON, wrong types, unknown members), kUnsafePath when it is a symlink.
struct SshSigningConfig {
  std::string email;
  std::vector<std::string> namespaces;
};
Result<SshSigningConfig> LoadSshSigningConfig(const DaemonContext& ctx);

}  // namespace notme::daemon
