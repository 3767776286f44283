#include "notme/client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include "base/clock.h"
#include "client/transport_error.h"
#include "crypto/sodium_init.h"
#include "jose/dpop.h"
#include "jose/jwk.h"
#include "notme/client_socket.h"

namespace notme::client {
namespace {

constexpr size_t kMaxJsonAnswer = 16 * 1024 * 1024;

// The proof's htu excludes query and fragment (RFC 9449 §4.2).
std::string_view PathWithoutQuery(std::string_view path) {
  return path.substr(0, path.find_first_of("?#"));
}

std::string TrimTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Result<nlohmann::json> ParseAnswer(const HttpResponse& r) {
  if (r.status < 200 || r.status > 299) return Fail(DecodeErrorResponse(r.status, r.body));
  if (r.body.empty()) return nlohmann::json();
  if (r.body.size() > kMaxJsonAnswer) return Fail(ErrorCode::kTooLarge, "notmed: answer too large");
  auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Fail(ErrorCode::kMalformed, "notmed: answer is not JSON");
  return j;
}

std::string StringMember(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return {};
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<Client> Client::Create(ClientOptions options) {
  NOTME_TRY_VOID(crypto::InitCrypto());
  NOTME_TRY(crypto::Ed25519SecretKey key, crypto::Ed25519SecretKey::Generate());
  std::string thumbprint = jose::PublicJwk::FromEd25519(key.public_key()).Thumbprint();
  return Client(std::move(options), std::move(key), std::move(thumbprint));
}

Result<HttpResponse> Client::Send(std::string_view method, std::string_view path,
                                  std::string_view body, std::string_view content_type,
                                  const Headers& headers) const {
  if (options_.check_socket) NOTME_TRY_VOID(CheckSocket(options_.socket, ::getuid()));
  try {
    httplib::Client http(options_.socket.string());
    http.set_address_family(AF_UNIX);
    http.set_keep_alive(false);
    const auto ms = [](std::chrono::milliseconds d) {
      return std::chrono::duration_cast<std::chrono::microseconds>(d);
    };
    http.set_connection_timeout(ms(options_.connect_timeout));
    http.set_read_timeout(ms(options_.io_timeout));
    http.set_write_timeout(ms(options_.io_timeout));
    httplib::Request req;
    req.method = std::string(method);
    req.path = std::string(path);
    for (const auto& [k, v] : headers) req.headers.emplace(k, v);
    if (!content_type.empty()) req.headers.emplace("Content-Type", std::string(content_type));
    req.body = std::string(body);
    auto res = http.send(req);
    if (!res) return Fail(TransportError(options_.socket, res.error()));
    HttpResponse out;
    out.status = res->status;
    out.body = std::move(res->body);
    out.content_type = res->get_header_value("Content-Type");
    if (res->has_header("DPoP-Nonce")) out.dpop_nonce = res->get_header_value("DPoP-Nonce");
    return out;
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kIo, std::string("talking to notmed: ") + e.what());
  }
}

Result<nlohmann::json> Client::Call(std::string_view method, std::string_view path,
                                    const nlohmann::json* body) const {
  std::string text = body != nullptr ? body->dump() : std::string();
  NOTME_TRY(HttpResponse r,
            Send(method, path, text, body != nullptr ? "application/json" : "", {}));
  return ParseAnswer(r);
}

Result<std::string> Client::Proof(std::string_view method, std::string_view htu,
                                  const std::optional<std::string>& nonce,
                                  std::optional<std::string> access_token) const {
  return jose::CreateDpopProof(key_, method, htu, SystemClock::Instance().NowSeconds(), nonce,
                               std::move(access_token));
}

Result<nlohmann::json> Client::Metadata() {
  if (metadata_) return *metadata_;
  NOTME_TRY(nlohmann::json m, Call("GET", "/.well-known/oauth-authorization-server"));
  if (StringMember(m, "issuer").empty() || StringMember(m, "token_endpoint").empty()) {
    return Fail(ErrorCode::kMalformed, "notmed: metadata lacks issuer or token_endpoint");
  }
  metadata_ = m;
  return m;
}

Result<nlohmann::json> Client::CallWithToken(std::string_view method, std::string_view path,
                                             std::string_view access_token,
                                             const nlohmann::json* body) {
  NOTME_TRY(nlohmann::json meta, Metadata());
  const std::string htu =
      TrimTrailingSlash(StringMember(meta, "issuer")) + std::string(PathWithoutQuery(path));
  const std::string text = body != nullptr ? body->dump() : std::string();
  std::optional<std::string> nonce;
  for (int attempt = 0; attempt < 2; ++attempt) {
    NOTME_TRY(std::string proof, Proof(method, htu, nonce, std::string(access_token)));
    Headers headers = {{"Authorization", "DPoP " + std::string(access_token)},
                       {"DPoP", proof}};
    NOTME_TRY(HttpResponse r, Send(method, path, text,
                                   body != nullptr ? "application/json" : "", headers));
    auto answer = ParseAnswer(r);
    if (!answer && answer.error().code() == ErrorCode::kUseDpopNonce && r.dpop_nonce &&
        attempt == 0) {
      nonce = r.dpop_nonce;
      continue;
    }
    return answer;
  }
  return Fail(ErrorCode::kUseDpopNonce, "notmed: DPoP nonce refused twice");
}

Result<TokenResponse> Client::RequestToken(const TokenRequest& request) {
  if (request.scopes.empty()) return Fail(ErrorCode::kInvalidArgument, "at least one scope is needed");
  std::string scope;
  for (const auto& s : request.scopes) {
    if (s.empty() || s.find_first_of(" \t\r\n") != std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument, "a scope may not be empty or contain spaces");
    }
    if (!scope.empty()) scope.push_back(' ');
    scope += s;
  }
  NOTME_TRY(nlohmann::json meta, Metadata());
  const std::string token_endpoint = StringMember(meta, "token_endpoint");
  std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", "client_credentials"}};
  if (!request.agent.empty()) form.emplace_back("client_id", request.agent);
  form.emplace_back("scope", scope);
  if (!request.resource.empty()) form.emplace_back("resource", request.resource);
  const std::string body = FormEncode(form);
  // The request goes to the token endpoint's path on our socket; the proof names the
  // advertised URL, which the daemon compares per RFC 9449 §4.3.
  NOTME_TRY(std::string url_path, [&]() -> Result<std::string> {
    auto scheme = token_endpoint.find("://");
    auto slash = scheme == std::string::npos ? std::string::npos
                                             : token_endpoint.find('/', scheme + 3);
    if (slash == std::string::npos) return std::string("/token");
    return std::string(PathWithoutQuery(std::string_view(token_endpoint).substr(slash)));
  }());
  std::optional<std::string> nonce;
  for (int attempt = 0; attempt < 2; ++attempt) {
    NOTME_TRY(std::string proof, Proof("POST", token_endpoint, nonce, std::nullopt));
    NOTME_TRY(HttpResponse r, Send("POST", url_path, body, "application/x-www-form-urlencoded",
                                   {{"DPoP", proof}}));
    auto answer = ParseAnswer(r);
    if (!answer) {
      if (answer.error().code() == ErrorCode::kUseDpopNonce && r.dpop_nonce && attempt == 0) {
        nonce = r.dpop_nonce;
        continue;
      }
      return Fail(answer.error());
    }
    TokenResponse t;
    t.access_token = StringMember(*answer, "access_token");
    t.token_type = StringMember(*answer, "token_type");
    t.scope = StringMember(*answer, "scope");
    if (auto it = answer->find("expires_in"); it != answer->end() && it->is_number_integer()) {
      t.expires_in = it->get<int64_t>();
    }
    if (t.access_token.empty() || t.token_type != "DPoP") {
      return Fail(ErrorCode::kMalformed, "notmed: token answer lacks a DPoP access_token");
    }
    return t;
  }
  return Fail(ErrorCode::kUseDpopNonce, "notmed: DPoP nonce refused twice");
}

}  // namespace notme::client
