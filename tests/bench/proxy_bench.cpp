// proxy_bench: the secretless proxy (lib/proxy ProxyService behind an httplib server, as
// notmed serves it) against a loopback upstream, direct and through the proxy in the same
// run: small-request latency (p50/p99) and throughput, 10 MiB downloads and uploads, and
// the process's peak RSS after 10 MiB and after 100 MiB bodies (docs/benchmarks.md "proxy").
#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "proxy/proxy_endpoints.h"
#include "proxy/proxy_service.h"

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

struct Result2 {
  double p50_us, p99_us, rps;
};

Result2 SmallRequests(int port, const std::string& path, int n, int threads) {
  std::vector<double> lat;
  {
    httplib::Client c("127.0.0.1", port);
    c.set_keep_alive(true);
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
  std::atomic<int> done{0};
  auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      c.set_default_headers({{"Authorization", std::string("Bearer ") + kSecret}});
      for (int i = 0; i < n / threads; ++i) {
        auto r = c.Get(path);
        if (!r || r->status != 200) std::abort();
        ++done;
      }
    });
  }
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  return {Percentile(lat, 0.5), Percentile(lat, 0.99), done.load() / secs};
}

double Download(int port, const std::string& path, size_t bytes, int reps) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(std::chrono::seconds(60));
  auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) {
    size_t got = 0;
    auto r = c.Get(path + std::to_string(bytes), [&](const char*, size_t n) {
      got += n;
      return true;
    });
    if (!r || got != bytes) std::abort();
  }
  return static_cast<double>(bytes) * reps / std::chrono::duration<double>(Clock::now() - t0).count() / 1048576.0;
}

double Upload(int port, const std::string& path, size_t bytes, int reps) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(std::chrono::seconds(60));
  std::string chunk(64 * 1024, 'x');
  auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) {
    auto r = c.Post(path, bytes,
                    [&](size_t offset, size_t length, httplib::DataSink& sink) {
                      (void)offset;
                      return sink.write(chunk.data(), std::min(length, chunk.size()));
                    },
                    "application/octet-stream");
    if (!r || r->body != std::to_string(bytes)) std::abort();
  }
  return static_cast<double>(bytes) * reps / std::chrono::duration<double>(Clock::now() - t0).count() / 1048576.0;
}

}  // namespace

int main() {
  if (sodium_init() < 0) return 1;
  httplib::Server up;
  up.Get("/small", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != std::string("Bearer ") + kSecret) res.status = 401;
    res.set_content("{\"ok\":true}", "application/json");
  });
  up.Get(R"(/big/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    size_t n = std::stoul(req.matches[1]);
    static const std::string chunk(64 * 1024, 'y');
    res.set_content_provider(n, "application/octet-stream", [](size_t, size_t len, httplib::DataSink& sink) {
      return sink.write(chunk.data(), std::min(len, chunk.size()));
    });
  });
  up.Post("/sink", [](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader) {
    size_t total = 0;
    reader([&](const char*, size_t n) {
      total += n;
      return true;
    });
    res.set_content(std::to_string(total), "text/plain");
  });
  up.set_tcp_nodelay(true);
  int up_port = up.bind_to_any_port("127.0.0.1");
  std::thread up_thread([&] { up.listen_after_bind(); });

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
      [](const std::string&) {
        return notme::crypto::SecretBytes::CopyFrom(
            std::span(reinterpret_cast<const uint8_t*>(kSecret), sizeof kSecret - 1));
      },
      nullptr, ForwarderOptions{});
  httplib::Server front;
  RegisterProxyEndpoints(front, service, [](const httplib::Request&) -> notme::Result<ProxyCaller> {
    return ProxyCaller{"human", true, {}, false};
  });
  front.set_tcp_nodelay(true);
  int front_port = front.bind_to_any_port("127.0.0.1");
  std::thread front_thread([&] { front.listen_after_bind(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  const int n = 3000;
  auto d = SmallRequests(up_port, "/small", n, 4);
  auto p = SmallRequests(front_port, "/r/b/small", n, 4);
  std::printf("small GET   direct p50 %7.1f us p99 %7.1f us %8.0f req/s\n", d.p50_us, d.p99_us, d.rps);
  std::printf("small GET   proxy  p50 %7.1f us p99 %7.1f us %8.0f req/s\n", p.p50_us, p.p99_us, p.rps);
  std::printf("            added p50 %.1f us, throughput %.0f%% of direct\n", p.p50_us - d.p50_us,
              100.0 * p.rps / d.rps);
  long rss_small = RssKiB("VmHWM:");
  const size_t mib10 = 10u << 20;
  double dd = Download(up_port, "/big/", mib10, 10);
  double pd = Download(front_port, "/r/b/big/", mib10, 10);
  std::printf("10 MiB GET  direct %7.0f MiB/s proxy %7.0f MiB/s (%.0f%%)\n", dd, pd, 100.0 * pd / dd);
  double du = Upload(up_port, "/sink", mib10, 10);
  double pu = Upload(front_port, "/r/b/sink", mib10, 10);
  std::printf("10 MiB POST direct %7.0f MiB/s proxy %7.0f MiB/s (%.0f%%)\n", du, pu, 100.0 * pu / du);
  long rss_10 = RssKiB("VmHWM:");
  (void)Download(front_port, "/r/b/big/", 100u << 20, 1);
  (void)Upload(front_port, "/r/b/sink", 100u << 20, 1);
  long rss_100 = RssKiB("VmHWM:");
  std::printf("peak RSS KiB: after small %ld, after 10 MiB bodies %ld, after 100 MiB bodies %ld\n",
              rss_small, rss_10, rss_100);
  front.stop();
  up.stop();
  front_thread.join();
  up_thread.join();
  std::filesystem::remove_all(dir);
  return 0;
}
