#pragma once
// The notme client library: how the CLI and the shims talk to notmed (CONTRACT.md
// "HTTP API") — HTTP/1.1 + JSON over a Unix socket, DPoP-bound tokens (RFC 9449).
//
// A Client owns a per-process ephemeral Ed25519 proof key (generated in Create, never
// stored anywhere) and the path of the socket it talks to. Tokens it obtains through
// RequestToken are bound to that key (cnf.jkt), so they are useless to any other process.
// Each request opens and closes its own connection (no keep-alive, so no socket survives
// into a child of `notme run`). Not thread-safe: use a Client from one thread at a time.
// Keep this library lean: the shims link it and must start fast (no CLI11, no spdlog).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/ed25519.h"
#include "notme/result.h"

namespace notme::client {

struct ClientOptions {
  std::filesystem::path socket;  // usually ResolveClientSocket(...)
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds io_timeout{15000};  // read and write
  // Check the socket's type, owner and mode (CheckSocket) before every connection.
  bool check_socket = true;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::optional<std::string> dpop_nonce;  // the DPoP-Nonce response header (RFC 9449 §8)
};

struct TokenRequest {
  // client_id. Required on the control socket; on an agent socket leave it empty (the
  // connection is the agent).
  std::string agent;
  std::vector<std::string> scopes;  // sent space-separated; at least one
  std::string resource;             // RFC 8707 audience URI; empty: none
};

struct TokenResponse {
  std::string access_token;
  std::string token_type;  // "DPoP"
  int64_t expires_in = 0;
  std::string scope;
};

class Client {
 public:
  // Generates the proof key. Errors: kInternal when libsodium or guarded memory fails.
  static Result<Client> Create(ClientOptions options);

  Client(Client&&) noexcept = default;
  Client& operator=(Client&&) noexcept = default;

  const std::filesystem::path& socket() const { return options_.socket; }
  // RFC 7638 thumbprint of this process's proof key (the cnf.jkt of its tokens).
  const std::string& ProofKeyThumbprint() const { return thumbprint_; }

  // One HTTP request; the status is not interpreted. Errors: kDaemonUnreachable (no
  // socket, connection refused, connect timeout), kUnsafePath (CheckSocket failed),
  // kTimeout (no answer within io_timeout), kIo (other transport failures).
  Result<HttpResponse> Send(std::string_view method, std::string_view path,
                            std::string_view body = {}, std::string_view content_type = {},
                            const Headers& headers = {}) const;

  // A JSON API call without a token (the control socket authenticates by peer uid).
  // `body`, when given, is sent as application/json. Answers the parsed body on 2xx (null
  // for an empty body, e.g. 204); otherwise the daemon's error (DecodeErrorResponse).
  Result<nlohmann::json> Call(std::string_view method, std::string_view path,
                              const nlohmann::json* body = nullptr) const;

  // As Call, authenticated with `Authorization: DPoP <access_token>` and a fresh proof
  // for this request with `ath` (RFC 9449 §7.1). The proof's htu is the issuer from the
  // metadata followed by `path` without its query. Retries once with the server's nonce
  // on use_dpop_nonce.
  Result<nlohmann::json> CallWithToken(std::string_view method, std::string_view path,
                                       std::string_view access_token,
                                       const nlohmann::json* body = nullptr);

  // GET /.well-known/oauth-authorization-server, cached for the Client's lifetime.
  // Errors: those of Call, kMalformed when issuer or token_endpoint is missing.
  Result<nlohmann::json> Metadata();

  // POST <token_endpoint> with grant_type=client_credentials and a DPoP proof signed by
  // this process's key; on use_dpop_nonce retries once with the server's DPoP-Nonce.
  // Errors: kInvalidArgument (no scope, or a scope containing a space), the daemon's
  // OAuth error (kInvalidClient, kInvalidScope, kInvalidTarget, ...), kMalformed when the
  // answer lacks access_token or token_type is not DPoP, and those of Send.
  Result<TokenResponse> RequestToken(const TokenRequest& request);

 private:
  Client(ClientOptions options, crypto::Ed25519SecretKey key, std::string thumbprint)
      : options_(std::move(options)), key_(std::move(key)), thumbprint_(std::move(thumbprint)) {}
  Result<std::string> Proof(std::string_view method, std::string_view htu,
                            const std::optional<std::string>& nonce,
                            std::optional<std::string> access_token) const;

  ClientOptions options_;
  crypto::Ed25519SecretKey key_;
  std::string thumbprint_;
  std::optional<nlohmann::json> metadata_;
};

// Decodes a non-2xx answer: the body {"error","error_description"} (RFC 6749 §5.2, and
// notme's /v1 errors) becomes an Error whose code is the ErrorCode of that name (e.g.
// "invalid_scope" → kInvalidScope) and whose message is the description; an unknown or
// missing error name falls back to the HTTP status (400 kInvalidRequest, 401
// kInvalidToken, 403 kPermissionDenied, 404 kNotFound, 409 kAlreadyExists, 5xx kInternal).
// The message is prefixed "notmed: ". Never fails; untrusted bodies are bounded to 64 KiB
// and a description is cut at 512 characters.
Error DecodeErrorResponse(int status, std::string_view body);

// application/x-www-form-urlencoded encoding of name/value pairs (WHATWG URL
// "application/x-www-form-urlencoded serializer": space → '+', unreserved kept, the rest
// %XX). Pure.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace notme::client
