// Fuzzes the authority layer's parsers of untrusted input: the agents file, the scope and
// resource parameters, access tokens presented for verification and introspection, and
// error messages turned into response bodies and challenges.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "authority/agent_registry.h"
#include "authority/error_mapping.h"
#include "authority/revocation.h"
#include "authority/scope.h"
#include "authority/signing_keys.h"
#include "authority/token_issuer.h"
#include "base/clock.h"
#include "crypto/sodium_init.h"

namespace {

using namespace notme;
using namespace notme::authority;

struct Authority {
  Authority() : clock(1'700'000'000), revocations(clock) {
    keys = std::move(*SigningKeyRing::Create(clock));
    // A directory that does not exist: an empty registry, nothing touched on disk.
    agents = std::move(*AgentRegistry::Load("/nonexistent/notme-fuzz", clock));
    issuer = std::move(*TokenIssuer::Create({.issuer = "http://notme.localhost", .human = "h"},
                                            *keys, *agents, revocations, clock));
  }
  FakeClock clock;
  RevocationList revocations;
  std::unique_ptr<SigningKeyRing> keys;
  std::unique_ptr<AgentRegistry> agents;
  std::unique_ptr<TokenIssuer> issuer;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool initialised = crypto::InitCrypto().has_value();
  if (!initialised) return 0;
  static Authority* authority = new Authority();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto agents = ParseAgentsFile(text)) {
    for (const Agent& agent : *agents) {
      if (!ValidateAgent(agent)) __builtin_trap();  // parsing must only yield valid agents
    }
  }
  if (auto scopes = ParseScopeParameter(text)) {
    if (JoinScopes(*scopes) != text) __builtin_trap();  // strict: one spelling per list
  }
  (void)IsValidAudience(text);
  (void)authority->issuer->VerifyAccessToken(text);
  (void)authority->issuer->Introspect(text, "agent");
  const Error error(ErrorCode::kInvalidToken, std::string(text));
  const std::string header = WwwAuthenticate(error);
  if (header.find('\n') != std::string::npos || header.find('\r') != std::string::npos) {
    __builtin_trap();
  }
  (void)ErrorResponseJson(error).dump();
  return 0;
}
