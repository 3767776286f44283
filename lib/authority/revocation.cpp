#include "authority/revocation.h"

#include <algorithm>
#include <utility>

namespace notme::authority {

RevocationList::RevocationList(const Clock& clock, RevocationOptions options)
    : clock_(clock), options_(options) {}

void RevocationList::PruneLocked(int64_t now) {
  // If the clock stepped backwards the front may not be due while later entries are;
  // they are pruned once it is. Capacity stays bounded because RecordIssued refuses
  // when full.
  while (!by_expiry_.empty() && by_expiry_.front().first + options_.grace_seconds < now) {
    const auto it = records_.find(by_expiry_.front().second);
    if (it != records_.end() && it->second.exp == by_expiry_.front().first) records_.erase(it);
    by_expiry_.pop_front();
  }
  const int64_t horizon = now - options_.token_lifetime_seconds - options_.grace_seconds;
  std::erase_if(agent_not_before_, [&](const auto& wm) { return wm.second < horizon; });
}

bool RevocationList::IsLiveLocked(const Record& r, int64_t now) const {
  return !r.revoked && now < r.exp;
}

Result<void> RevocationList::RecordIssued(std::string_view jti, std::string_view agent,
                                          int64_t /*iat*/, int64_t exp) {
  MutexLock lock(&mu_);
  PruneLocked(clock_.NowSeconds());
  if (records_.size() >= options_.max_tokens) {
    return Fail(ErrorCode::kUnavailable, "too many live tokens; try again later");
  }
  auto [it, inserted] = records_.try_emplace(std::string(jti), Record{std::string(agent), exp,
                                                                      /*revoked=*/false});
  if (!inserted) return Fail(ErrorCode::kAlreadyExists, "token id reused");
  by_expiry_.emplace_back(exp, it->first);
  return Ok();
}

bool RevocationList::IsRevoked(std::string_view jti, std::string_view agent,
                               int64_t iat) const {
  MutexLock lock(&mu_);
  const auto it = records_.find(std::string(jti));
  if (it == records_.end()) return true;
  const Record& r = it->second;
  if (r.revoked || r.agent != agent) return true;
  if (iat < global_not_before_) return true;
  const auto wm = agent_not_before_.find(agent);
  return wm != agent_not_before_.end() && iat < wm->second;
}

bool RevocationList::RevokeJti(std::string_view jti) {
  MutexLock lock(&mu_);
  const int64_t now = clock_.NowSeconds();
  PruneLocked(now);
  const auto it = records_.find(std::string(jti));
  if (it == records_.end() || !IsLiveLocked(it->second, now)) return false;
  it->second.revoked = true;
  return true;
}

size_t RevocationList::RevokeAgent(std::string_view agent) {
  MutexLock lock(&mu_);
  const int64_t now = clock_.NowSeconds();
  PruneLocked(now);
  size_t count = 0;
  for (auto& [jti, r] : records_) {
    if (r.agent != agent) continue;
    if (IsLiveLocked(r, now)) ++count;
    r.revoked = true;
  }
  auto [wm, inserted] = agent_not_before_.try_emplace(std::string(agent), now);
  if (!inserted) wm->second = std::max(wm->second, now);
  return count;
}

size_t RevocationList::RevokeAll() {
  MutexLock lock(&mu_);
  const int64_t now = clock_.NowSeconds();
  PruneLocked(now);
  size_t count = 0;
  for (auto& [jti, r] : records_) {
    if (IsLiveLocked(r, now)) ++count;
    r.revoked = true;
  }
  global_not_before_ = std::max(global_not_before_, now);
  return count;
}

size_t RevocationList::LiveCount(std::optional<std::string_view> agent) const {
  MutexLock lock(&mu_);
  const int64_t now = clock_.NowSeconds();
  size_t count = 0;
  for (const auto& [jti, r] : records_) {
    if ((!agent || r.agent == *agent) && IsLiveLocked(r, now)) ++count;
  }
  return count;
}

size_t RevocationList::size() const {
  MutexLock lock(&mu_);
  return records_.size();
}

}  // namespace notme::authority
