// proxy_bench: the secretless proxy against a loopback upstream, direct and through the
// proxy in the same run (docs/benchmarks.md "proxy"). The proxy side is what notmed runs
// on an agent socket: lib/proxy's ProxyService behind lib/server's UnixHttpServer (its
// FdStream, limits and worker pool) on a Unix socket. Both sides use the same keep-alive
// httplib client, so direct and proxied requests compare like with like; the upstream is
// an httplib server on loopback TCP. Figures: small-request latency (p50/p99) and
// throughput, 10 MiB downloads and uploads, CPU time per request of the whole process,
// alone and under load (client + proxy + upstream: on a shared machine the difference is
// the proxy's cost more reliably than wall time), and peak RSS after 10 MiB and after
// large bodies.
//
//   proxy_bench [--small N] [--threads T] [--pairs P] [--no-bodies] [--guarded-secret]
//               [--only direct|proxy|relay]
//
// Small-request throughput and 10 MiB transfers are measured in P alternating
// direct/proxied pairs (default 5; N/P small requests, or 10 bodies, per measurement) and
// reported as the median of the pairs' ratios, with each pair's.
// Floor: each small-request round also runs through a bare byte relay (BareRelay below:
// no HTTP, no policy, no secret — a thread per connection moving bytes between the Unix
// socket and a TCP connection to the upstream). It is what any relay in another thread
// costs on this machine; the proxy cannot get closer to direct than it.
// --only runs one path alone (a warm-up, then N small requests on T threads) for a
// profiler; its threads are named (bench-client, bare-relay, notme-loop; httplib's
// upstream threads keep the program's name), so `perf report --sort comm` splits the CPU.
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proxy/proxy_endpoints.h"
#include "proxy/proxy_service.h"
#include "server/http_server.h"
#include "server/unix_socket.h"
#include "server/worker_pool.h"

using namespace notme::proxy;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kSecret[] = "bench-secret-value";

long RssKiB(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return -1;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

// Where the client connects: loopback TCP (the upstream) or a Unix socket (the proxy).
struct Endpoint {
  std::string host;  // IP, or the socket path
  int port = 0;
  bool unix_socket = false;

  std::unique_ptr<httplib::Client> Connect() const {
    auto c = std::make_unique<httplib::Client>(host, port);
    if (unix_socket) c->set_address_family(AF_UNIX);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_read_timeout(std::chrono::seconds(60));
    return c;
  }
};

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](timeval t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

struct Result2 {
  double p50_us, p99_us, rps, cpu_us_per_request;
};

// Sequential requests on one keep-alive connection: latency and CPU per request.
Result2 SmallLatency(const Endpoint& ep, const std::string& path, int n) {
  std::vector<double> lat;
  double cpu0 = CpuSeconds();
  {
    auto client = ep.Connect();
    httplib::Client& c = *client;
    c.set_tcp_nodelay(true);
    c.set_default_headers({{"Authorization", std::string("Bearer ") + kSecret}});
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      auto r = c.Get(path);
      auto t1 = Clock::now();
      if (!r || r->status != 200) std::abort();
      lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }
  double cpu_per_request = (CpuSeconds() - cpu0) / n * 1e6;
  return {Percentile(lat, 0.5), Percentile(lat, 0.99), 0, cpu_per_request};
}

struct Load {
  double rps;                 // requests per second
  double cpu_us_per_request;  // whole process, while under load
  double cores;               // CPU seconds per second of wall time
};

// `n` requests spread over `threads` client threads, each on its own connection.
Load SmallThroughput(const Endpoint& ep, const std::string& path, int n, int threads) {
  std::atomic<int> done{0};
  const double cpu0 = CpuSeconds();
  auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      ::pthread_setname_np(::pthread_self(), "bench-client");
      auto client = ep.Connect();
      httplib::Client& c = *client;
      c.set_default_headers({{"Authorization", std::string("Bearer ") + kSecret}});
      for (int i = 0; i < n / threads; ++i) {
        auto r = c.Get(path);
        if (!r || r->status != 200) std::abort();
        ++done;
      }
    });
  }
  for (auto& t : ts) t.join();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  return {done.load() / wall, cpu / done.load() * 1e6, cpu / wall};
}

// CPU milliseconds per MiB of the last Download/Upload (whole process).
double g_cpu_ms_per_mib = 0;

double Download(const Endpoint& ep, const std::string& path, size_t bytes, int reps) {
  double cpu0 = CpuSeconds();
  auto client = ep.Connect();
  httplib::Client& c = *client;
  auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) {
    size_t got = 0;
    auto r = c.Get(path + std::to_string(bytes), [&](const char*, size_t n) {
      got += n;
      return true;
    });
    if (!r || got != bytes) std::abort();
  }
  double mib = static_cast<double>(bytes) * reps / 1048576.0;
  g_cpu_ms_per_mib = (CpuSeconds() - cpu0) * 1e3 / mib;
  return mib / std::chrono::duration<double>(Clock::now() - t0).count();
}

double Upload(const Endpoint& ep, const std::string& path, size_t bytes, int reps) {
  double cpu0 = CpuSeconds();
  auto client = ep.Connect();
  httplib::Client& c = *client;
  std::string chunk(64 * 1024, 'x');
  auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) {
    auto r = c.Post(
        path, bytes,
        [&](size_t offset, size_t length, httplib::DataSink& sink) {
          (void)offset;
          return sink.write(chunk.data(), std::min(length, chunk.size()));
        },
        "application/octet-stream");
    if (!r || r->body != std::to_string(bytes)) std::abort();
  }
  double mib = static_cast<double>(bytes) * reps / 1048576.0;
  g_cpu_ms_per_mib = (CpuSeconds() - cpu0) * 1e3 / mib;
  return mib / std::chrono::duration<double>(Clock::now() - t0).count();
}

// The floor for any relay: a Unix socket listener whose connections each get a thread
// and a TCP connection to the upstream, and that thread moves whatever arrives on one
// side to the other (poll on both, recv, send). No parsing, no copying beyond one buffer,
// no policy, no secret: every cost it has, the proxy has too.
class BareRelay {
 public:
  BareRelay(const std::filesystem::path& path, int upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (listen_fd_ < 0 ||
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      std::abort();
    }
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~BareRelay() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    // Each connection's thread ends when its client closes (the clients are gone by now).
    std::lock_guard lock(mu_);
    for (auto& t : relays_) t.join();
    ::close(listen_fd_);
  }

 private:
  void Accept() {
    for (;;) {
      int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      int u = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in up{};
      up.sin_family = AF_INET;
      up.sin_port = htons(static_cast<uint16_t>(upstream_port_));
      up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (u < 0 || ::connect(u, reinterpret_cast<sockaddr*>(&up), sizeof up) != 0) std::abort();
      int one = 1;
      ::setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mu_);
      relays_.emplace_back([c, u] { Relay(c, u); });
    }
  }
  static void Relay(int c, int u) {
    ::pthread_setname_np(::pthread_self(), "bare-relay");
    char buf[64 * 1024];
    pollfd fds[2] = {{c, POLLIN, 0}, {u, POLLIN, 0}};
    for (bool open = true; open;) {
      if (::poll(fds, 2, -1) <= 0) break;
      for (int i = 0; i < 2 && open; ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
        open = n > 0 && ::send(fds[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) == n;
      }
    }
    ::close(c);
    ::close(u);
  }

  int upstream_port_;
  int listen_fd_ = -1;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> relays_;
};

}  // namespace

int main(int argc, char** argv) {
  int n = 3000;
  int threads = 4;
  int pairs = 5;
  bool bodies = true;
  bool guarded_secret = false;  // the lookup's old path (Allocate), for a same-run baseline
  std::string only;             // direct, proxy or relay: that path alone (for profiling)
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--small" && i + 1 < argc) {
      n = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--pairs" && i + 1 < argc) {
      pairs = std::atoi(argv[++i]);
    } else if (a == "--no-bodies") {
      bodies = false;
    } else if (a == "--only" && i + 1 < argc &&
               (std::string(argv[i + 1]) == "direct" || std::string(argv[i + 1]) == "proxy" ||
                std::string(argv[i + 1]) == "relay")) {
      only = argv[++i];
    } else if (a == "--guarded-secret") {
      guarded_secret = true;
    } else {
      std::fprintf(stderr,
                   "usage: proxy_bench [--small N] [--threads T] [--pairs P] [--no-bodies] "
                   "[--guarded-secret] [--only direct|proxy|relay]\n");
      return 2;
    }
  }
  if (threads < 1 || pairs < 1 || n / pairs < threads) return 2;
  if (sodium_init() < 0) return 1;
  httplib::Server up;
  up.Get("/small", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != std::string("Bearer ") + kSecret) res.status = 401;
    res.set_content("{\"ok\":true}", "application/json");
  });
  up.Get(R"(/big/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    size_t size = std::stoul(req.matches[1]);
    static const std::string chunk(64 * 1024, 'y');
    res.set_content_provider(size, "application/octet-stream",
                             [](size_t, size_t len, httplib::DataSink& sink) {
                               return sink.write(chunk.data(), std::min(len, chunk.size()));
                             });
  });
  up.Post("/sink", [](const httplib::Request&, httplib::Response& res,
                      const httplib::ContentReader& reader) {
    size_t total = 0;
    reader([&](const char*, size_t len) {
      total += len;
      return true;
    });
    res.set_content(std::to_string(total), "text/plain");
  });
  up.set_tcp_nodelay(true);
  // httplib closes a connection after 5 requests by default; real upstreams allow far more
  // (nginx: 1000). Without this both sides would mostly measure TCP handshakes.
  up.set_keep_alive_max_count(1000);
  int up_port = up.bind_to_any_port("127.0.0.1");
  std::thread up_thread([&] { up.listen_after_bind(); });  // httplib's threads: "proxy_bench"

  char tmpl[] = "/tmp/notme-bench-XXXXXX";
  std::filesystem::path dir = mkdtemp(tmpl);
  auto store = RouteStore::Open(dir).value();
  RouteSpec spec;
  spec.name = "b";
  spec.upstream = "http://127.0.0.1:" + std::to_string(up_port);
  spec.secret = "s";
  spec.allow_loopback = true;
  (void)store->Add(ValidateRouteSpec(spec, 0).value());
  ProxyService service(
      *store,
      // As the keyring's Lookup does: a short-lived slot (or, with --guarded-secret, a
      // fresh sodium_malloc buffer as before).
      [guarded_secret](const std::string&) {
        auto bytes = std::span(reinterpret_cast<const uint8_t*>(kSecret), sizeof kSecret - 1);
        return guarded_secret ? notme::crypto::SecretBytes::CopyFrom(bytes)
                              : notme::crypto::SecretBytes::CopyShortLived(bytes);
      },
      nullptr, ForwarderOptions{});
  // notmed's agent-socket server with its default limits (uploads up to 64 MiB).
  notme::server::WorkerPool pool({128, 2, std::chrono::milliseconds(30000)});
  notme::server::UnixHttpServer front(notme::server::SocketIdentity::Agent("bench"), ::getuid(),
                                      pool, notme::server::ServerLimits{}, nullptr);
  RegisterProxyEndpoints(front, service,
                         [](const notme::server::Request&) -> notme::Result<ProxyCaller> {
                           return ProxyCaller{"human", true, {}, false};
                         });
  std::filesystem::path sock = dir / "front.sock";
  auto bound = notme::server::ListenUnixSocket(sock, ::getuid());
  if (!bound || !front.Start(std::move(*bound))) return 1;

  Endpoint direct{"127.0.0.1", up_port, false};
  Endpoint proxied{sock.string(), 80, true};
  auto relay = std::make_unique<BareRelay>(dir / "relay.sock", up_port);
  Endpoint relayed{(dir / "relay.sock").string(), 80, true};
  if (!only.empty()) {
    // One path alone, for a profiler: a warm-up, then N requests on T threads.
    const Endpoint& ep = only == "relay" ? relayed : only == "proxy" ? proxied : direct;
    const std::string path = only == "proxy" ? "/r/b/small" : "/small";
    (void)SmallThroughput(ep, path, threads * 10, threads);
    const Load l = SmallThroughput(ep, path, n, threads);
    std::printf("small GET   %-6s %8.0f req/s  cpu %6.1f us/req on %.2f cores\n", only.c_str(),
                l.rps, l.cpu_us_per_request, l.cores);
    relay.reset();
    front.Stop();
    up.stop();
    up_thread.join();
    std::filesystem::remove_all(dir);
    return 0;
  }
  // Warm-up: connections, worker threads, the route's pooled upstream connection.
  (void)SmallThroughput(direct, "/small", threads * 10, threads);
  (void)SmallThroughput(proxied, "/r/b/small", threads * 10, threads);
  (void)SmallThroughput(relayed, "/small", threads * 10, threads);
  auto d = SmallLatency(direct, "/small", n);
  auto p = SmallLatency(proxied, "/r/b/small", n);
  auto f = SmallLatency(relayed, "/small", n);
  // Throughput in alternating direct/proxied pairs of n/pairs requests each: a burst of
  // load from elsewhere on a shared machine then skews one pair, not the whole figure.
  // The CPU per request under load is what bounds throughput when the machine is busy: on
  // two cores, 70 % of direct needs the proxied path to cost at most 1/0.7 of the direct one.
  // Each round ends with the bare relay (the floor).
  std::vector<double> ratios, d_load_cpu, p_load_cpu, added_cpu, d_cores, p_cores;
  std::vector<double> f_ratios, f_load_cpu, p_of_floor;
  double d_rps = 0, p_rps = 0, f_rps = 0;
  for (int i = 0; i < pairs; ++i) {
    const Load dl = SmallThroughput(direct, "/small", n / pairs, threads);
    const Load pl = SmallThroughput(proxied, "/r/b/small", n / pairs, threads);
    const Load fl = SmallThroughput(relayed, "/small", n / pairs, threads);
    d_rps += dl.rps / pairs;
    p_rps += pl.rps / pairs;
    f_rps += fl.rps / pairs;
    f_ratios.push_back(fl.rps / dl.rps);
    f_load_cpu.push_back(fl.cpu_us_per_request);
    p_of_floor.push_back(pl.rps / fl.rps);
    ratios.push_back(pl.rps / dl.rps);
    d_load_cpu.push_back(dl.cpu_us_per_request);
    p_load_cpu.push_back(pl.cpu_us_per_request);
    added_cpu.push_back(pl.cpu_us_per_request - dl.cpu_us_per_request);
    d_cores.push_back(dl.cores);
    p_cores.push_back(pl.cores);
  }
  auto median_of = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  relay.reset();
  auto percents = [](const std::vector<double>& v) {
    std::string list;
    for (double r : v)
      list += (list.empty() ? "" : " ") + std::to_string(static_cast<int>(100.0 * r + 0.5));
    return list;
  };
  std::printf("small GET   direct p50 %7.1f us p99 %7.1f us %8.0f req/s  cpu %6.1f us/req\n",
              d.p50_us, d.p99_us, d_rps, d.cpu_us_per_request);
  std::printf("small GET   proxy  p50 %7.1f us p99 %7.1f us %8.0f req/s  cpu %6.1f us/req\n",
              p.p50_us, p.p99_us, p_rps, p.cpu_us_per_request);
  std::printf(
      "small GET   relay  p50 %7.1f us p99 %7.1f us %8.0f req/s  cpu %6.1f us/req"
      "  (the floor: a bare byte relay)\n",
      f.p50_us, f.p99_us, f_rps, f.cpu_us_per_request);
  std::printf(
      "            added p50 %.1f us, throughput %.0f%% of direct (median of %d alternating "
      "pairs: %s), added cpu %.1f us/req\n",
      p.p50_us - d.p50_us, 100.0 * median_of(ratios), pairs, percents(ratios).c_str(),
      p.cpu_us_per_request - d.cpu_us_per_request);
  std::printf(
      "            under load (medians of the pairs): cpu direct %.1f us/req on %.2f cores, "
      "proxy %.1f us/req on %.2f cores, added %.1f us/req\n",
      median_of(d_load_cpu), median_of(d_cores), median_of(p_load_cpu), median_of(p_cores),
      median_of(added_cpu));
  std::printf(
      "            floor: the bare relay adds p50 %.1f us, throughput %.0f%% of direct (%s), "
      "cpu under load %.1f us/req; the proxy reaches %.0f%% of the relay's throughput (%s)\n",
      f.p50_us - d.p50_us, 100.0 * median_of(f_ratios), percents(f_ratios).c_str(),
      median_of(f_load_cpu), 100.0 * median_of(p_of_floor), percents(p_of_floor).c_str());
  long rss_small = RssKiB("VmHWM:");
  if (bodies) {
    const size_t mib10 = 10u << 20;
    // 10 MiB bodies, 10 per measurement, in alternating direct/proxied pairs (one pair of
    // ~0.1 s each is at the mercy of a scheduling hiccup): the median of the pairs' ratios.
    using Transfer = double (*)(const Endpoint&, const std::string&, size_t, int);
    auto body_pairs = [&](const char* what, Transfer transfer, const std::string& d_path,
                          const std::string& p_path) {
      std::vector<double> body_ratios;
      double d_mibs = 0, p_mibs = 0, d_cpu = 0, p_cpu = 0;
      for (int i = 0; i < pairs; ++i) {
        const double dr = transfer(direct, d_path, mib10, 10);
        d_cpu += g_cpu_ms_per_mib / pairs;
        const double pr = transfer(proxied, p_path, mib10, 10);
        p_cpu += g_cpu_ms_per_mib / pairs;
        d_mibs += dr / pairs;
        p_mibs += pr / pairs;
        body_ratios.push_back(pr / dr);
      }
      std::printf(
          "10 MiB %-4s direct %7.0f MiB/s proxy %7.0f MiB/s (median %.0f%% of %d pairs: %s)"
          "  cpu %.2f / %.2f ms/MiB\n",
          what, d_mibs, p_mibs, 100.0 * median_of(body_ratios), pairs,
          percents(body_ratios).c_str(), d_cpu, p_cpu);
    };
    body_pairs("GET", Download, "/big/", "/r/b/big/");
    body_pairs("POST", Upload, "/sink", "/r/b/sink");
    long rss_10 = RssKiB("VmHWM:");
    (void)Download(proxied, "/r/b/big/", 200u << 20, 1);
    (void)Upload(proxied, "/r/b/sink", 60u << 20, 1);
    long rss_big = RssKiB("VmHWM:");
    std::printf(
        "peak RSS KiB: after small %ld, after 10 MiB bodies %ld, after a 200 MiB download "
        "and a 60 MiB upload %ld\n",
        rss_small, rss_10, rss_big);
  }
  front.Stop();
  up.stop();
  up_thread.join();
  std::filesystem::remove_all(dir);
  return 0;
}
