#include "daemon/dpop_nonce.h"

#include <sodium.h>

#include "crypto/random.h"
#include "jose/base64url.h"

namespace notme::daemon {
namespace {

bool SameString(std::string_view a, std::string_view b) {
  return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

DpopNonces::DpopNonces(const Clock& clock, int64_t lifetime_seconds)
    : clock_(clock), lifetime_(lifetime_seconds) {}

void DpopNonces::RollLocked() {
  const int64_t now = clock_.NowSeconds();
  if (!current_.empty() && now - current_since_ < lifetime_ && now >= current_since_) return;
  previous_ = current_.empty() ? std::string() : current_;
  current_ = jose::Base64UrlEncode(crypto::RandomBytes(16));
  current_since_ = now;
}

std::string DpopNonces::Current() {
  MutexLock lock(&mu_);
  RollLocked();
  return current_;
}

bool DpopNonces::IsValid(std::string_view nonce) {
  MutexLock lock(&mu_);
  RollLocked();
  return SameString(nonce, current_) || SameString(nonce, previous_);
}

}  // namespace notme::daemon
