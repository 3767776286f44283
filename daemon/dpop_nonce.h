#pragma once
// DpopNonces: server-provided DPoP nonces (RFC 9449 §8) for --require-dpop-nonce.
// A nonce is 128 random bits (base64url), changed every `lifetime_seconds`; the current
// and the previous nonce are accepted, so a client that just fetched one is not refused
// at the boundary. Nonces are not secrets (they travel in response headers); they only
// bound how long a pre-made proof can be used. Compared in constant time anyway.
// Thread-safe (one mutex). The Clock must outlive it.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "notme/thread_annotations.h"

namespace notme::daemon {

class DpopNonces {
 public:
  explicit DpopNonces(const Clock& clock, int64_t lifetime_seconds = 60);

  // The nonce to send in `DPoP-Nonce` now.
  std::string Current() EXCLUDES(mu_);
  // True for the current or the previous nonce.
  bool IsValid(std::string_view nonce) EXCLUDES(mu_);

 private:
  void RollLocked() REQUIRES(mu_);

  const Clock& clock_;
  const int64_t lifetime_;
  Mutex mu_;
  std::string current_ GUARDED_BY(mu_);
  std::string previous_ GUARDED_BY(mu_);
  int64_t current_since_ GUARDED_BY(mu_) = 0;
};

}  // namespace notme::daemon
