// git-credential-notme: git's credential helper (git-credential(1), docs/proxy.md "git").
//
//   credential.helper = notme            # in git config; git runs `git-credential-notme get`
//
// Two roles, chosen by the socket this process would talk to ($NOTME_SOCKET, else the
// control socket):
//   - the human (control socket): a complete keyring-backed helper, checked by git's own
//     t0303-credential-external.sh (tests/integration/git_t0303.sh). get/store/erase keep
//     each credential as one Secret Service entry "secret/git-<hash>" (hash of protocol,
//     host, path, username), read and written directly through lib/keyring: notmed never
//     hands stored values out over its API.
//   - an agent (an agent socket): never returns a stored secret. For a URL below the notme
//     proxy ("<proxy>/r/<route>/...", credential.useHttpPath=true) `get` answers with a
//     5-minute access token from notmed (scope `route:<route>`, or --scope S), which the
//     proxy's loopback listener accepts as the Basic password for git requests only.
//     store/erase do nothing.
// Input is parsed strictly (lib/proxy/git_credential.h); any error answers nothing, so git
// falls back to its other helpers or prompts.
#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secret_bytes.h"
#include "crypto/sha256.h"
#include "keyring/keyring.h"
#include "keyring/open_keyring.h"
#include "notme/client.h"
#include "notme/client_socket.h"
#include "notme/paths.h"
#include "notme/version.h"
#include "proxy/git_credential.h"

namespace {

using notme::Result;
using notme::proxy::GitCredential;

constexpr char kEntryPrefix[] = "git-";

Result<std::string> ReadStdin() {
  std::string in;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0) {
    in.append(buf, static_cast<size_t>(n));
    if (in.size() > notme::proxy::kMaxCredentialInput) {
      return notme::Fail(notme::ErrorCode::kTooLarge, "input too large");
    }
  }
  sodium_memzero(buf, sizeof buf);
  return in;
}

void Wipe(std::string& s) { sodium_memzero(s.data(), s.size()); }
void Wipe(std::optional<std::string>& s) {
  if (s) Wipe(*s);
}

// Attributes beyond username/password that a stored credential keeps and `get` returns
// (git 2.41+ sends them on store).
constexpr std::string_view kKeptAttributes[] = {"password_expiry_utc", "oauth_refresh_token"};

// The secret name for one credential: its identity hashed, so names are fixed-size and
// free of the characters git allows in hosts and paths.
std::string EntryName(const GitCredential& c) {
  std::string id = c.protocol + "\n" + c.host + "\n" + c.path + "\n" + c.username.value_or("");
  auto digest = notme::crypto::Sha256(id);
  std::string hex;
  for (size_t i = 0; i < 20; ++i) {
    hex += "0123456789abcdef"[digest[i] >> 4];
    hex += "0123456789abcdef"[digest[i] & 15];
  }
  return std::string(notme::keyring::kSecretPrefix) + kEntryPrefix + hex;
}

Result<GitCredential> LoadEntry(notme::keyring::Keyring& kr, const std::string& name) {
  NOTME_TRY(notme::crypto::SecretBytes value, kr.Lookup(name));
  return value.RevealForCrypto([](std::span<const uint8_t> s) {
    return notme::proxy::ParseGitCredential(std::string_view(reinterpret_cast<const char*>(s.data()), s.size()));
  });
}

bool SecretEquals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool Expired(const GitCredential& c) {
  auto expiry = c.Other("password_expiry_utc");
  if (!expiry) return false;
  auto at = notme::proxy::ParseExpiryUtc(*expiry);
  return !at || *at <= static_cast<int64_t>(std::time(nullptr));
}

// `get`: protocol, host and path must be equal (a credential stored for one path under
// credential.useHttpPath is not offered for the whole host); a username, when asked for,
// too. Expired credentials are never offered.
bool MatchesForGet(const GitCredential& want, const GitCredential& have) {
  if (want.protocol != have.protocol || want.host != have.host || want.path != have.path) return false;
  if (want.username && *want.username != have.username.value_or("")) return false;
  return !Expired(have);
}

// `erase` follows git's credential_match(): an attribute the caller left out matches any
// value. A password, when given, must match too, so a rejected old password does not
// erase a newer one stored meanwhile (git >= 2.44 does the same).
bool MatchesForErase(const GitCredential& want, const GitCredential& have) {
  auto same = [](const std::string& w, const std::string& h) { return w.empty() || w == h; };
  if (!same(want.protocol, have.protocol) || !same(want.host, have.host) || !same(want.path, have.path)) {
    return false;
  }
  if (want.username && *want.username != have.username.value_or("")) return false;
  if (want.password && !SecretEquals(*want.password, have.password.value_or(""))) return false;
  return true;
}

// Every stored git credential for which `match(want, stored)` holds, in keyring order.
template <typename Match>
Result<std::vector<std::pair<std::string, GitCredential>>> FindMatching(notme::keyring::Keyring& kr,
                                                                        const GitCredential& want,
                                                                        Match match) {
  std::vector<std::pair<std::string, GitCredential>> out;
  NOTME_TRY(auto list, kr.List());
  const std::string prefix = std::string(notme::keyring::kSecretPrefix) + kEntryPrefix;
  for (const auto& info : list) {
    if (!info.name.starts_with(prefix)) continue;
    auto cred = LoadEntry(kr, info.name);
    if (!cred) continue;
    if (match(want, *cred)) {
      out.emplace_back(info.name, std::move(*cred));
    } else {
      Wipe(cred->password);
    }
  }
  return out;
}

int HumanGet(notme::keyring::Keyring& kr, const GitCredential& want) {
  if (want.protocol.empty() || want.host.empty()) return 0;
  auto found = FindMatching(kr, want, MatchesForGet);
  if (!found || found->empty()) return 0;
  const auto& c = found->front().second;
  std::vector<std::pair<std::string, std::string>> attrs = {{"username", c.username.value_or("")},
                                                            {"password", c.password.value_or("")}};
  for (auto key : kKeptAttributes) {
    if (auto v = c.Other(key)) attrs.emplace_back(std::string(key), std::string(*v));
  }
  auto out = notme::proxy::FormatGitCredential(attrs);
  for (auto& [k, v] : attrs) Wipe(v);
  for (auto& [n, cred] : *found) Wipe(cred.password);
  if (!out) return 0;
  std::fwrite(out->data(), 1, out->size(), stdout);
  Wipe(*out);
  return 0;
}

// git-credential-store's rule: protocol, host, username and password must be present
// (username and password may be empty).
int HumanStore(notme::keyring::Keyring& kr, const GitCredential& c) {
  if (c.protocol.empty() || c.host.empty() || !c.username || !c.password) return 0;
  if (Expired(c)) return 0;
  std::vector<std::pair<std::string, std::string>> attrs = {{"protocol", c.protocol},
                                                            {"host", c.host},
                                                            {"path", c.path},
                                                            {"username", *c.username},
                                                            {"password", *c.password}};
  for (auto key : kKeptAttributes) {
    if (auto v = c.Other(key)) attrs.emplace_back(std::string(key), std::string(*v));
  }
  auto text = notme::proxy::FormatGitCredential(attrs);
  for (auto& [k, v] : attrs) Wipe(v);
  if (!text) return 0;
  auto value = notme::crypto::SecretBytes::CopyFrom(
      std::span(reinterpret_cast<const uint8_t*>(text->data()), text->size()));
  Wipe(*text);
  if (!value) return 1;
  auto r = kr.Store(EntryName(c), *value, "notme git credential");
  if (!r) {
    std::fprintf(stderr, "git-credential-notme: %s\n", r.error().ToString().c_str());
    return 1;
  }
  return 0;
}

int HumanErase(notme::keyring::Keyring& kr, const GitCredential& want) {
  // An empty description would match everything: erase nothing rather than all.
  if (want.protocol.empty() && want.host.empty()) return 0;
  auto found = FindMatching(kr, want, MatchesForErase);
  if (!found) return 1;
  for (auto& [name, cred] : *found) {
    (void)kr.Remove(name);
    Wipe(cred.password);
  }
  return 0;
}

int AgentGet(const std::filesystem::path& socket, const GitCredential& want, const std::string& scope) {
  auto route = notme::proxy::ProxyRouteOf(want);
  if (!route) return 0;  // not a URL below the proxy: nothing to say
  auto client = notme::client::Client::Create(notme::client::ClientOptions{.socket = socket});
  if (!client) {
    std::fprintf(stderr, "git-credential-notme: no token for route %s: %s\n", route->c_str(),
                 client.error().ToString().c_str());
    return 0;
  }
  notme::client::TokenRequest req;
  req.scopes = {scope.empty() ? "route:" + *route : scope};
  auto token = client->RequestToken(req);
  if (!token) {
    std::fprintf(stderr, "git-credential-notme: no token for route %s: %s\n", route->c_str(),
                 token.error().ToString().c_str());
    return 0;
  }
  auto out = notme::proxy::FormatGitCredential({{"username", "x-access-token"}, {"password", token->access_token}});
  Wipe(token->access_token);
  if (!out) return 1;
  std::fwrite(out->data(), 1, out->size(), stdout);
  Wipe(*out);
  return 0;
}

int Usage() {
  std::fprintf(stderr, "usage: git-credential-notme [--scope SCOPE] get|store|erase\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("git-credential-notme %s\n", notme::kVersion);
    return 0;
  }
  if (sodium_init() < 0) return 1;
  std::string scope;
  int i = 1;
  if (argc >= 3 && std::strcmp(argv[1], "--scope") == 0) {
    scope = argv[2];
    i = 3;
  }
  if (argc != i + 1) return Usage();
  std::string action = argv[i];
  if (action != "get" && action != "store" && action != "erase") return 0;  // git: ignore unknown actions

  auto input = ReadStdin();
  if (!input) return 1;
  auto cred = notme::proxy::ParseGitCredential(*input);
  Wipe(*input);
  if (!cred) {
    std::fprintf(stderr, "git-credential-notme: %s\n", cred.error().ToString().c_str());
    return 1;
  }

  auto env = notme::ProcessEnv();
  auto paths = notme::ResolvePaths(env, ::getuid());
  auto socket = notme::client::ResolveClientSocket(env, ::getuid());
  if (!paths || !socket) return 1;
  int rc = 0;
  if (socket->parent_path() == paths->agents_dir) {
    if (action == "get") rc = AgentGet(*socket, *cred, scope);
  } else {
    auto kr = notme::keyring::OpenKeyring(notme::keyring::Mode::kSecretService, nullptr);
    if (!kr) {
      std::fprintf(stderr, "git-credential-notme: %s\n", kr.error().ToString().c_str());
      rc = action == "get" ? 0 : 1;
    } else if (action == "get") {
      rc = HumanGet(**kr, *cred);
    } else if (action == "store") {
      rc = HumanStore(**kr, *cred);
    } else {
      rc = HumanErase(**kr, *cred);
    }
  }
  Wipe(cred->password);
  return rc;
}
