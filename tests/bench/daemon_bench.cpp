// daemon_bench: notmed end to end. Starts the real daemon (ephemeral keyring, temporary
// dirs), then N concurrent clients mint tokens over the control socket, each request with
// a fresh DPoP proof, on keep-alive connections. Prints throughput, p50/p99 latency,
// daemon RSS (idle, after warm-up, at the end) and start-to-ready time, beside the crypto
// floor — one Ed25519 verify + one sign per mint, measured in the same run on every core.
//
//   daemon_bench [--notmed PATH] [--clients N] [--mints M] [--check] [--starts K]
//
// --check turns it into the load test (tests/integration/daemon_tests.cmake): exit 1 on
// any failed mint or when RSS grows more than --rss-slack-kib after warm-up.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sodium.h>

#include "crypto/ed25519.h"
#include "crypto/sodium_init.h"
#include "jose/dpop.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kTokenEndpoint[] = "http://notme.localhost/token";

int Connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), std::min(path.size(), sizeof(addr.sun_path) - 1));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads one HTTP response (Content-Length framed). Returns the status or -1.
int ReadResponse(int fd, std::string& buf, std::string* body) {
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    char tmp[8192];
    ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
  }
  int status = std::atoi(buf.c_str() + 9);
  size_t len = 0;
  std::string head = buf.substr(0, head_end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t cl = head.find("content-length:");
  if (cl != std::string::npos) len = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
  while (buf.size() < head_end + 4 + len) {
    char tmp[8192];
    ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
  }
  if (body != nullptr) *body = buf.substr(head_end + 4, len);
  buf.erase(0, head_end + 4 + len);
  return status;
}

int Request(const std::string& sock, const std::string& req, std::string* body = nullptr) {
  int fd = Connect(sock);
  if (fd < 0) return -1;
  std::string buf;
  int status = SendAll(fd, req) ? ReadResponse(fd, buf, body) : -1;
  ::close(fd);
  return status;
}

long RssKib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// Memory the daemon itself dirtied (heap, stacks), without shared library pages.
long PrivateDirtyKib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("Private_Dirty:", 0) == 0) return std::atol(line.c_str() + 14);
  }
  return -1;
}

struct Daemon {
  pid_t pid = -1;
  std::string root, control;
  double ready_ms = 0;
};

Daemon StartDaemon(const std::string& notmed) {
  Daemon d;
  char tmpl[] = "/tmp/nmbXXXXXX";
  d.root = ::mkdtemp(tmpl);
  d.control = d.root + "/run/control.sock";
  std::vector<std::string> env = {"HOME=" + d.root, "XDG_CONFIG_HOME=" + d.root + "/cfg",
                                  "XDG_STATE_HOME=" + d.root + "/st", "PATH=/usr/bin:/bin"};
  std::vector<std::string> args = {notmed, "--runtime-dir", d.root + "/run", "--keyring",
                                   "ephemeral", "--human", "bench@example.test"};
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, (d.root + "/stderr").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const auto t0 = Clock::now();
  if (posix_spawn(&d.pid, notmed.c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) {
    std::perror("posix_spawn");
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&fa);
  for (int i = 0; i < 20000; ++i) {
    int fd = Connect(d.control);
    if (fd >= 0) {
      ::close(fd);
      d.ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      return d;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  std::fprintf(stderr, "notmed did not become ready\n");
  std::exit(1);
}

void StopDaemon(Daemon& d) {
  ::kill(d.pid, SIGTERM);
  int st = 0;
  ::waitpid(d.pid, &st, 0);
  std::filesystem::remove_all(d.root);
}

// ops/s of (one Ed25519 sign + one verify) with raw libsodium, on `threads` threads
// for ~1 s: the work a mint cannot avoid (verify the proof, sign the token).
double CryptoFloor(int threads) {
  std::atomic<long> ops{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      unsigned char pk[crypto_sign_PUBLICKEYBYTES];
      unsigned char sk[crypto_sign_SECRETKEYBYTES];
      crypto_sign_keypair(pk, sk);
      unsigned char msg[200] = {};
      unsigned char sig[crypto_sign_BYTES];
      long n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        crypto_sign_detached(sig, nullptr, msg, sizeof(msg), sk);
        if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0) std::abort();
        ++n;
      }
      ops.fetch_add(n);
    });
  }
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop = true;
  for (auto& t : ts) t.join();
  return static_cast<double>(ops.load()) /
         std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string DefaultNotmed(const char* argv0) {
#ifdef NOTME_NOTMED_PATH
  (void)argv0;
  return NOTME_NOTMED_PATH;
#else
  return std::filesystem::path(argv0).parent_path() / "../../daemon/notmed";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  std::string notmed = DefaultNotmed(argv[0]);
  int clients = 8;
  int mints = 2000;
  int starts = 5;
  bool check = false;
  long rss_slack_kib = 4096;
  // Each live token is recorded (revocation list, ~250 B) and each proof's jti is kept
  // by the replay cache (~280 B) until they expire (exp + 120 s, iat + 60 s): growth
  // within one run is bounded by this per-mint budget; a leaked request or response
  // buffer (>= 1.5 KiB per mint) would exceed it.
  long per_mint_bytes = 768;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--notmed") notmed = next();
    else if (a == "--clients") clients = std::atoi(next().c_str());
    else if (a == "--mints") mints = std::atoi(next().c_str());
    else if (a == "--starts") starts = std::atoi(next().c_str());
    else if (a == "--check") check = true;
    else if (a == "--rss-slack-kib") rss_slack_kib = std::atol(next().c_str());
    else if (a == "--per-mint-bytes") per_mint_bytes = std::atol(next().c_str());
    else {
      std::fprintf(stderr, "usage: daemon_bench [--notmed P] [--clients N] [--mints M] [--check]\n");
      return 2;
    }
  }
  if (!notme::crypto::InitCrypto()) return 1;
  ::signal(SIGPIPE, SIG_IGN);

  std::vector<double> ready;
  for (int i = 0; i < starts; ++i) {
    Daemon d = StartDaemon(notmed);
    ready.push_back(d.ready_ms);
    StopDaemon(d);
  }
  std::sort(ready.begin(), ready.end());

  Daemon d = StartDaemon(notmed);
  const std::string agent_body = R"({"name":"bench","scopes":["repo:read"],"audiences":[]})";
  int st = Request(d.control, "POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: " + std::to_string(agent_body.size()) +
                                  "\r\nConnection: close\r\n\r\n" + agent_body);
  if (st != 201) {
    std::fprintf(stderr, "adding the agent failed: %d\n", st);
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const long rss_idle = RssKib(d.pid);
  const long private_idle = PrivateDirtyKib(d.pid);
  // On a shared machine the scheduler shares CPU per thread: the floor runs on as many
  // threads as the measured run has busy (one daemon worker + one client per connection).
  const int floor_threads = std::max(2 * clients, static_cast<int>(std::thread::hardware_concurrency()));
  const double floor_before = CryptoFloor(floor_threads);

  const int warmup = std::max(1, mints / 10);
  std::atomic<int> errors{0};
  std::atomic<int> warmed{0};
  std::atomic<long> rss_warm{0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  const std::string body = "grant_type=client_credentials&client_id=bench&scope=repo%3Aread";
  auto t_start = Clock::now();
  Clock::time_point t_measure_start{};
  std::atomic<bool> measure_started{false};
  std::vector<std::thread> ts;
  for (int c = 0; c < clients; ++c) {
    ts.emplace_back([&, c] {
      auto key = notme::crypto::Ed25519SecretKey::Generate();
      auto& my = lat[static_cast<size_t>(c)];
      my.reserve(static_cast<size_t>(mints));
      int fd = -1;
      std::string buf;
      for (int i = 0; i < mints; ++i) {
        if (i == warmup) {
          if (warmed.fetch_add(1) + 1 == clients) {
            rss_warm = RssKib(d.pid);
            t_measure_start = Clock::now();
            measure_started = true;
          }
        }
        auto proof = notme::jose::CreateDpopProof(*key, "POST", kTokenEndpoint,
                                                  static_cast<int64_t>(::time(nullptr)));
        std::string req = "POST /token HTTP/1.1\r\nHost: notme.localhost\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\nDPoP: " +
                          *proof + "\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n\r\n" + body;
        if (fd < 0) {
          fd = Connect(d.control);
          buf.clear();
        }
        auto t0 = Clock::now();
        int status = fd >= 0 && SendAll(fd, req) ? ReadResponse(fd, buf, nullptr) : -1;
        auto us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        if (status == -1 && fd >= 0) {
          // The server closed an idle keep-alive connection: reconnect once.
          ::close(fd);
          fd = Connect(d.control);
          buf.clear();
          t0 = Clock::now();
          status = fd >= 0 && SendAll(fd, req) ? ReadResponse(fd, buf, nullptr) : -1;
          us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        }
        if (status != 200) {
          if (errors.fetch_add(1) < 5) std::fprintf(stderr, "mint failed: status %d\n", status);
          if (fd >= 0) ::close(fd);
          fd = -1;
        }
        if (i >= warmup) my.push_back(us);
      }
      if (fd >= 0) ::close(fd);
    });
  }
  for (auto& t : ts) t.join();
  auto t_end = Clock::now();
  (void)t_start;
  const long rss_end = RssKib(d.pid);
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  const double secs = std::chrono::duration<double>(t_end - t_measure_start).count();
  const double throughput = static_cast<double>(all.size()) / secs;
  StopDaemon(d);

  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  // The machine is shared: take the better of two floor measurements around the run.
  const double floor_all = std::max(floor_before, CryptoFloor(floor_threads));
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[static_cast<size_t>(p * static_cast<double>(all.size() - 1))]; };
  std::printf("daemon_bench: %d clients x %d mints (first %d per client are warm-up), %d cores\n",
              clients, mints, warmup, cores);
  std::printf("  throughput        %10.0f mints/s\n", throughput);
  std::printf("  crypto floor      %10.0f (sign+verify)/s on %d threads  -> %.0f%% of floor\n",
              floor_all, floor_threads, 100.0 * throughput / floor_all);
  std::printf("  latency p50       %10.0f us\n", pct(0.50));
  std::printf("  latency p99       %10.0f us\n", pct(0.99));
  std::printf("  RSS idle          %10ld KiB (private dirty %ld KiB)\n", rss_idle, private_idle);
  std::printf("  RSS after warm-up %10ld KiB\n", rss_warm.load());
  std::printf("  RSS at end        %10ld KiB\n", rss_end);
  std::printf("  start-to-ready    %10.1f ms (median of %d; min %.1f, max %.1f)\n",
              ready[ready.size() / 2], starts, ready.front(), ready.back());
  std::printf("  errors            %10d\n", errors.load());
  if (check) {
    const long budget =
        rss_slack_kib + static_cast<long>(all.size()) * per_mint_bytes / 1024;
    const long growth = rss_end - rss_warm.load();
    bool ok = errors.load() == 0 && growth <= budget;
    std::printf("load check: %s (errors %d, RSS growth after warm-up %ld KiB over %zu mints, "
                "budget %ld KiB = %ld KiB + %ld B/mint)\n",
                ok ? "PASS" : "FAIL", errors.load(), growth, all.size(), budget, rss_slack_kib,
                per_mint_bytes);
    return ok ? 0 : 1;
  }
  return 0;
}
