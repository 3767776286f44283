#include "proxy/upstream_pool.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <vector>

namespace notme::proxy {

std::string UpstreamPoolKey(const Route& route, const std::string& principal) {
  // '\n' cannot occur in any of the parts (route and agent validation refuse control
  // characters), and the principal comes last. Built with one allocation: this runs for
  // every proxied request.
  const UpstreamUrl& up = route.upstream;
  char port[8];
  const auto [port_end, ec] = std::to_chars(port, port + sizeof(port), up.port);
  const std::string_view parts[] = {route.name,
                                    up.scheme,
                                    up.host,
                                    std::string_view(port, ec == std::errc() ? port_end : port),
                                    up.base_path,
                                    route.ca_file,
                                    route.allow_loopback ? "loopback" : "public"};
  size_t size = principal.size();
  for (std::string_view part : parts) size += part.size() + 1;
  std::string key;
  key.reserve(size);
  for (std::string_view part : parts) key.append(part).push_back('\n');
  key.append(principal);
  return key;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::Take(const std::string& key) {
  std::vector<Idle> expired;
  std::unique_ptr<UpstreamConnection> client;
  {
    MutexLock lock(&mu_);
    const auto now = options_.now();
    ExpireLocked(now, expired);
    if (auto it = idle_.find(key); it != idle_.end()) {
      Entry& entry = it->second;
      entry.used = now;
      if (!entry.idle.empty()) {
        client = std::move(entry.idle.back().client);
        entry.idle.pop_back();
        --count_;
      }
    }
  }
  // `expired` closes its sockets here, outside the lock (a TLS close may write).
  return client;
}

void UpstreamPool::Put(const std::string& key, std::unique_ptr<UpstreamConnection> client) {
  std::vector<Idle> dropped;
  {
    MutexLock lock(&mu_);
    const auto now = options_.now();
    ExpireLocked(now, dropped);
    if (options_.idle_timeout.count() <= 0) return;  // `client` closes outside the lock
    // The key's entry usually exists already (the Take before this exchange kept it):
    // the steady state of a busy route allocates nothing here.
    Entry& entry = idle_[key];
    entry.used = now;
    if (entry.idle.size() < options_.max_idle_per_route && count_ < options_.max_idle_total) {
      entry.idle.push_back({std::move(client), now});
      ++count_;
    }
  }
}

void UpstreamPool::ExpireLocked(std::chrono::steady_clock::time_point now,
                                std::vector<Idle>& out) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second.idle;
    // Oldest first: Put appends, Take takes the newest.
    auto old = std::find_if(list.begin(), list.end(),
                            [&](const Idle& i) { return now - i.since < options_.idle_timeout; });
    count_ -= static_cast<size_t>(old - list.begin());
    out.insert(out.end(), std::make_move_iterator(list.begin()), std::make_move_iterator(old));
    list.erase(list.begin(), old);
    // A key unused for the idle timeout goes, so the map holds only recent callers.
    const bool stale = list.empty() && now - it->second.used >= options_.idle_timeout;
    it = stale ? idle_.erase(it) : std::next(it);
  }
}

void UpstreamPool::Clear() {
  std::map<std::string, Entry> all;
  MutexLock lock(&mu_);
  all.swap(idle_);
  count_ = 0;
  // `all` is destroyed after the lock is released (declared before it).
}

size_t UpstreamPool::idle() const {
  MutexLock lock(&mu_);
  return count_;
}

size_t UpstreamPool::keys() const {
  MutexLock lock(&mu_);
  return idle_.size();
}

}  // namespace notme::proxy
