#pragma once
// RevocationList: which issued access tokens are still live, and which have been revoked
// (issue 3 "Revocation" by jti, by agent, all).
//
// The daemon records every token it mints (jti, agent, iat, exp) before handing it out.
// Revoking flags a recorded token; flagged and unflagged records alike are dropped once
// exp + grace has passed, when the token's own exp rejects it anyway — so memory stays
// bounded by the number of tokens minted in one lifetime. The record is complete: when it
// is full RecordIssued fails (kUnavailable) and the mint is refused, so no live token ever
// escapes revocation. A verified token whose jti is not recorded is reported revoked
// (fail closed: it cannot have come from this daemon's current run).
//
// Per agent there is also a "not before" watermark: revoking an agent at time T kills
// every token for it with iat < T (whole seconds), plus — through the flags — every
// recorded token minted up to the revocation itself, including those in second T.
// Tokens minted after the revocation returns are unaffected. RevokeAll sets the same
// watermark for every agent; the issuer also rotates the signing key.
//
// Thread-safe (one mutex); the Clock must outlive the list.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"

namespace notme::authority {

struct RevocationOptions {
  // Most tokens recorded at once (live or revoked, not yet expired + grace).
  size_t max_tokens = 1 << 18;
  // Records outlive exp by this much, covering verifiers' clock skew.
  int64_t grace_seconds = 120;
  // Longest token lifetime: a watermark older than lifetime + grace can no longer
  // matter (every token it covers has expired) and is forgotten.
  int64_t token_lifetime_seconds = 300;
};

class RevocationList {
 public:
  explicit RevocationList(const Clock& clock, RevocationOptions options = {});

  // Records a freshly minted token. Errors: kAlreadyExists (jti reused — a bug or a
  // broken RNG), kUnavailable (the record is full of unexpired tokens: refuse the mint).
  Result<void> RecordIssued(std::string_view jti, std::string_view agent, int64_t iat,
                            int64_t exp) EXCLUDES(mu_);

  // True when the token must be refused: unknown jti, flagged revoked, agent mismatch
  // with the record, or iat before its agent's (or the global) watermark.
  bool IsRevoked(std::string_view jti, std::string_view agent, int64_t iat) const
      EXCLUDES(mu_);

  // Flags one token. Returns true when a live, unrevoked token was revoked; false when
  // the jti is unknown, expired or already revoked (RFC 7009 §2.2: not an error).
  bool RevokeJti(std::string_view jti) EXCLUDES(mu_);
  // Revokes every token of `agent` minted so far; returns how many were live.
  size_t RevokeAgent(std::string_view agent) EXCLUDES(mu_);
  // Revokes every token minted so far; returns how many were live.
  size_t RevokeAll() EXCLUDES(mu_);

  // Live (unexpired, unrevoked) tokens of `agent`, or of every agent when nullopt.
  size_t LiveCount(std::optional<std::string_view> agent = std::nullopt) const EXCLUDES(mu_);
  // Records held, live or revoked (for tests and /v1/status).
  size_t size() const EXCLUDES(mu_);

 private:
  struct Record {
    std::string agent;
    int64_t exp;
    bool revoked;
  };
  void PruneLocked(int64_t now) REQUIRES(mu_);
  bool IsLiveLocked(const Record& r, int64_t now) const REQUIRES(mu_);

  const Clock& clock_;
  const RevocationOptions options_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Record> records_ GUARDED_BY(mu_);
  // (exp, jti) in minting order; exp is non-decreasing while the clock is, so pruning
  // pops from the front. Entries whose record is gone already are skipped.
  std::deque<std::pair<int64_t, std::string>> by_expiry_ GUARDED_BY(mu_);
  std::map<std::string, int64_t, std::less<>> agent_not_before_ GUARDED_BY(mu_);
  int64_t global_not_before_ GUARDED_BY(mu_) = 0;
};

}  // namespace notme::authority
