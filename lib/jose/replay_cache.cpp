#include "jose/dpop.h"

namespace notme::jose {
InMemoryReplayCache::InMemoryReplayCache(size_t max_entries, const Clock& clock)
    : max_entries_(max_entries), clock_(clock) {}
Result<void> InMemoryReplayCache::CheckAndRemember(std::string_view, int64_t) {
  (void)max_entries_;
  (void)clock_;
  return Fail(ErrorCode::kInternal, "unimplemented");
}
size_t InMemoryReplayCache::size() const {
  MutexLock lock(&mu_);
  return expiry_by_key_.size();
}
void InMemoryReplayCache::DropExpired(int64_t) {}
}  // namespace notme::jose
