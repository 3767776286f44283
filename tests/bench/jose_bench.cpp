// Single-core throughput of lib/jose beside the raw libsodium floor, in one run.
//
//   jose_bench [seconds_per_measurement]   (default 2)
//
// raw   : crypto_sign_detached + crypto_sign_verify_detached over a token-sized message
// sign  : SignJwtText of an at+jwt access token (claims written as the daemon writes them)
// verify: VerifyJwt of that token (key set lookup, strict parse, claims validation)
// dpop  : DpopValidator::Validate of a fresh EdDSA proof
// mint  : dpop + writing the claims and SignJwtText — what POST /token costs in crypto/JOSE
// The mint must reach at least 80% of raw (one sign and one verify each); exit 1 if not.
//
// The process is pinned to the CPU it starts on. On a shared machine, neighbours steal
// time unevenly, so the operations are interleaved (each iteration times every operation
// once, in an order that rotates every iteration); rates come from latency percentiles.

#include <sched.h>
#include <sodium.h>

#include <algorithm>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json_dump.h"
#include "crypto/sodium_init.h"
#include "jose/dpop.h"
#include "jose/jwt.h"
#include "jose/kid.h"

namespace {

using notme::jose::JwsAlgorithm;
using Clock = std::chrono::steady_clock;

constexpr int64_t kNow = 1'800'000'000;
constexpr const char* kHtu = "http://notme.localhost/token";

// Runs `op` repeatedly for about `seconds`; returns operations per second.
template <typename Op>
double Measure(double seconds, Op&& op) {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  long n = 0;
  while (Clock::now() < deadline) {
    for (int i = 0; i < 64; ++i) op();
    n += 64;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(n) / elapsed;
}

void Die(const char* what) {
  std::fprintf(stderr, "jose_bench: %s\n", what);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (!notme::crypto::InitCrypto()) Die("libsodium init failed");
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int cpu = sched_getcpu();
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<size_t>(cpu), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) Die("sched_setaffinity failed");
  }

  auto issuer_key = notme::crypto::Ed25519SecretKey::Generate();
  auto client_key = notme::crypto::Ed25519SecretKey::Generate();
  if (!issuer_key || !client_key) Die("key generation failed");
  const std::string kid = notme::jose::KidForEd25519(issuer_key->public_key());
  notme::jose::KeySet keys;
  keys.Add(kid, notme::jose::PublicJwk::FromEd25519(issuer_key->public_key()));
  notme::FakeClock clock(kNow);
  notme::jose::ClaimsValidator validator(clock, {"http://notme.localhost", "https://api.example", 60, true});

  // Claims are written as TokenIssuer::MintBound writes them (JsonObjectWriter, members
  // sorted) and signed with SignJwtText: the daemon builds no JSON tree for a token.
  const auto claims_for = [](const std::string& jkt) {
    return notme::JsonObjectWriter(512)
        .BeginObject("act").String("sub", "agent:agent-1").EndObject()
        .String("aud", "https://api.example")
        .String("client_id", "agent-1")
        .BeginObject("cnf").String("jkt", jkt).EndObject()
        .Integer("exp", kNow + 300)
        .Integer("iat", kNow)
        .String("iss", "http://notme.localhost")
        .String("jti", "0123456789abcdef0123456789abcdef")
        .Integer("nbf", kNow)
        .String("scope", "repo:read repo:write")
        .String("sub", "alice")
        .Finish();
  };
  const std::string jkt =
      notme::jose::PublicJwk::FromEd25519(client_key->public_key()).Thumbprint();
  const auto token = notme::jose::SignJwtText(claims_for(jkt), "at+jwt", kid, *issuer_key);
  if (!token) Die("sign failed");

  // raw floor: libsodium directly, over a message the size of the token's signing input.
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  const std::string message = token->substr(0, token->rfind('.'));
  const auto* m = reinterpret_cast<const unsigned char*>(message.data());
  unsigned char sig[crypto_sign_BYTES];
  const auto raw_op = [&] {
    crypto_sign_detached(sig, nullptr, m, message.size(), sk);
    if (crypto_sign_verify_detached(sig, m, message.size(), pk) != 0) Die("raw verify failed");
  };
  const auto raw_sign_op = [&] { crypto_sign_detached(sig, nullptr, m, message.size(), sk); };
  // Ed25519SecretKey::Sign: libsodium plus SecretBytes' mprotect pair around each use.
  const auto key_sign_op = [&] { (void)issuer_key->Sign(message); };
  const auto claims = claims_for(jkt);
  const auto sign_op = [&] {
    if (!notme::jose::SignJwtText(claims, "at+jwt", kid, *issuer_key)) Die("sign failed");
  };
  const auto verify_op = [&] {
    if (!notme::jose::VerifyJwt(*token, keys, "at+jwt", validator)) Die("verify failed");
  };

  // Fresh proofs (distinct jti) made before timing; each is validated once.
  const double calibration = Measure(0.2, raw_op);
  const size_t proof_count = static_cast<size_t>(calibration * seconds) + 4096;
  std::vector<std::string> proofs;
  proofs.reserve(proof_count);
  for (size_t i = 0; i < proof_count; ++i) {
    auto p = notme::jose::CreateDpopProof(*client_key, "POST", kHtu, kNow);
    if (!p) Die("proof creation failed");
    proofs.push_back(std::move(*p));
  }
  size_t next = 0;
  notme::jose::InMemoryReplayCache cache(proof_count, clock);
  notme::jose::DpopValidator dpop(notme::jose::DpopOptions{}, clock, cache);
  const auto validate_op = [&] {
    if (next >= proofs.size()) Die("ran out of proofs");
    if (!dpop.Validate(proofs[next++], "POST", kHtu, std::nullopt)) Die("dpop failed");
  };
  const auto mint_op = [&] {
    if (next >= proofs.size()) Die("ran out of proofs");
    auto proof = dpop.Validate(proofs[next++], "POST", kHtu, std::nullopt);
    if (!proof) Die("dpop failed");
    if (!notme::jose::SignJwtText(claims_for(proof->jkt()), "at+jwt", kid, *issuer_key)) {
      Die("sign failed");
    }
  };

  // Interleaved: every iteration times each operation once, so all of them see the same
  // machine; the median latency discards the iterations a neighbour preempted.
  std::vector<double> t_raw, t_raw_sign, t_key_sign, t_sign, t_verify, t_validate, t_mint;
  const auto timed = [](std::vector<double>& out, auto&& op) {
    const auto start = Clock::now();
    op();
    out.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  };
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  // The order rotates every iteration so that no operation always follows the same one.
  const std::function<void()> ops[] = {
      [&] { timed(t_raw, raw_op); },         [&] { timed(t_mint, mint_op); },
      [&] { timed(t_raw_sign, raw_sign_op); }, [&] { timed(t_key_sign, key_sign_op); },
      [&] { timed(t_sign, sign_op); },       [&] { timed(t_verify, verify_op); },
      [&] { timed(t_validate, validate_op); }};
  constexpr size_t kOps = sizeof ops / sizeof ops[0];
  for (size_t iteration = 0; Clock::now() < deadline && next + 2 <= proofs.size(); ++iteration) {
    for (size_t k = 0; k < kOps; ++k) ops[(iteration + k) % kOps]();
  }
  // Rates from the 10th-percentile latency (the operation's cost when no neighbour
  // interrupted it; like timeit's minimum, but robust to a single lucky sample) and from
  // the median (what a loaded machine gives).
  struct Rate {
    double p10, median;
  };
  const auto rate = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return Rate{1.0 / v[v.size() / 10], 1.0 / v[v.size() / 2]};
  };
  const size_t iterations = t_raw.size();
  const Rate raw = rate(t_raw), raw_sign = rate(t_raw_sign), key_sign = rate(t_key_sign),
             sign = rate(t_sign), verify = rate(t_verify), validate = rate(t_validate),
             mint = rate(t_mint);
  sodium_memzero(sk, sizeof sk);

  const double ratio = mint.p10 / raw.p10;
  std::printf("cpu %d, %zu interleaved iterations; ops/s from p10 latency (median)\n", cpu,
              iterations);
  const auto row = [](const char* name, const Rate& r) {
    std::printf("%-26s: %9.0f /s  (%9.0f /s)\n", name, r.p10, r.median);
  };
  row("raw libsodium sign+verify", raw);
  row("raw libsodium sign", raw_sign);
  row("Ed25519SecretKey::Sign", key_sign);
  row("jose sign (SignJwt)", sign);
  row("jose verify (VerifyJwt)", verify);
  row("dpop validate (EdDSA)", validate);
  row("mint (dpop + SignJwt)", mint);
  std::printf("mint / raw sign+verify    : %.1f%%  (%.1f%%), need >= 80%%\n", ratio * 100.0,
              mint.median / raw.median * 100.0);
  return ratio >= 0.8 ? 0 : 1;
}
