// keyring_bench: what one upstream-secret lookup costs — the proxy does one per proxied
// request (docs/proxy.md "Where the secret lives"). Against the real Secret Service
// (gnome-keyring on a private session bus: run it under tests/keyring_harness/run), beside
// the ephemeral keyring measured in the same run as the baseline. Prints p50/p99 wall
// time and the process's CPU time per lookup, on one thread and on --threads threads.
//
//   tests/keyring_harness/run -- build/tests/bench/keyring_bench [--lookups N] [--threads T]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto/secret_bytes.h"
#include "crypto/sodium_init.h"
#include "keyring/open_keyring.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kName[] = "secret/bench";

double CpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](timeval t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

struct Figures {
  double p50_us = 0, p99_us = 0, cpu_us = 0, per_second = 0;
};

// `n` lookups on one thread (latency, CPU), then `n` more spread over `threads` threads
// (throughput).
Figures Measure(notme::keyring::Keyring& k, int n, int threads) {
  std::vector<double> lat;
  lat.reserve(static_cast<size_t>(n));
  const double cpu0 = CpuSeconds();
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto v = k.Lookup(kName);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!v) {
      std::fprintf(stderr, "lookup failed: %s\n", v.error().message().c_str());
      std::exit(1);
    }
  }
  Figures f;
  f.cpu_us = (CpuSeconds() - cpu0) * 1e6 / n;
  std::sort(lat.begin(), lat.end());
  f.p50_us = lat[lat.size() / 2];
  f.p99_us = lat[static_cast<size_t>(0.99 * static_cast<double>(lat.size() - 1))];
  std::atomic<bool> failed{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < n / threads; ++i) {
        if (!k.Lookup(kName)) failed = true;
      }
    });
  }
  for (auto& t : ts) t.join();
  if (failed) std::exit(1);
  f.per_second = (n / threads) * threads / std::chrono::duration<double>(Clock::now() - t0).count();
  return f;
}

void Print(const char* what, const Figures& f) {
  std::printf("%-16s p50 %8.1f us  p99 %8.1f us  cpu %7.1f us/lookup  %8.0f lookups/s\n", what,
              f.p50_us, f.p99_us, f.cpu_us, f.per_second);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2000;
  int threads = 4;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--lookups" && i + 1 < argc) {
      n = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: keyring_bench [--lookups N] [--threads T]\n");
      return 2;
    }
  }
  if (n < 10 || threads < 1 || threads > n) return 2;
  if (!notme::crypto::InitCrypto()) return 1;
  // A made-up 40-byte token: the size of a GitHub PAT.
  std::string value(40, 'x');
  auto secret = notme::crypto::SecretBytes::CopyFrom(
      std::span(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
  if (!secret) return 1;

  auto ephemeral = notme::keyring::OpenKeyring(notme::keyring::Mode::kEphemeral, nullptr);
  auto real = notme::keyring::OpenKeyring(notme::keyring::Mode::kSecretService, nullptr);
  if (!ephemeral || !real) {
    std::fprintf(stderr, "keyring_bench: %s (run under tests/keyring_harness/run)\n",
                 real ? "no ephemeral keyring" : real.error().message().c_str());
    return 1;
  }
  for (auto* k : {ephemeral->get(), real->get()}) {
    if (!k->Store(kName, *secret, "keyring_bench")) {
      std::fprintf(stderr, "keyring_bench: store failed\n");
      return 1;
    }
  }
  std::printf("keyring_bench: %d lookups on 1 thread, %d more on %d threads\n", n, n, threads);
  Print("ephemeral", Measure(**ephemeral, n, threads));
  Print("secret-service", Measure(**real, n, threads));
  (void)(*real)->Remove(kName);
  return 0;
}
