#pragma once
// MintedTokenMemo: the digests (BLAKE2b-256) of access tokens this daemon minted recently,
// so that verifying one of its own tokens seconds later (notme-ssh-sign mints a `git:sign`
// token, then presents it at /v1/ssh/sign) need not verify its own Ed25519 signature
// again. Internal to TokenIssuer, which hands it to jose::VerifyJwt as jose::SignedHere.
//
// Why this is sound: an entry is made only by TokenIssuer after it signed the token, and
// a hit requires the presented bytes to hash to that digest (BLAKE2b-256 collision
// resistance, as SHA-256's; chosen because libsodium's is several times cheaper), i.e.
// the exact token signed — its signature would verify. Only that check is skipped: the
// token is parsed and checked exactly as any other (header, kid still in the key set,
// claims, revocation, agent), and its DPoP proof is validated in full. Only digests are
// kept, never a token or its claims; lookups compare digests in constant time.
//
// Bounded (kCapacity entries, oldest evicted first; expired ones dropped on insert).
// Thread-safe: one mutex.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>

#include "crypto/sha256.h"
#include "jose/jws.h"
#include "notme/thread_annotations.h"

namespace notme::authority {

class MintedTokenMemo final : public jose::SignedHere {
 public:
  static constexpr size_t kCapacity = 128;

  // Remembers `token` (its digest) until `exp`.
  void Remember(std::string_view token, int64_t exp, int64_t now) EXCLUDES(mu_);
  // Whether `token` is, byte for byte, one this memo remembers.
  bool Contains(std::string_view token) const override EXCLUDES(mu_);
  // Forgets every entry (revoke --all).
  void Clear() EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);

 private:
  struct Entry {
    crypto::Digest256 digest;
    int64_t exp;
  };

  mutable Mutex mu_;
  std::deque<Entry> entries_ GUARDED_BY(mu_);  // oldest first
};

}  // namespace notme::authority
