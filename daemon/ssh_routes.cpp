#include "daemon/ssh_routes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "server/http_response.h"
#include "ssh/base64.h"
#include "ssh/git_signer.h"
#include "ssh/ssh_ca.h"

namespace notme::daemon {
namespace {

using server::SendJson;

constexpr size_t kMaxConfigBytes = 16 * 1024;

// One CA per keyring for the daemon's life: every socket's server shares it, so the key
// is read from the keyring once and signing is serialised in one place.
ssh::SshCa& CaFor(keyring::Keyring& keyring) {
  static std::mutex mu;
  static std::map<const keyring::Keyring*, std::unique_ptr<ssh::SshCa>> cas;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cas[&keyring];
  if (!slot) slot = std::make_unique<ssh::SshCa>(keyring);
  return *slot;
}

Result<std::string> ReadSmallFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Fail(ErrorCode::kNotFound, "no ssh-signing.json");
    if (errno == ELOOP) return Fail(ErrorCode::kUnsafePath, "ssh-signing.json is a symlink");
    return Fail(ErrorCode::kIo, "cannot read ssh-signing.json");
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxConfigBytes) {
      ::close(fd);
      return Fail(ErrorCode::kConfig, "ssh-signing.json is too large");
    }
  }
  ::close(fd);
  if (n < 0) return Fail(ErrorCode::kIo, "cannot read ssh-signing.json");
  return out;
}

// Authenticates the caller of POST /v1/ssh/sign. Returns the agent name, or "" for the
// human on the control socket.
Result<std::string> Authorize(DaemonContext& ctx, const server::Request& req,
                              const server::ConnectionContext& conn) {
  if (!req.has_header("Authorization")) {
    if (conn.socket.is_control()) return std::string();
    return Fail(ErrorCode::kInvalidToken, "a DPoP-bound access token with scope git:sign is required");
  }
  if (req.get_header_value_count("Authorization") != 1) {
    return Fail(ErrorCode::kInvalidRequest, "exactly one Authorization header is allowed");
  }
  std::string authorization = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "DPoP ";
  if (!std::string_view(authorization).starts_with(kScheme)) {
    return Fail(ErrorCode::kInvalidToken, "the Authorization scheme must be DPoP");
  }
  std::string token = authorization.substr(kScheme.size());
  if (req.get_header_value_count("DPoP") != 1) {
    return Fail(ErrorCode::kInvalidDpopProof, "exactly one DPoP proof is required");
  }
  const std::string htu = ctx.options.issuer + std::string(kSshSignPath);
  NOTME_TRY(auto proof, ctx.dpop.Validate(req.get_header_value("DPoP"), "POST", htu, token));
  NOTME_TRY(auto verified, ctx.tokens.AuthorizeRequest(token, proof));
  if (conn.socket.is_agent() && verified.agent() != conn.socket.agent) {
    return Fail(ErrorCode::kPermissionDenied, "the token belongs to another agent");
  }
  if (!verified.HasScope(kGitSignScope)) {
    return Fail(ErrorCode::kInvalidScope, "the token lacks scope git:sign");
  }
  return verified.agent();
}

struct SignBody {
  std::string ns;
  std::vector<uint8_t> data;
};

Result<SignBody> ParseSignBody(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Fail(ErrorCode::kInvalidRequest, "the body must be a JSON object");
  }
  for (const auto& [name, value] : json.items()) {
    if (name != "namespace" && name != "data") {
      return Fail(ErrorCode::kInvalidRequest, "unexpected member '" + name + "'");
    }
  }
  auto ns = json.find("namespace");
  auto data = json.find("data");
  if (ns == json.end() || !ns->is_string() || data == json.end() || !data->is_string()) {
    return Fail(ErrorCode::kInvalidRequest, "namespace and data (base64) are required strings");
  }
  auto bytes = ssh::Base64Decode(data->get<std::string>());
  if (!bytes) return Fail(ErrorCode::kInvalidRequest, "data is not valid base64");
  return SignBody{ns->get<std::string>(), std::move(*bytes)};
}

void Refuse(DaemonContext& ctx, server::Response& res, const Error& error,
            const std::string& agent, nlohmann::json fields = nlohmann::json::object()) {
  Audit(ctx, authority::kAuditSshRefused, agent, error.message(), std::move(fields));
  SendError(res, error, authority::ErrorContext::kProtectedResource);
  if (error.code() == ErrorCode::kInvalidToken && error.message().starts_with("a DPoP-bound")) {
    res.set_header("WWW-Authenticate", authority::WwwAuthenticateNoCredentials());
  }
  if (ctx.options.require_dpop_nonce) res.set_header("DPoP-Nonce", ctx.nonces.Current());
}

void HandleSign(DaemonContext& ctx, const server::Request& req, server::Response& res) {
  const server::ConnectionContext* conn = server::CurrentConnection();
  if (conn == nullptr) {
    return SendError(res, Error(ErrorCode::kPermissionDenied, "no connection context"));
  }
  std::string socket_agent = conn->socket.is_agent() ? conn->socket.agent : std::string();
  auto agent = Authorize(ctx, req, *conn);
  if (!agent) return Refuse(ctx, res, agent.error(), socket_agent);
  auto body = ParseSignBody(req.body);
  if (!body) return Refuse(ctx, res, body.error(), *agent);
  auto config = LoadSshSigningConfig(ctx);
  if (!config) return Refuse(ctx, res, config.error(), *agent);

  ssh::GitSignerOptions options;
  options.principal = config->email;
  options.human = config->email;
  options.namespaces = config->namespaces;
  auto signer = ssh::GitSigner::Create(CaFor(ctx.keyring), ctx.clock, std::move(options));
  if (!signer) return Refuse(ctx, res, signer.error(), *agent);
  nlohmann::json fields = {{"namespace", body->ns}};
  auto signed_ = signer->Sign(ssh::GitSignRequest{*agent, body->ns, body->data});
  if (!signed_) return Refuse(ctx, res, signed_.error(), *agent, fields);

  fields["serial"] = std::to_string(signed_->serial);
  fields["cert_id"] = signed_->key_id;
  fields["principal"] = config->email;
  fields["fingerprint"] = signed_->fingerprint;
  fields["valid_after"] = signed_->valid_after;
  fields["valid_before"] = signed_->valid_before;
  if (signed_->object) {
    static constexpr std::string_view kKinds[] = {"commit", "tag", "push-certificate"};
    fields["object"] = kKinds[static_cast<size_t>(signed_->object->kind)];
    if (!signed_->object->tree.empty()) fields["tree"] = signed_->object->tree;
  }
  Audit(ctx, authority::kAuditSshSigned, *agent, "", fields);
  SendJson(res, 200,
           {{"signature", signed_->armored},
            {"serial", std::to_string(signed_->serial)},
            {"key_id", signed_->key_id},
            {"principal", config->email},
            {"valid_after", signed_->valid_after},
            {"valid_before", signed_->valid_before}});
}

void HandleCa(DaemonContext& ctx, const server::Request&, server::Response& res) {
  auto config = LoadSshSigningConfig(ctx);
  if (!config) return SendError(res, config.error());
  auto pk = CaFor(ctx.keyring).PublicKey();
  if (!pk) return SendError(res, pk.error());
  SendJson(res, 200,
           {{"public_key", ssh::CaAuthorizedKey(*pk)},
            {"allowed_signers", ssh::CaAllowedSignersLine(*pk, config->email)},
            {"principal", config->email}});
}

}  // namespace

Result<SshSigningConfig> LoadSshSigningConfig(const DaemonContext& ctx) {
  SshSigningConfig config{ctx.options.human, {std::string(ssh::kGitNamespace)}};
  auto text = ReadSmallFile(ctx.options.paths.config_dir / kSshSigningConfigFile);
  if (!text) {
    if (text.error().code() == ErrorCode::kNotFound) return config;
    return Fail(text.error());
  }
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Fail(ErrorCode::kConfig, "ssh-signing.json is not a JSON object");
  }
  for (const auto& [name, value] : json.items()) {
    if (name == "email" && value.is_string()) {
      config.email = value.get<std::string>();
    } else if (name == "namespaces" && value.is_array() && !value.empty()) {
      config.namespaces.clear();
      for (const auto& ns : value) {
        if (!ns.is_string() || ns.get<std::string>().empty()) {
          return Fail(ErrorCode::kConfig, "ssh-signing.json: namespaces must be non-empty strings");
        }
        config.namespaces.push_back(ns.get<std::string>());
      }
    } else {
      return Fail(ErrorCode::kConfig, "ssh-signing.json: unexpected or mistyped member '" + name + "'");
    }
  }
  return config;
}

void InstallSshRoutes(server::UnixHttpServer& server, DaemonContext& ctx) {
  server.Post(std::string(kSshSignPath), [&ctx](const server::Request& req, server::Response& res) {
    HandleSign(ctx, req, res);
  });
  server.Get(std::string(kSshCaPath), [&ctx](const server::Request& req, server::Response& res) {
    HandleCa(ctx, req, res);
  });
}

}  // namespace notme::daemon
