// daemon_bench: notmed end to end. Starts the real daemon (ephemeral keyring, temporary
// dirs), then N client threads mint tokens over the control socket on keep-alive
// connections, every request with its own DPoP proof (unique jti, iat = when it was made).
//
// What is timed (docs/benchmarks.md "daemon"): the run goes in rounds. In each round every
// client first makes its share of proofs and request bytes — untimed, so the clients'
// own Ed25519 signing does not compete with the daemon for the cores — then all clients
// start together and send them one after another (each waits for its answer); the round
// ends when the last client has its last answer. Throughput = timed mints / summed round
// time; latency = send to last response byte, per request. Rounds are small enough that
// every proof is used within seconds of being made (the daemon accepts iat >= now - 60).
//
// Beside it, in the same run: the crypto floor (raw libsodium: one Ed25519 sign + one
// verify per mint) on as many threads as the daemon has busy workers (one per connection,
// so --clients threads), the better of a measurement before and after the mints; per
// round, a 0.3 s floor slice right after each timed round (the median of the rounds'
// ratios is the figure to trust on a machine whose speed drifts: a round and its slice
// share the conditions that one floor before and one after the whole run do not); and
// CPU time per mint — the daemon's (from /proc/<pid>/stat) against the floor's
// (CLOCK_THREAD_CPUTIME_ID) — which a loaded machine disturbs much less than wall time.
// Also the daemon's RSS (idle, after warm-up, at the end; --smaps lists the idle resident
// mappings) and start-to-ready (spawn to first successful connect).
//
//   daemon_bench [--notmed PATH] [--clients N] [--mints M] [--round R] [--starts K]
//                [--smaps] [--check] [--rss-slack-kib K] [--per-mint-bytes B]
//
// --check turns it into the load test (tests/integration/daemon_tests.cmake): exit 1 on
// any failed mint or when RSS grows more than the budget after warm-up.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
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

struct Response {
  int status = -1;
  bool close = false;  // the server announced Connection: close
};

// One read with a timeout, as notme's own client (httplib) reads: poll for input, then
// recv. The wait matters beyond bounding the bench: a thread blocked in recv on a Unix
// stream socket also sleeps on the socket's write-space queue, so the daemon's reading
// of the request would wake it for nothing; poll waits for input only.
ssize_t RecvWithTimeout(int fd, char* into, size_t room) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10'000) != 1) return -1;
  return ::recv(fd, into, room, 0);
}

// Reads one HTTP response (Content-Length framed).
Response ReadResponse(int fd, std::string& buf, std::string* body) {
  Response r;
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    char tmp[8192];
    ssize_t n = RecvWithTimeout(fd, tmp, sizeof(tmp));
    if (n <= 0) return r;
    buf.append(tmp, static_cast<size_t>(n));
  }
  std::string head = buf.substr(0, head_end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t len = 0;
  size_t cl = head.find("content-length:");
  if (cl != std::string::npos) len = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
  while (buf.size() < head_end + 4 + len) {
    char tmp[8192];
    ssize_t n = RecvWithTimeout(fd, tmp, sizeof(tmp));
    if (n <= 0) return r;
    buf.append(tmp, static_cast<size_t>(n));
  }
  if (body != nullptr) *body = buf.substr(head_end + 4, len);
  buf.erase(0, head_end + 4 + len);
  r.status = std::atoi(head.c_str() + 9);
  r.close = head.find("connection: close") != std::string::npos;
  return r;
}

int Request(const std::string& sock, const std::string& req, std::string* body = nullptr) {
  int fd = Connect(sock);
  if (fd < 0) return -1;
  std::string buf;
  int status = SendAll(fd, req) ? ReadResponse(fd, buf, body).status : -1;
  ::close(fd);
  return status;
}

long ProcField(pid_t pid, const char* file, const char* field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(f, line)) {
    if (line.compare(0, n, field) == 0) return std::atol(line.c_str() + n);
  }
  return -1;
}

long RssKib(pid_t pid) { return ProcField(pid, "status", "VmRSS:"); }
// Memory the daemon itself dirtied (heap, stacks), without shared library pages.
long PrivateDirtyKib(pid_t pid) { return ProcField(pid, "smaps_rollup", "Private_Dirty:"); }

struct CpuTimes {
  double user = 0, system = 0;  // seconds, all threads
};

// utime and stime of the whole process (all threads).
CpuTimes ProcessCpu(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all;
  std::getline(f, all);  // one line
  const size_t rparen = all.rfind(')');
  if (rparen == std::string::npos) return {};
  std::istringstream rest(all.substr(rparen + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) rest >> skip;  // fields 3..13 (proc(5))
  long utime = 0, stime = 0;
  rest >> utime >> stime;
  const auto tck = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {static_cast<double>(utime) / tck, static_cast<double>(stime) / tck};
}

double ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Resident KiB per mapped object (library path, [heap], [stack], [anon]...) from
// /proc/<pid>/smaps, largest first, with the private-dirty part.
void PrintResidentMappings(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/smaps");
  std::map<std::string, std::pair<long, long>> by_name;  // name -> (Rss, Private_Dirty)
  std::string line, name;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    if (std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < 17 &&
        line.find(':') > 17) {
      std::istringstream in(line);
      std::string range, perms, offset, dev, inode;
      in >> range >> perms >> offset >> dev >> inode;
      std::getline(in, name);
      name.erase(0, name.find_first_not_of(' '));
      if (name.empty()) name = "[anon]";
      continue;
    }
    if (line.rfind("Rss:", 0) == 0) by_name[name].first += std::atol(line.c_str() + 4);
    if (line.rfind("Private_Dirty:", 0) == 0) by_name[name].second += std::atol(line.c_str() + 14);
  }
  std::vector<std::pair<std::string, std::pair<long, long>>> rows(by_name.begin(), by_name.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::printf("  idle resident mappings (KiB: Rss / of it Private_Dirty):\n");
  for (const auto& [n, kib] : rows) {
    if (kib.first == 0) continue;
    std::printf("    %6ld / %6ld  %s\n", kib.first, kib.second, n.c_str());
  }
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

struct Floor {
  double ops_per_second = 0;   // (sign + verify) pairs per wall second, all threads
  double cpu_us_per_op = 0;    // CPU time of one pair
};

// Raw libsodium (one Ed25519 sign + one verify) on `threads` threads for `how_long`: the
// work a mint cannot avoid (verify the proof, sign the token).
Floor CryptoFloor(int threads, std::chrono::milliseconds how_long = std::chrono::seconds(1)) {
  std::atomic<long> ops{0};
  std::atomic<double> cpu{0};
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
      const double c0 = ThreadCpuSeconds();
      while (!stop.load(std::memory_order_relaxed)) {
        crypto_sign_detached(sig, nullptr, msg, sizeof(msg), sk);
        if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0) std::abort();
        ++n;
      }
      const double used = ThreadCpuSeconds() - c0;
      double seen = cpu.load();
      while (!cpu.compare_exchange_weak(seen, seen + used)) {
      }
      ops.fetch_add(n);
    });
  }
  auto t0 = Clock::now();
  std::this_thread::sleep_for(how_long);
  stop = true;
  for (auto& t : ts) t.join();
  Floor f;
  f.ops_per_second = static_cast<double>(ops.load()) /
                     std::chrono::duration<double>(Clock::now() - t0).count();
  f.cpu_us_per_op = 1e6 * cpu.load() / static_cast<double>(std::max(1L, ops.load()));
  return f;
}

std::string DefaultNotmed(const char* argv0) {
#ifdef NOTME_NOTMED_PATH
  (void)argv0;
  return NOTME_NOTMED_PATH;
#else
  return std::filesystem::path(argv0).parent_path() / "../../daemon/notmed";
#endif
}

std::string TokenRequest(const std::string& proof) {
  static const std::string body = "grant_type=client_credentials&client_id=bench&scope=repo%3Aread";
  return "POST /token HTTP/1.1\r\nHost: notme.localhost\r\n"
         "Content-Type: application/x-www-form-urlencoded\r\nDPoP: " +
         proof + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Options {
  std::string notmed;
  int clients = 8;
  int mints = 2000;
  int round = 0;  // mints per client per round; 0 = automatic
  int starts = 5;
  bool smaps = false;
  bool check = false;
  long rss_slack_kib = 4096;
  // Each live token is recorded (revocation list, ~250 B) and each proof's jti is kept
  // by the replay cache (~280 B) until they expire (exp + 120 s, iat + 60 s); the audit
  // log keeps its last 4096 lines in memory (a fixed amount, reached during warm-up).
  // Growth within one run is bounded by this per-mint budget; a leaked request or
  // response buffer (>= 1.5 KiB per mint) would exceed it.
  long per_mint_bytes = 768;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.notmed = DefaultNotmed(argv[0]);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--notmed") o.notmed = next();
    else if (a == "--clients") o.clients = std::atoi(next().c_str());
    else if (a == "--mints") o.mints = std::atoi(next().c_str());
    else if (a == "--round") o.round = std::atoi(next().c_str());
    else if (a == "--starts") o.starts = std::atoi(next().c_str());
    else if (a == "--smaps") o.smaps = true;
    else if (a == "--check") o.check = true;
    else if (a == "--rss-slack-kib") o.rss_slack_kib = std::atol(next().c_str());
    else if (a == "--per-mint-bytes") o.per_mint_bytes = std::atol(next().c_str());
    else {
      std::fprintf(stderr,
                   "usage: daemon_bench [--notmed P] [--clients N] [--mints M] [--round R] "
                   "[--starts K] [--smaps] [--check]\n");
      return 2;
    }
  }
  if (o.clients < 1 || o.mints < 2 || o.starts < 1) {
    std::fprintf(stderr, "daemon_bench: --clients, --starts >= 1 and --mints >= 2\n");
    return 2;
  }
  // About 8000 proofs per round whatever the client count: made in well under a second,
  // all used within seconds.
  const int round = o.round > 0 ? o.round : std::clamp(8000 / o.clients, 50, 1000);
  if (!notme::crypto::InitCrypto()) return 1;
  ::signal(SIGPIPE, SIG_IGN);

  std::vector<double> ready;
  for (int i = 0; i < o.starts; ++i) {
    Daemon d = StartDaemon(o.notmed);
    ready.push_back(d.ready_ms);
    StopDaemon(d);
  }
  std::sort(ready.begin(), ready.end());

  Daemon d = StartDaemon(o.notmed);
  // Idle: started, nothing asked yet.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const long rss_idle = RssKib(d.pid);
  const long private_idle = PrivateDirtyKib(d.pid);
  if (o.smaps) PrintResidentMappings(d.pid);

  const std::string agent_body = R"({"name":"bench","scopes":["repo:read"],"audiences":[]})";
  int st = Request(d.control,
                   "POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: " + std::to_string(agent_body.size()) +
                       "\r\nConnection: close\r\n\r\n" + agent_body);
  if (st != 201) {
    std::fprintf(stderr, "adding the agent failed: %d\n", st);
    return 1;
  }
  // The daemon runs one worker thread per connection: the floor runs on as many threads.
  const int floor_threads = o.clients;
  const Floor floor_before = CryptoFloor(floor_threads);

  // Warm-up: the first ~10% of each client's mints (at least one round) are not counted.
  const int warmup = std::max(1, o.mints / 10);
  std::atomic<int> errors{0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(o.clients));
  std::vector<double> client_cpu(static_cast<size_t>(o.clients), 0.0);
  // Round sizes are fixed up front. The warm-up is a round of its own so that a timed
  // round never mixes in warm-up mints; rounds that start before `warmup` mints per
  // client are not counted.
  std::vector<int> rounds;
  for (int left = o.mints; left > 0;) {
    const int n = std::min(left, rounds.empty() ? std::min(warmup, round) : round);
    rounds.push_back(n);
    left -= n;
  }
  // Round bookkeeping, done by the barrier's completion step (one thread while all the
  // others wait): the first arrival of a round ends proof making and starts the timed
  // part, the second ends it.
  double timed_seconds = 0;
  // Each timed round beside a floor slice measured right after it, while every client
  // waits: on a machine whose speed drifts (a shared VM), a round and its slice see the
  // same conditions, which one floor before and one after the whole run do not.
  struct RoundVsFloor {
    double throughput_ratio;  // round's mints/s over the slice's pairs/s
    double cpu_ratio;         // daemon CPU per mint over the slice's CPU per pair
  };
  std::vector<RoundVsFloor> per_round;
  CpuTimes daemon_cpu, round_cpu0;
  Clock::time_point round_t0{};
  long rss_warm = -1;
  bool in_timed = false;
  size_t round_index = 0;
  int done_mints = 0;  // per client, before the current round
  auto on_phase = [&]() noexcept {
    const bool counts = done_mints >= warmup;
    if (!in_timed) {
      if (counts && rss_warm < 0) rss_warm = RssKib(d.pid);
      round_cpu0 = ProcessCpu(d.pid);
      round_t0 = Clock::now();
    } else {
      if (counts) {
        const double seconds = std::chrono::duration<double>(Clock::now() - round_t0).count();
        timed_seconds += seconds;
        const CpuTimes now = ProcessCpu(d.pid);
        const double user = now.user - round_cpu0.user, system = now.system - round_cpu0.system;
        daemon_cpu.user += user;
        daemon_cpu.system += system;
        const double mints = static_cast<double>(rounds[round_index]) * o.clients;
        const Floor slice = CryptoFloor(floor_threads, std::chrono::milliseconds(300));
        per_round.push_back({mints / seconds / slice.ops_per_second,
                             1e6 * (user + system) / mints / slice.cpu_us_per_op});
      }
      done_mints += rounds[round_index++];
    }
    in_timed = !in_timed;
  };
  std::barrier sync(o.clients, on_phase);
  std::vector<std::thread> ts;
  for (int c = 0; c < o.clients; ++c) {
    ts.emplace_back([&, c] {
      auto key = notme::crypto::Ed25519SecretKey::Generate();
      auto& my = lat[static_cast<size_t>(c)];
      my.reserve(static_cast<size_t>(o.mints));
      int fd = -1;
      std::string buf;
      std::vector<std::string> requests;
      int done = 0;
      for (int n : rounds) {
        requests.clear();
        for (int i = 0; i < n; ++i) {
          auto proof = notme::jose::CreateDpopProof(*key, "POST", kTokenEndpoint,
                                                    static_cast<int64_t>(::time(nullptr)));
          requests.push_back(TokenRequest(*proof));
        }
        const bool counts = done >= warmup;
        sync.arrive_and_wait();  // proofs made: the timed part starts
        const double cpu0 = ThreadCpuSeconds();
        for (const std::string& req : requests) {
          if (fd < 0) {
            fd = Connect(d.control);
            buf.clear();
          }
          auto t0 = Clock::now();
          Response r = fd >= 0 && SendAll(fd, req) ? ReadResponse(fd, buf, nullptr) : Response{};
          auto us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
          if (r.status != 200) {
            if (errors.fetch_add(1) < 5) std::fprintf(stderr, "mint failed: status %d\n", r.status);
          }
          if ((r.status != 200 || r.close) && fd >= 0) {
            ::close(fd);
            fd = -1;
          }
          if (counts) my.push_back(us);
        }
        if (counts) client_cpu[static_cast<size_t>(c)] += ThreadCpuSeconds() - cpu0;
        sync.arrive_and_wait();  // the timed part is over when the last client is done
        done += n;
      }
      if (fd >= 0) ::close(fd);
    });
  }
  for (auto& t : ts) t.join();
  const long rss_end = RssKib(d.pid);
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  const double throughput = static_cast<double>(all.size()) / timed_seconds;
  StopDaemon(d);

  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  // The machine may be shared: the better of two floor measurements around the run.
  const Floor floor_after = CryptoFloor(floor_threads);
  const Floor& best = floor_after.ops_per_second > floor_before.ops_per_second ? floor_after
                                                                               : floor_before;
  const double floor_cpu = std::min(floor_before.cpu_us_per_op, floor_after.cpu_us_per_op);
  const double n_timed = static_cast<double>(std::max<size_t>(1, all.size()));
  double clients_cpu = 0;
  for (double c : client_cpu) clients_cpu += c;
  const double daemon_cpu_us = 1e6 * (daemon_cpu.user + daemon_cpu.system) / n_timed;
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[static_cast<size_t>(p * static_cast<double>(all.size() - 1))];
  };
  std::printf("daemon_bench: %d clients x %d mints (%zu timed; rounds of %d), %d cores\n",
              o.clients, o.mints, all.size(), round, cores);
  std::printf("  throughput        %10.0f mints/s (proofs made before each timed round)\n",
              throughput);
  std::printf("  crypto floor      %10.0f (sign+verify)/s on %d threads  -> %.0f%% of floor\n",
              best.ops_per_second, floor_threads, 100.0 * throughput / best.ops_per_second);
  std::printf("  daemon CPU        %10.1f us/mint (user %.1f + system %.1f; floor %.1f "
              "us/(sign+verify) -> %.0f%%); clients %.1f us/mint\n",
              daemon_cpu_us, 1e6 * daemon_cpu.user / n_timed, 1e6 * daemon_cpu.system / n_timed,
              floor_cpu, 100.0 * floor_cpu / daemon_cpu_us, 1e6 * clients_cpu / n_timed);
  if (!per_round.empty()) {
    std::vector<double> tr, cr;
    for (const auto& r : per_round) {
      tr.push_back(r.throughput_ratio);
      cr.push_back(r.cpu_ratio);
    }
    std::sort(tr.begin(), tr.end());
    std::sort(cr.begin(), cr.end());
    auto median = [](const std::vector<double>& v) {
      const size_t n = v.size();
      return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    };
    std::printf("  per round         %10.0f%% of floor (median of %zu rounds, each beside a "
                "floor slice right after it; %.0f-%.0f%%); daemon CPU %.2fx the slice's "
                "(%.2f-%.2f)\n",
                100 * median(tr), tr.size(), 100 * tr.front(), 100 * tr.back(), median(cr),
                cr.front(), cr.back());
  }
  std::printf("  latency p50       %10.0f us\n", pct(0.50));
  std::printf("  latency p99       %10.0f us\n", pct(0.99));
  std::printf("  RSS idle          %10ld KiB (private dirty %ld KiB)\n", rss_idle, private_idle);
  std::printf("  RSS after warm-up %10ld KiB\n", rss_warm);
  std::printf("  RSS at end        %10ld KiB\n", rss_end);
  std::printf("  start-to-ready    %10.1f ms (median of %d; min %.1f, max %.1f)\n",
              ready[ready.size() / 2], o.starts, ready.front(), ready.back());
  std::printf("  errors            %10d\n", errors.load());
  if (o.check) {
    const long budget = o.rss_slack_kib + static_cast<long>(all.size()) * o.per_mint_bytes / 1024;
    const long growth = rss_end - rss_warm;
    const bool ok = errors.load() == 0 && growth <= budget;
    std::printf("load check: %s (errors %d, RSS growth after warm-up %ld KiB over %zu mints, "
                "budget %ld KiB = %ld KiB + %ld B/mint)\n",
                ok ? "PASS" : "FAIL", errors.load(), growth, all.size(), budget,
                o.rss_slack_kib, o.per_mint_bytes);
    return ok ? 0 : 1;
  }
  return 0;
}
