// Fuzzes the parsers of untrusted SSH input: armored and binary SSHSIG, certificates,
// public-key lines and git object headers.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/sodium_init.h"
#include "ssh/certificate.h"
#include "ssh/git_payload.h"
#include "ssh/public_key.h"
#include "ssh/sshsig.h"
#include "ssh/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool initialised = notme::crypto::InitCrypto().has_value();
  if (!initialised) return 0;
  std::span<const uint8_t> in(data, size);
  std::string_view text = notme::ssh::AsText(in);
  using namespace notme::ssh;

  auto dearmored = DearmorSshsig(text);
  if (dearmored) in = *dearmored;
  if (auto sig = ParseSshsig(in)) {
    (void)VerifySshsig(*sig, sig->ns, in);
    if (auto cert = Certificate::Parse(sig->public_key_blob)) {
      (void)CheckUserCertificate(*cert, cert->signature_key(), "p", 0);
    }
  }
  (void)Certificate::Parse(std::span<const uint8_t>(data, size));
  (void)Certificate::ParseText(text);
  (void)ParseAuthorizedKey(text);
  (void)ParseGitObjectHeader(std::span<const uint8_t>(data, size));
  return 0;
}
