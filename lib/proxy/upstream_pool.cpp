#include "proxy/upstream_pool.h"

#include <vector>

namespace notme::proxy {

std::string UpstreamPoolKey(const Route& route, const std::string& principal) {
  // '\n' cannot occur in any of the parts (route and agent validation refuse control
  // characters), and the principal comes last.
  return route.name + '\n' + route.upstream.ToString() + '\n' + route.ca_file + '\n' +
         (route.allow_loopback ? "loopback" : "public") + '\n' + principal;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::Take(const std::string& key) {
  std::vector<Idle> expired;
  std::unique_ptr<UpstreamConnection> client;
  {
    MutexLock lock(&mu_);
    auto now = std::chrono::steady_clock::now();
    ExpireLocked(now, expired);
    auto it = idle_.find(key);
    if (it != idle_.end() && !it->second.empty()) {
      client = std::move(it->second.back().client);
      it->second.pop_back();
      --count_;
      if (it->second.empty()) idle_.erase(it);
    }
  }
  // `expired` closes its sockets here, outside the lock (a TLS close may write).
  return client;
}

void UpstreamPool::Put(const std::string& key, std::unique_ptr<UpstreamConnection> client) {
  std::vector<Idle> dropped;
  {
    MutexLock lock(&mu_);
    auto now = std::chrono::steady_clock::now();
    ExpireLocked(now, dropped);
    auto& list = idle_[key];
    if (options_.idle_timeout.count() > 0 && list.size() < options_.max_idle_per_route &&
        count_ < options_.max_idle_total) {
      list.push_back({std::move(client), now});
      ++count_;
    } else if (list.empty()) {
      idle_.erase(key);
    }
  }
}

void UpstreamPool::ExpireLocked(std::chrono::steady_clock::time_point now,
                                std::vector<Idle>& out) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    while (!list.empty() && now - list.front().since >= options_.idle_timeout) {
      out.push_back(std::move(list.front()));
      list.pop_front();
      --count_;
    }
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
}

void UpstreamPool::Clear() {
  std::map<std::string, std::deque<Idle>> all;
  MutexLock lock(&mu_);
  all.swap(idle_);
  count_ = 0;
  // `all` is destroyed after the lock is released (declared before it).
}

size_t UpstreamPool::idle() const {
  MutexLock lock(&mu_);
  return count_;
}

}  // namespace notme::proxy
