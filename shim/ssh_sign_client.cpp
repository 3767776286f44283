#include "shim/ssh_sign_client.h"

#include <unistd.h>

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "crypto/ed25519.h"
#include "jose/dpop.h"
#include "notme/client.h"
#include "notme/client_socket.h"
#include "shim/ssh_sign_http.h"
#include "ssh/base64.h"
#include "ssh/sshsig.h"
#include "ssh/wire.h"

namespace notme::shim {
namespace {

constexpr std::string_view kScope = "git:sign";
constexpr std::string_view kSignPath = "/v1/ssh/sign";
constexpr std::string_view kMetadataPath = "/.well-known/oauth-authorization-server";

// <runtime>/agents/<agent>.sock → "<agent>"; anything else → "".
std::string AgentOfSocket(const std::filesystem::path& socket) {
  if (socket.parent_path().filename() != "agents" || socket.extension() != ".sock") return {};
  return socket.stem().string();
}

Result<nlohmann::json> JsonBody(const HttpAnswer& a) {
  if (a.status < 200 || a.status > 299) return Fail(client::DecodeErrorResponse(a.status, a.body));
  auto j = nlohmann::json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Fail(ErrorCode::kMalformed, "notmed: answer is not a JSON object");
  return j;
}

std::string StringMember(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "http://notme.localhost/token" → "/token".
std::string PathOf(const std::string& url) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

bool IsUseDpopNonce(const HttpAnswer& a) {
  return a.status >= 400 && a.dpop_nonce && a.body.find("use_dpop_nonce") != std::string::npos;
}

// A DPoP-protected POST: a fresh proof per attempt, one retry with the server's nonce
// (RFC 9449 §8).
Result<HttpAnswer> PostWithProof(UnixHttpConnection& conn, const crypto::Ed25519SecretKey& key,
                                 const std::string& path, const std::string& htu,
                                 const std::string& body, const std::string& content_type,
                                 const std::optional<std::string>& access_token) {
  std::optional<std::string> nonce;
  HttpAnswer answer;
  for (int attempt = 0; attempt < 2; ++attempt) {
    NOTME_TRY(std::string proof, jose::CreateDpopProof(key, "POST", htu, SystemClock::Instance().NowSeconds(),
                                                       nonce, access_token));
    HeaderList headers = {{"Content-Type", content_type}, {"DPoP", proof}};
    if (access_token) headers.push_back({"Authorization", "DPoP " + *access_token});
    NOTME_TRY(answer, conn.Request("POST", path, body, headers));
    if (!IsUseDpopNonce(answer)) break;
    nonce = answer.dpop_nonce;
  }
  return answer;
}

}  // namespace

Result<SignOutcome> SignThroughDaemon(const SignInvocation& invocation, std::string_view data,
                                      const EnvLookup& env) {
  NOTME_TRY(auto socket_path, client::ResolveClientSocket(env, ::getuid()));
  NOTME_TRY_VOID(client::CheckSocket(socket_path, ::getuid()));
  UnixHttpConnection conn(socket_path.string());

  const std::string body = nlohmann::json({{"namespace", invocation.ns},
                                           {"data", ssh::Base64Encode(ssh::AsBytes(data))}})
                               .dump();
  const bool agent_socket = !AgentOfSocket(socket_path).empty();
  auto named_agent = SigningAgentFromKey(invocation.key);
  HttpAnswer answer;
  if (agent_socket || named_agent) {
    NOTME_TRY(auto meta_answer, conn.Request("GET", kMetadataPath, "", {}));
    NOTME_TRY(auto meta, JsonBody(meta_answer));
    std::string issuer = StringMember(meta, "issuer");
    std::string token_endpoint = StringMember(meta, "token_endpoint");
    if (issuer.empty() || token_endpoint.empty()) {
      return Fail(ErrorCode::kMalformed, "notmed: metadata lacks issuer or token_endpoint");
    }
    while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
    // The proof key lives for this process only, in guarded memory.
    NOTME_TRY(auto key, crypto::Ed25519SecretKey::Generate());
    std::vector<std::pair<std::string, std::string>> form = {
        {"grant_type", "client_credentials"}, {"scope", std::string(kScope)}};
    if (!agent_socket) form.push_back({"client_id", *named_agent});
    NOTME_TRY(auto token_answer,
              PostWithProof(conn, key, PathOf(token_endpoint), token_endpoint,
                            client::FormEncode(form), "application/x-www-form-urlencoded",
                            std::nullopt));
    NOTME_TRY(auto token, JsonBody(token_answer));
    std::string access_token = StringMember(token, "access_token");
    if (access_token.empty()) return Fail(ErrorCode::kMalformed, "notmed: no access_token");
    NOTME_TRY(answer, PostWithProof(conn, key, std::string(kSignPath),
                                    issuer + std::string(kSignPath), body, "application/json",
                                    access_token));
  } else {
    NOTME_TRY(answer, conn.Request("POST", kSignPath, body, {{"Content-Type", "application/json"}}));
  }
  NOTME_TRY(auto signed_, JsonBody(answer));
  std::string armored = StringMember(signed_, "signature");
  if (armored.empty()) return Fail(ErrorCode::kMalformed, "notmed answered without a signature");
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
