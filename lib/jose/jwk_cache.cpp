#include "jose/jwk_cache.h"


namespace notme::jose {

namespace {

// An injective encoding of an object whose members are all strings (what JWKs are):
// name NUL value NUL ..., in nlohmann's (sorted) member order. Empty when some member is
// not a string; then the caller does not cache.
std::string CacheKey(const nlohmann::json& jwk) {
  std::string key;
  for (const auto& [name, value] : jwk.items()) {
    const auto* s = value.get_ptr<const std::string*>();
    if (s == nullptr || name.find('\0') != std::string::npos ||
        s->find('\0') != std::string::npos) {
      return {};
    }
    key.append(name).push_back('\0');
    key.append(*s).push_back('\0');
  }
  return key;
}

}  // namespace

Result<PublicJwk> JwkCache::FromJson(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return PublicJwk::FromJson(jwk);
  std::string key = CacheKey(jwk);
  if (key.empty() || key.size() > kMaxKeyBytes) return PublicJwk::FromJson(jwk);
  {
    MutexLock lock(&mu_);
    if (const auto it = entries_.find(key); it != entries_.end()) return it->second;
  }
  auto parsed = PublicJwk::FromJson(jwk);
  if (!parsed) return parsed;
  MutexLock lock(&mu_);
  if (entries_.size() >= max_entries_) entries_.clear();
  if (max_entries_ > 0) entries_.insert_or_assign(std::move(key), *parsed);
  return parsed;
}

size_t JwkCache::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

std::optional<ProofHeaderCache::Entry> ProofHeaderCache::Find(std::string_view header_b64) const {
  MutexLock lock(&mu_);
  const auto it = entries_.find(header_b64);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void ProofHeaderCache::Remember(std::string_view header_b64, const Entry& entry) {
  if (max_entries_ == 0 || header_b64.size() > kMaxKeyBytes) return;
  MutexLock lock(&mu_);
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_.insert_or_assign(std::string(header_b64), entry);
}

size_t ProofHeaderCache::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace notme::jose
