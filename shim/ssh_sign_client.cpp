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
constexpr std::string_view kTokenPath = "/token";
constexpr std::string_view kMetadataPath = "/.well-known/oauth-authorization-server";
// notmed's default `--issuer` (CONTRACT.md), whose token endpoint is issuer + "/token".
constexpr std::string_view kDefaultIssuer = "http://notme.localhost";

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

// Where the proofs point: the issuer (no trailing slash) and its token endpoint.
struct Endpoints {
  std::string issuer;
  std::string token_endpoint;
};

Endpoints DefaultEndpoints() {
  return {std::string(kDefaultIssuer), std::string(kDefaultIssuer) + std::string(kTokenPath)};
}

// The endpoints notmed advertises (RFC 8414 metadata).
Result<Endpoints> ReadEndpoints(UnixHttpConnection& conn) {
  NOTME_TRY(auto meta_answer, conn.Request("GET", kMetadataPath, "", {}));
  NOTME_TRY(auto meta, JsonBody(meta_answer));
  Endpoints out{StringMember(meta, "issuer"), StringMember(meta, "token_endpoint")};
  if (out.issuer.empty() || out.token_endpoint.empty()) {
    return Fail(ErrorCode::kMalformed, "notmed: metadata lacks issuer or token_endpoint");
  }
  while (!out.issuer.empty() && out.issuer.back() == '/') out.issuer.pop_back();
  return out;
}

// True for an OAuth error answer whose "error" is `code`.
bool IsErrorCode(const HttpAnswer& a, std::string_view code) {
  if (a.status < 400) return false;
  auto j = nlohmann::json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && StringMember(j, "error") == code;
}

Result<HttpAnswer> RequestToken(UnixHttpConnection& conn, const crypto::Ed25519SecretKey& key,
                                const Endpoints& endpoints, const std::string& form_body) {
  return PostWithProof(conn, key, PathOf(endpoints.token_endpoint), endpoints.token_endpoint,
                       form_body, "application/x-www-form-urlencoded", std::nullopt);
}

struct SigningToken {
  std::string access_token;
  Endpoints endpoints;  // the ones the daemon accepted
};

// A DPoP-bound `git:sign` token for the socket's agent, or on the control socket for
// `client_id`. Optimistic: proofs name the default issuer's endpoints, which saves the
// metadata round trip at every signature; a daemon with another --issuer refuses that
// htu, and only then is the metadata read and the request repeated.
Result<SigningToken> ObtainSigningToken(UnixHttpConnection& conn, const crypto::Ed25519SecretKey& key,
                                        const std::optional<std::string>& client_id) {
  std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", "client_credentials"}, {"scope", std::string(kScope)}};
  if (client_id) form.push_back({"client_id", *client_id});
  const std::string form_body = client::FormEncode(form);
  Endpoints endpoints = DefaultEndpoints();
  NOTME_TRY(auto answer, RequestToken(conn, key, endpoints, form_body));
  if (IsErrorCode(answer, "invalid_dpop_proof")) {
    NOTME_TRY(auto advertised, ReadEndpoints(conn));
    if (advertised.token_endpoint != endpoints.token_endpoint) {
      endpoints = std::move(advertised);
      NOTME_TRY(answer, RequestToken(conn, key, endpoints, form_body));
    }
  }
  NOTME_TRY(auto token, JsonBody(answer));
  std::string access_token = StringMember(token, "access_token");
  if (access_token.empty()) return Fail(ErrorCode::kMalformed, "notmed: no access_token");
  return SigningToken{std::move(access_token), std::move(endpoints)};
}

}  // namespace

Result<SignOutcome> SignThroughDaemon(const SignInvocation& invocation, std::string_view data,
                                      const EnvLookup& env) {
  NOTME_TRY(auto socket_path, client::ResolveClientSocket(env, ::getuid()));
  NOTME_TRY_VOID(client::CheckSocket(socket_path, ::getuid()));
  UnixHttpConnection conn(socket_path.string());
  // notmed's accept, peer check and hand-off to a worker overlap with the key generation
  // and proof below.
  NOTME_TRY_VOID(conn.Open());

  const std::string body = nlohmann::json({{"namespace", invocation.ns},
                                           {"data", ssh::Base64Encode(ssh::AsBytes(data))}})
                               .dump();
  const bool agent_socket = !AgentOfSocket(socket_path).empty();
  auto named_agent = SigningAgentFromKey(invocation.key);
  HttpAnswer answer;
  if (agent_socket || named_agent) {
    // The proof key lives for this process only, in guarded memory.
    NOTME_TRY(auto key, crypto::Ed25519SecretKey::Generate());
    NOTME_TRY(auto token, ObtainSigningToken(conn, key, agent_socket ? std::nullopt : named_agent));
    NOTME_TRY(answer, PostWithProof(conn, key, std::string(kSignPath),
                                    token.endpoints.issuer + std::string(kSignPath), body,
                                    "application/json", token.access_token));
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
