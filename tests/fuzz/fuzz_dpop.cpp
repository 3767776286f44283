// DPoP validation of arbitrary proofs with a fixed clock: never crashes. The input is
// also split at its first newline into proof and access token, to reach the ath check.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/sodium_init.h"
#include "jose/dpop.h"
#include "notme/check.h"

namespace {

struct Fixture {
  notme::FakeClock clock{1'562'262'616};  // RFC 9449 example proofs are in the seed corpus
  notme::jose::InMemoryReplayCache cache{4096, clock};
  notme::jose::DpopValidator validator{notme::jose::DpopOptions{}, clock, cache};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool initialised = notme::crypto::InitCrypto().has_value();
  NOTME_CHECK(initialised, "libsodium init");
  static Fixture f;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view proof = input.substr(0, newline);
  std::optional<std::string_view> token;
  if (newline != std::string_view::npos) token = input.substr(newline + 1);
  (void)f.validator.Validate(proof, "POST", "https://server.example.com/token", token);
  (void)f.validator.Validate(proof, "GET", "https://resource.example.org/protectedresource",
                             token);
  (void)notme::jose::NormalizeHtu(input);
  return 0;
}
