#pragma once
// JwkCache: remembers successfully parsed JWKs so that a client reusing its DPoP key does
// not pay for curve-point validation (an Ed25519 subgroup check costs about as much as a
// signature verification) on every proof.
//
// PublicJwk::FromJson is a pure function of the JSON value, so the cache keys on the
// whole value (every member name and value; JWKs whose members are not all strings are
// not cached): a hit returns exactly what FromJson would. Failures are never cached. Bounded: at most `max_entries` keys (the table is emptied when full),
// keys over 1 KiB are not cached. Thread-safe (one mutex).

#include <cstddef>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "jose/jwk.h"
#include "notme/result.h"
#include "notme/thread_annotations.h"

namespace notme::jose {

class JwkCache {
 public:
  explicit JwkCache(size_t max_entries) : max_entries_(max_entries) {}
  JwkCache(const JwkCache&) = delete;
  JwkCache& operator=(const JwkCache&) = delete;

  // Same contract and errors as PublicJwk::FromJson.
  Result<PublicJwk> FromJson(const nlohmann::json& jwk) EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);

 private:
  static constexpr size_t kMaxKeyBytes = 1024;
  const size_t max_entries_;
  mutable Mutex mu_;
  std::unordered_map<std::string, PublicJwk> entries_ GUARDED_BY(mu_);
};

}  // namespace notme::jose
