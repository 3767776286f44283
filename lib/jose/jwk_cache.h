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
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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

// ProofHeaderCache: DPoP proof headers accepted before, by the exact bytes of their
// base64url segment, with the algorithm and key that decoding, parsing and checking that
// segment gave (DpopValidator). An agent sends the same header with every proof, so a hit
// skips the header's base64url decode, strict parse, alg/typ/crit checks and JWK lookup;
// the signature, claims and replay checks still run on every proof. Keyed on the bytes,
// so a hit is exactly what the checks would give again. Only accepted headers are kept.
// Bounded: at most `max_entries` (emptied when full), segments over 1 KiB are not kept.
// Thread-safe (one mutex).
class ProofHeaderCache {
 public:
  struct Entry {
    JwsAlgorithm alg;
    PublicJwk jwk;
  };

  explicit ProofHeaderCache(size_t max_entries) : max_entries_(max_entries) {}
  ProofHeaderCache(const ProofHeaderCache&) = delete;
  ProofHeaderCache& operator=(const ProofHeaderCache&) = delete;

  std::optional<Entry> Find(std::string_view header_b64) const EXCLUDES(mu_);
  void Remember(std::string_view header_b64, const Entry& entry) EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);

 private:
  struct Hash {  // lookups by string_view, no copy
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  static constexpr size_t kMaxKeyBytes = 1024;
  const size_t max_entries_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_ GUARDED_BY(mu_);
};

}  // namespace notme::jose
