#include "keyring/ephemeral_keyring.h"

#include <utility>

#include "keyring/validate.h"

namespace notme::keyring {

EphemeralKeyring::EphemeralKeyring(const Clock& clock) : clock_(clock) {}

Result<void> EphemeralKeyring::Store(std::string_view name, const crypto::SecretBytes& value,
                                     std::string_view label) {
  NOTME_TRY(Kind kind, ValidateStore(name, value, label));
  // Copy outside the lock: allocation may be slow and needs no shared state.
  NOTME_TRY(crypto::SecretBytes copy,
            value.RevealForCrypto([](std::span<const uint8_t> bytes) {
              return crypto::SecretBytes::CopyFrom(bytes);
            }));
  const int64_t now = clock_.NowSeconds();
  MutexLock lock(&mu_);
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    it->second.value = std::move(copy);
    it->second.info.label = std::string(label);
    it->second.info.modified = now;
    return Ok();
  }
  SecretInfo info{std::string(name), kind, std::string(label), now, now};
  entries_.emplace(std::string(name), Entry{std::move(copy), std::move(info)});
  return Ok();
}

Result<crypto::SecretBytes> EphemeralKeyring::Lookup(std::string_view name) {
  NOTME_TRY_VOID(ParseName(name));
  MutexLock lock(&mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return Fail(ErrorCode::kNotFound, "keyring: no such entry");
  return it->second.value.RevealForCrypto(
      [](std::span<const uint8_t> bytes) { return crypto::SecretBytes::CopyShortLived(bytes); });
}

Result<void> EphemeralKeyring::Remove(std::string_view name) {
  NOTME_TRY_VOID(ParseName(name));
  MutexLock lock(&mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return Fail(ErrorCode::kNotFound, "keyring: no such entry");
  entries_.erase(it);  // ~SecretBytes wipes the value
  return Ok();
}

Result<std::vector<SecretInfo>> EphemeralKeyring::List() {
  MutexLock lock(&mu_);
  std::vector<SecretInfo> out;
  out.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) out.push_back(entry.info);  // map: sorted
  return out;
}

}  // namespace notme::keyring
