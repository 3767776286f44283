#include "authority/minted_token_memo.h"

#include <algorithm>

#include "crypto/constant_time.h"

namespace notme::authority {

void MintedTokenMemo::Remember(std::string_view token, int64_t exp, int64_t now) {
  const Entry entry{crypto::Blake2b256(token), exp};
  MutexLock lock(&mu_);
  std::erase_if(entries_, [now](const Entry& e) { return e.exp <= now; });
  if (entries_.size() >= kCapacity) entries_.pop_front();
  entries_.push_back(entry);
}

bool MintedTokenMemo::Contains(std::string_view token) const {
  const crypto::Digest256 digest = crypto::Blake2b256(token);
  MutexLock lock(&mu_);
  // Newest first: the token looked up is usually the one minted last.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (crypto::ConstantTimeEquals(it->digest, digest)) return true;
  }
  return false;
}

void MintedTokenMemo::Clear() {
  MutexLock lock(&mu_);
  entries_.clear();
}

size_t MintedTokenMemo::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace notme::authority
