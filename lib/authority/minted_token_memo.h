#pragma once
// MintedTokenMemo: the digests (BLAKE2b-256) of access tokens this daemon minted recently,
// each with the claims it signed, so that verifying one of its own tokens seconds later
// (notme-ssh-sign mints a `git:sign` token, then presents it at /v1/ssh/sign) need not
// verify its own signature again. Internal to TokenIssuer.
//
// Why this is sound: an entry is made only by TokenIssuer after it signed the token, and
// a hit requires the presented bytes to hash to that digest (BLAKE2b-256 collision
// resistance, as SHA-256's; chosen because libsodium's is several times cheaper), i.e.
// the exact token signed — its signature would verify. Everything else still runs on a
// hit (TokenIssuer::VerifyAccessToken): the signing kid must still be in the verification
// key set (rotation), exp/nbf/iat against the clock, revocation by jti, agent and all, the
// agent still registered. The DPoP proof is validated in full as before. Only digests are
// kept, never a token; lookups compare digests in constant time.
//
// Bounded (kCapacity entries, oldest evicted first; expired ones dropped on insert).
// Thread-safe: one mutex.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

#include "authority/token_issuer.h"
#include "crypto/sha256.h"
#include "notme/thread_annotations.h"

namespace notme::authority {

class MintedTokenMemo {
 public:
  static constexpr size_t kCapacity = 128;

  // Remembers `token` (its digest) with what verifying it would yield.
  void Remember(std::string_view token, VerifiedAccessToken verified, int64_t now) EXCLUDES(mu_);
  // The claims of `token` when it is one this memo remembers, else nullopt.
  std::optional<VerifiedAccessToken> Find(std::string_view token) const EXCLUDES(mu_);
  // Forgets every entry (revoke --all).
  void Clear() EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);

 private:
  struct Entry {
    crypto::Digest256 digest;
    VerifiedAccessToken verified;
  };

  mutable Mutex mu_;
  std::deque<Entry> entries_ GUARDED_BY(mu_);  // oldest first
};

}  // namespace notme::authority
