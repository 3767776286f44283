#include "shim/ssh_sign_client.h"

#include <unistd.h>

#include <filesystem>

#include "notme/client.h"
#include "notme/client_socket.h"
#include "ssh/base64.h"
#include "ssh/sshsig.h"
#include "ssh/wire.h"

namespace notme::shim {
namespace {

constexpr std::string_view kScope = "git:sign";
constexpr std::string_view kSignPath = "/v1/ssh/sign";

// <runtime>/agents/<agent>.sock → "<agent>"; anything else → "".
std::string AgentOfSocket(const std::filesystem::path& socket) {
  if (socket.parent_path().filename() != "agents" || socket.extension() != ".sock") return {};
  return socket.stem().string();
}

}  // namespace

Result<SignOutcome> SignThroughDaemon(const SignInvocation& invocation, std::string_view data,
                                      const EnvLookup& env) {
  NOTME_TRY(auto socket, client::ResolveClientSocket(env, ::getuid()));
  client::ClientOptions options;
  options.socket = socket;
  NOTME_TRY(auto c, client::Client::Create(std::move(options)));

  nlohmann::json body = {{"namespace", invocation.ns},
                         {"data", ssh::Base64Encode(ssh::AsBytes(data))}};
  Result<nlohmann::json> answer = nlohmann::json();
  const bool agent_socket = !AgentOfSocket(socket).empty();
  auto named_agent = SigningAgentFromKey(invocation.key);
  if (agent_socket || named_agent) {
    client::TokenRequest request;
    if (!agent_socket) request.agent = *named_agent;
    request.scopes = {std::string(kScope)};
    NOTME_TRY(auto token, c.RequestToken(request));
    answer = c.CallWithToken("POST", kSignPath, token.access_token, &body);
  } else {
    answer = c.Call("POST", kSignPath, &body);
  }
  if (!answer) return Fail(answer.error());
  auto sig = answer->find("signature");
  if (!answer->is_object() || sig == answer->end() || !sig->is_string()) {
    return Fail(ErrorCode::kMalformed, "notmed answered without a signature");
  }
  std::string armored = sig->get<std::string>();
  // Never hand git something ssh-keygen could not read back.
  NOTME_TRY(auto blob, ssh::DearmorSshsig(armored));
  NOTME_TRY_VOID(ssh::ParseSshsig(blob));
  return SignOutcome{std::move(armored)};
}

std::string DescribeSignFailure(const Error& error, const SignInvocation& invocation,
                                const EnvLookup& env) {
  std::string socket = env("NOTME_SOCKET").value_or("the control socket");
  auto agent = SigningAgentFromKey(invocation.key);
  std::string who = agent ? "agent '" + *agent + "'" : std::string("this agent");
  switch (error.code()) {
    case ErrorCode::kDaemonUnreachable:
      return "notmed is not running (nothing answers on " + socket +
             "); start it with `systemctl --user start notmed` or `notmed &`, then retry";
    case ErrorCode::kInvalidScope:
    case ErrorCode::kPermissionDenied:
      return who + " may not sign commits (" + error.message() +
             "); give it the scope with `notme agent add NAME --scope git:sign` (re-add the agent)";
    case ErrorCode::kInvalidClient:
      return "unknown agent (" + error.message() + "); register it with `notme agent add NAME --scope git:sign`";
    case ErrorCode::kUnsafePath:
      return "refusing an unsafe socket: " + error.message();
    default:
      return "signing failed: " + error.message();
  }
}

}  // namespace notme::shim
