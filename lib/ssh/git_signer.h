#pragma once
// GitSigner: the signing policy and mechanics behind `POST /v1/ssh/sign` (issue 5),
// independent of HTTP and of how the caller was authenticated.
//
// For each signature: a fresh Ed25519 key in guarded memory, a user certificate from the
// SshCa (key id naming the agent and the human, principal = the human's git email, a
// random 64-bit serial, a window of a few minutes), an SSHSIG over the data carrying the
// certificate, and the key destroyed (zeroed) before Sign returns. A certificate's window
// verifies forever through git's -Overify-time, so no key may outlive its one signature.
//
// Policy: the namespace must be one of options.namespaces (default only "git"); in the
// "git" namespace the data must be a commit, tag or push certificate whose
// committer/tagger/pusher time is within max_drift_seconds of now, so nobody can backdate
// an object into a window. The certificate window is
//   [min(now - backdate, t), max(now + lifetime, t + 1))
// where t is that time (now when there is none), so the window always covers the time git
// will verify at and never spans more than backdate/drift + lifetime.
//
// Thread-safe (the SshCa serialises its own key; the rest is per call). The SshCa and
// Clock must outlive the signer.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "notme/result.h"
#include "ssh/git_payload.h"
#include "ssh/ssh_ca.h"

namespace notme::ssh {

inline constexpr std::string_view kGitNamespace = "git";

struct GitSignerOptions {
  std::string principal;  // the human's git email: the certificate principal
  std::string human;      // the human named in the key id (usually the same email)
  std::vector<std::string> namespaces{std::string(kGitNamespace)};
  int64_t backdate_seconds = 60;    // clock skew allowed before now
  int64_t lifetime_seconds = 300;   // the certificate's life after now
  int64_t max_drift_seconds = 300;  // |committer time - now| allowed
  size_t max_data_bytes = 4 * 1024 * 1024;
};

struct GitSignRequest {
  std::string_view agent;  // the agent's name; empty = the human (control socket)
  std::string_view ns;
  std::span<const uint8_t> data;
};

struct GitSignResult {
  std::string armored;  // "-----BEGIN SSH SIGNATURE-----\n...-----END SSH SIGNATURE-----\n"
  uint64_t serial = 0;
  std::string key_id;
  std::string fingerprint;  // SHA256 fingerprint of the one-time key
  uint64_t valid_after = 0;
  uint64_t valid_before = 0;
  std::optional<GitObjectHeader> object;  // set in the "git" namespace
};

class GitSigner {
 public:
  // Errors: kInvalidArgument when the principal is empty or has whitespace, a comma, a
  // quote or a NUL (it goes into allowed-signers lines), or the durations are not positive.
  static Result<GitSigner> Create(SshCa& ca, const Clock& clock, GitSignerOptions options);

  // Errors: kPermissionDenied (namespace not allowed), kTooLarge (data over the limit),
  // kMalformed (git namespace and not a git object), kInvalidRequest (object time too far
  // from now), the SshCa's errors.
  Result<GitSignResult> Sign(const GitSignRequest& request) const;

  // "notme:agent=<agent>:human=<human>" or, for the human, "notme:human=<human>".
  std::string KeyId(std::string_view agent) const;

  const GitSignerOptions& options() const { return options_; }
  SshCa& ca() const { return ca_; }

 private:
  GitSigner(SshCa& ca, const Clock& clock, GitSignerOptions options)
      : ca_(ca), clock_(clock), options_(std::move(options)) {}

  SshCa& ca_;
  const Clock& clock_;
  GitSignerOptions options_;
};

}  // namespace notme::ssh
