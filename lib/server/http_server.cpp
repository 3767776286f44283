#include "server/http_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "notme/check.h"
#include "server/event_loop.h"
#include "server/http_connection.h"

namespace notme::server {
namespace {

// Connections taken from the backlog per listener wakeup before other work gets a turn.
constexpr int kMaxAcceptsPerWake = 64;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool HasRegexSyntax(std::string_view pattern) {
  return pattern.find_first_of("\\^$.|?*+()[]{}") != std::string_view::npos;
}

// "literal + any rest" (the proxy's /r/ routes) is matched as a prefix: std::regex_match
// was ~2 % of a proxied request's CPU for what is a starts_with.
constexpr std::string_view kAnyRest = R"([\s\S]*)";

}  // namespace

// The listening socket's registration in the loop.
class UnixHttpServer::Listener final : public EventLoop::Watcher {
 public:
  Listener(UnixHttpServer& server, EventLoop& loop) : server_(server), loop_(loop) {}
  void set_id(uint64_t id) { id_ = id; }
  void Ready(uint32_t) override {
    // After a Stop() removed the listener, Arm is a no-op; server_ is not touched after
    // AcceptReady (Stop waits for it).
    server_.AcceptReady();
    loop_.Arm(id_, EventLoop::Clock::time_point::max());
  }
  void Expired() override {}

 private:
  UnixHttpServer& server_;
  EventLoop& loop_;
  uint64_t id_ = 0;
};

UnixHttpServer::UnixHttpServer(SocketIdentity identity, uid_t expected_uid, WorkerPool& pool,
                               ServerLimits limits, RefusedPeerHook on_refused)
    : identity_(std::move(identity)),
      expected_uid_(expected_uid),
      pool_(pool),
      limits_(std::move(limits)),
      on_refused_(std::move(on_refused)) {}

UnixHttpServer::~UnixHttpServer() { Stop(); }

UnixHttpServer& UnixHttpServer::AddRoute(std::string method, const std::string& pattern,
                                         Handler handler, HandlerWithContentReader reader_handler) {
  Route r;
  r.method = std::move(method);
  const std::string_view head = std::string_view(pattern).substr(
      0, pattern.size() - std::min(pattern.size(), kAnyRest.size()));
  if (pattern.ends_with(kAnyRest) && !head.empty() && !HasRegexSyntax(head)) {
    r.prefix = std::string(head);
  } else if (HasRegexSyntax(pattern)) {
    r.regex = std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
  } else {
    r.literal = pattern;
  }
  r.handler = std::move(handler);
  r.reader_handler = std::move(reader_handler);
  routes_.push_back(std::move(r));
  return *this;
}

UnixHttpServer& UnixHttpServer::Get(const std::string& p, Handler h) {
  return AddRoute("GET", p, std::move(h), nullptr);
}
UnixHttpServer& UnixHttpServer::Post(const std::string& p, Handler h) {
  return AddRoute("POST", p, std::move(h), nullptr);
}
UnixHttpServer& UnixHttpServer::Post(const std::string& p, HandlerWithContentReader h) {
  return AddRoute("POST", p, nullptr, std::move(h));
}
UnixHttpServer& UnixHttpServer::Put(const std::string& p, Handler h) {
  return AddRoute("PUT", p, std::move(h), nullptr);
}
UnixHttpServer& UnixHttpServer::Put(const std::string& p, HandlerWithContentReader h) {
  return AddRoute("PUT", p, nullptr, std::move(h));
}
UnixHttpServer& UnixHttpServer::Patch(const std::string& p, Handler h) {
  return AddRoute("PATCH", p, std::move(h), nullptr);
}
UnixHttpServer& UnixHttpServer::Patch(const std::string& p, HandlerWithContentReader h) {
  return AddRoute("PATCH", p, nullptr, std::move(h));
}
UnixHttpServer& UnixHttpServer::Delete(const std::string& p, Handler h) {
  return AddRoute("DELETE", p, std::move(h), nullptr);
}
UnixHttpServer& UnixHttpServer::Delete(const std::string& p, HandlerWithContentReader h) {
  return AddRoute("DELETE", p, nullptr, std::move(h));
}
UnixHttpServer& UnixHttpServer::Options(const std::string& p, Handler h) {
  return AddRoute("OPTIONS", p, std::move(h), nullptr);
}

void UnixHttpServer::AddPreRoutingHook(PreRoutingHook hook) { hooks_.push_back(std::move(hook)); }

const UnixHttpServer::Route* UnixHttpServer::FindRoute(std::string_view method,
                                                       Request& req) const {
  // RFC 9110 §9.3.2: HEAD is GET without the body.
  const std::string_view m = method == "HEAD" ? std::string_view("GET") : method;
  for (const Route& r : routes_) {
    if (r.method != m) continue;
    if (!r.prefix.empty()) {
      if (req.path.starts_with(r.prefix)) {
        req.matches = std::smatch();
        return &r;
      }
    } else if (r.literal.empty()) {
      if (std::regex_match(req.path, req.matches, r.regex)) return &r;
    } else if (req.path == r.literal) {
      req.matches = std::smatch();
      return &r;
    }
  }
  return nullptr;
}

bool UnixHttpServer::IsStreamingPath(std::string_view path) const {
  for (const auto& prefix : limits_.streaming_prefixes) {
    if (StartsWith(path, prefix)) return true;
  }
  return false;
}

bool UnixHttpServer::IsPooledPath(std::string_view path) const {
  for (const auto& prefix : limits_.pooled_prefixes) {
    if (StartsWith(path, prefix)) return true;
  }
  return false;
}

size_t UnixHttpServer::BodyLimitFor(std::string_view path) const {
  return IsStreamingPath(path) ? limits_.max_stream_body_bytes : limits_.max_body_bytes;
}

bool UnixHttpServer::Stopping() {
  MutexLock lock(&mu_);
  return stopping_;
}

Result<void> UnixHttpServer::Start(BoundSocket listener) {
  {
    MutexLock lock(&mu_);
    NOTME_CHECK(!started_, "UnixHttpServer::Start called twice");
    started_ = true;
  }
  NOTME_TRY(loop_, EventLoop::Acquire());
  listener_ = std::move(listener);
  // accept4 in the loop must never block a worker (another worker may have taken the
  // connection that woke this one).
  const int flags = ::fcntl(listener_.fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(listener_.fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return Fail(ErrorCode::kIo, "cannot make the listening socket non-blocking");
  }
  auto watcher = std::make_shared<Listener>(*this, *loop_);
  NOTME_TRY(listener_id_, loop_->Add(listener_.fd.get(), watcher));
  watcher->set_id(listener_id_);
  loop_->Arm(listener_id_, EventLoop::Clock::time_point::max());
  return Ok();
}

void UnixHttpServer::Stop() {
  {
    MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (loop_) loop_->Remove(listener_id_);
  MutexLock lock(&mu_);
  idle_cv_.wait(mu_, [this]() NO_THREAD_SAFETY_ANALYSIS { return accepting_ == 0; });
  listener_.fd = UniqueFd();
  // Idle connections see EOF in the loop; a running request finishes or fails its I/O.
  for (HttpConnection* c : live_) ::shutdown(c->fd(), SHUT_RDWR);
  idle_cv_.wait(mu_, [this]() NO_THREAD_SAFETY_ANALYSIS { return live_.empty(); });
  RemoveSocketFile(listener_);
}

void UnixHttpServer::AcceptReady() {
  {
    MutexLock lock(&mu_);
    if (stopping_) return;
    ++accepting_;
  }
  for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
    int fd = ::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        spdlog::warn("{}: accept failed: {}", identity_.Describe(), std::strerror(errno));
      }
      break;
    }
    Admit(fd);
  }
  MutexLock lock(&mu_);
  --accepting_;
  idle_cv_.notify_all();
}

void UnixHttpServer::Admit(int raw_fd) {
  UniqueFd fd(raw_fd);
  if (!pool_.TryAcquireConnection()) {
    RejectOverloaded(fd.get());
    return;
  }
  PeerInfo peer;
  if (identity_.kind == SocketIdentity::Kind::kLoopback) {
    const int one = 1;
    (void)::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  } else {
    auto info = GetPeerInfo(fd.get());
    const char* reason = !info                        ? "no_peer_credentials"
                         : info->uid != expected_uid_ ? "peer_uid_mismatch"
                                                      : nullptr;
    if (info) peer = std::move(*info);
    if (reason != nullptr) {
      pool_.ReleaseConnection();
      if (on_refused_) on_refused_(identity_, peer, reason);
      return;
    }
  }
  auto conn = std::make_shared<HttpConnection>(*this, *loop_, std::move(fd), std::move(peer));
  if (!Track(conn.get())) {
    pool_.ReleaseConnection();
    return;
  }
  auto id = loop_->Add(conn->fd(), conn);
  if (!id) {
    spdlog::warn("{}: {}", identity_.Describe(), id.error().message());
    Untrack(conn.get());
    return;
  }
  conn->Begin(*id);
}

bool UnixHttpServer::Track(HttpConnection* conn) {
  MutexLock lock(&mu_);
  if (stopping_) return false;
  live_.insert(conn);
  return true;
}

void UnixHttpServer::Untrack(HttpConnection* conn) {
  pool_.ReleaseConnection();
  loop_->Remove(conn->id());
  MutexLock lock(&mu_);
  live_.erase(conn);
  conn->CloseFd();
  idle_cv_.notify_all();
}

void UnixHttpServer::RejectOverloaded(int fd) {
  overload_rejections_.fetch_add(1);
  static constexpr std::string_view kBody =
      R"({"error":"temporarily_unavailable","error_description":"too many connections"})";
  const std::string msg =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Cache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
  // Never block a loop worker: a client that does not read gets nothing.
  (void)::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace notme::server
