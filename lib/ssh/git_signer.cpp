#include "ssh/git_signer.h"

#include <algorithm>

#include "crypto/random.h"
#include "ssh/public_key.h"
#include "ssh/sshsig.h"

namespace notme::ssh {
namespace {

bool IsSafePrincipal(std::string_view p) {
  if (p.empty() || p.size() > 256) return false;
  return std::all_of(p.begin(), p.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != ',' && c != '"' && c != '\'' && c != '*' && c != '?' &&
           c != '!';
  });
}

}  // namespace

Result<GitSigner> GitSigner::Create(SshCa& ca, const Clock& clock, GitSignerOptions options) {
  // The principal is matched as a pattern list in allowed-signers files, so pattern and
  // list characters are refused rather than escaped.
  if (!IsSafePrincipal(options.principal)) {
    return Fail(ErrorCode::kInvalidArgument,
                "ssh signing: the human's git email must be set and contain no spaces, "
                "commas, quotes or wildcards");
  }
  if (options.human.empty()) options.human = options.principal;
  if (options.backdate_seconds < 0 || options.lifetime_seconds <= 0 ||
      options.max_drift_seconds < 0 || options.namespaces.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "ssh signing: bad durations or namespaces");
  }
  return GitSigner(ca, clock, std::move(options));
}

std::string GitSigner::KeyId(std::string_view agent) const {
  if (agent.empty()) return "notme:human=" + options_.human;
  return "notme:agent=" + std::string(agent) + ":human=" + options_.human;
}

Result<GitSignResult> GitSigner::Sign(const GitSignRequest& request) const {
  const auto& nss = options_.namespaces;
  if (std::find(nss.begin(), nss.end(), request.ns) == nss.end()) {
    return Fail(ErrorCode::kPermissionDenied, "ssh signing: namespace not allowed");
  }
  if (request.data.size() > options_.max_data_bytes) {
    return Fail(ErrorCode::kTooLarge, "ssh signing: data too large");
  }
  const int64_t now = clock_.NowSeconds();
  int64_t object_time = now;
  GitSignResult out;
  if (request.ns == kGitNamespace) {
    NOTME_TRY(auto header, ParseGitObjectHeader(request.data));
    if (header.timestamp < now - options_.max_drift_seconds ||
        header.timestamp > now + options_.max_drift_seconds) {
      return Fail(ErrorCode::kInvalidRequest,
                  "ssh signing: the commit/tag time is more than " +
                      std::to_string(options_.max_drift_seconds) +
                      "s from now; refusing to sign a backdated or future object");
    }
    object_time = header.timestamp;
    out.object = std::move(header);
  }

  const int64_t after = std::max<int64_t>(0, std::min(now - options_.backdate_seconds, object_time));
  const int64_t before = std::max(now + options_.lifetime_seconds, object_time + 1);
  uint64_t serial = crypto::RandomU64();
  if (serial == 0) serial = 1;  // 0 reads as "no serial" in revocation lists

  // The one-time key: this thread's locked scratch page, wiped when this scope ends.
  NOTME_TRY(auto key, crypto::Ed25519SecretKey::GenerateOneTime());
  CertificateRequest cert_request{key.public_key(), serial, CertType::kUser,
                                  KeyId(request.agent), {options_.principal},
                                  static_cast<uint64_t>(after), static_cast<uint64_t>(before),
                                  {}};
  NOTME_TRY(auto cert, ca_.Issue(cert_request));
  out.armored = ArmorSshsig(CreateSshsig(key, cert, request.ns, request.data));
  out.serial = serial;
  out.key_id = cert.key_id();
  out.fingerprint = Sha256Fingerprint(EncodeEd25519PublicKeyBlob(key.public_key()));
  out.valid_after = cert.valid_after();
  out.valid_before = cert.valid_before();
  return out;
}

}  // namespace notme::ssh
