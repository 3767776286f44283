#pragma once
// The signing half of notme-ssh-sign: asks notmed (POST /v1/ssh/sign) over NOTME_SOCKET
// (else the control socket) to sign data, and turns failures into one line a person can
// act on.
//
// Who signs: on an agent socket, the agent — with a DPoP-bound token for scope
// `git:sign` obtained from that socket. On the control socket, the agent named by a
// "notme-agent:<name>" signing key (a token minted for it there), else the human,
// without a token.

#include <string>
#include <string_view>

#include "notme/paths.h"
#include "notme/result.h"
#include "shim/ssh_sign_args.h"

namespace notme::shim {

struct SignOutcome {
  std::string armored;  // the armored SSHSIG, newline-terminated
};

// Errors: the client library's (kDaemonUnreachable, kUnsafePath, kTimeout, kIo), the
// daemon's (kInvalidScope / kPermissionDenied when the agent may not sign, kInvalidClient
// for an unknown agent, kInvalidRequest for a refused payload), kMalformed when the answer
// is not an SSH signature.
Result<SignOutcome> SignThroughDaemon(const SignInvocation& invocation, std::string_view data,
                                      const EnvLookup& env);

// One line (no trailing newline) saying what went wrong and what to run.
std::string DescribeSignFailure(const Error& error, const SignInvocation& invocation,
                                const EnvLookup& env);

}  // namespace notme::shim
