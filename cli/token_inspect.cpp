#include "cli/token_inspect.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/errno_error.h"
#include "jose/jwt.h"

namespace notme::cli {

Result<InspectedToken> VerifyIssuedToken(client::Client& client, std::string_view token) {
  NOTME_TRY(nlohmann::json meta, client.Metadata());
  NOTME_TRY(nlohmann::json jwks, client.Call("GET", "/.well-known/jwks.json"));
  jose::KeySet keys;
  if (auto it = jwks.find("keys"); jwks.is_object() && it != jwks.end() && it->is_array()) {
    for (const auto& k : *it) {
      auto jwk = jose::PublicJwk::FromJson(k);
      auto kid = k.find("kid");
      if (jwk && kid != k.end() && kid->is_string()) keys.Add(kid->get<std::string>(), *jwk);
    }
  }
  if (keys.empty()) return Fail(ErrorCode::kMalformed, "notmed published no usable signing key");
  jose::ClaimsOptions options;
  options.issuer = meta.value("issuer", std::string());
  jose::ClaimsValidator validator(SystemClock::Instance(), options);
  NOTME_TRY(jose::VerifiedJwt jwt, jose::VerifyJwt(token, keys, "at+jwt", validator));
  return InspectedToken{jwt.header(), jwt.claims()};
}

Result<jose::PublicJwk> ReadPublicJwkFile(const std::string& path) {
  constexpr size_t kMax = 16 * 1024;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return Fail(ErrorCode::kInvalidArgument, "--dpop-jwk: " + ErrnoError(path, errno).message());
  }
  std::string text;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() <= kMax) {
    text.append(buf, static_cast<size_t>(n));
  }
  int err = errno;
  ::close(fd);
  if (n < 0) return Fail(ErrorCode::kInvalidArgument, "--dpop-jwk: " + ErrnoError(path, err).message());
  if (text.size() > kMax) return Fail(ErrorCode::kInvalidArgument, "--dpop-jwk: " + path + " is too large for a JWK");
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "--dpop-jwk: " + path + " is not a JSON object (a JWK)");
  }
  auto jwk = jose::PublicJwk::FromJson(j);
  if (!jwk) {
    if (jwk.error().code() == ErrorCode::kInvalidKey && j.contains("d")) {
      return Fail(ErrorCode::kInvalidArgument,
                  "--dpop-jwk: " + path + " holds a private key; give the public JWK only "
                  "(drop the \"d\" member) — notme never needs your private key");
    }
    return Fail(ErrorCode::kInvalidArgument, "--dpop-jwk: " + path + ": " + jwk.error().message());
  }
  return *jwk;
}

}  // namespace notme::cli
