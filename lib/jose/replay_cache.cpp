#include <cstring>

#include "crypto/sha256.h"
#include "jose/dpop.h"

namespace notme::jose {

size_t InMemoryReplayCache::DigestHash::operator()(const crypto::Digest256& d) const {
  // The digest is already uniformly distributed; any 8 bytes of it make a good hash.
  size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

InMemoryReplayCache::InMemoryReplayCache(size_t max_entries, const Clock& clock)
    : max_entries_(max_entries), clock_(clock) {}

Result<void> InMemoryReplayCache::CheckAndRemember(std::string_view key, int64_t expires_at) {
  // Digests keep every entry the same small size whatever the client sent (BLAKE2b-256:
  // collision resistant, and cheaper than libsodium's SHA-256).
  const crypto::Digest256 id = crypto::Blake2b256(key);
  const int64_t now = clock_.NowSeconds();
  MutexLock lock(&mu_);
  DropExpired(now);
  if (expiry_by_key_.contains(id)) return Fail(ErrorCode::kReplay, "replay: identifier already used");
  if (expires_at <= now) return Ok();  // already outside its window: nothing to remember
  if (expiry_by_key_.size() >= max_entries_) {
    // Fail closed: forgetting a live entry would let its proof be replayed.
    return Fail(ErrorCode::kUnavailable, "replay: cache full");
  }
  expiry_by_key_.emplace(id, expires_at);
  keys_by_expiry_.emplace(expires_at, id);
  return Ok();
}

size_t InMemoryReplayCache::size() const {
  MutexLock lock(&mu_);
  return expiry_by_key_.size();
}

void InMemoryReplayCache::DropExpired(int64_t now) {
  while (!keys_by_expiry_.empty() && keys_by_expiry_.begin()->first <= now) {
    expiry_by_key_.erase(keys_by_expiry_.begin()->second);
    keys_by_expiry_.erase(keys_by_expiry_.begin());
  }
}

}  // namespace notme::jose
