#include "server/http_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <utility>

#include <spdlog/spdlog.h>

#include "notme/check.h"
#include "server/fd_stream.h"
#include "server/http_response.h"

namespace notme::server {
namespace {

thread_local bool t_inline_overflow = false;
thread_local bool t_close_after_response = false;
thread_local FdStream* t_stream = nullptr;  // the connection being served on this thread

// Responses up to this size have their head kept back and sent with the body in one
// send(2); streamed responses (content providers) and larger bodies go out as before.
constexpr size_t kCoalesceMaxBody = 16 * 1024;

// httplib owns the TaskQueue it asks for; this one forwards to the shared pool. When the
// pool is full the task runs inline on the accept thread, flagged so that
// process_and_close_socket only writes the 503 (non-blocking) and closes.
class PoolTaskQueue final : public httplib::TaskQueue {
 public:
  explicit PoolTaskQueue(WorkerPool& pool) : pool_(pool) {}
  void enqueue(std::function<void()> fn) override {
    if (pool_.TrySubmit(fn)) return;
    t_inline_overflow = true;
    fn();
    t_inline_overflow = false;
  }
  void shutdown() override {}

 private:
  WorkerPool& pool_;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

UnixHttpServer::UnixHttpServer(SocketIdentity identity, uid_t expected_uid, WorkerPool& pool,
                               ServerLimits limits, RefusedPeerHook on_refused)
    : identity_(std::move(identity)),
      expected_uid_(expected_uid),
      pool_(pool),
      limits_(std::move(limits)),
      on_refused_(std::move(on_refused)) {
  new_task_queue = [this] { return new PoolTaskQueue(pool_); };
  set_payload_max_length(std::max(limits_.max_body_bytes, limits_.max_stream_body_bytes));
  set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(limits_.io_timeout).count());
  httplib::Server::set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        return BuiltinPreRouting(req, res);
      });
  // httplib calls this just before it writes the response head.
  set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (t_stream != nullptr && req.method != "HEAD" && !res.content_provider_ &&
        !res.body.empty() && res.body.size() <= kCoalesceMaxBody) {
      t_stream->HoldNextWrite();
    }
  });
  set_error_handler(HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return HandlerResponse::Unhandled;
    SetErrorForStatus(res, res.status);
    return HandlerResponse::Handled;
  }));
  set_exception_handler([this](const httplib::Request& req, httplib::Response& res,
                               std::exception_ptr) {
    spdlog::error("{}: handler for {} {} threw; answered 500", identity_.Describe(), req.method,
                  req.path);
    SendJsonError(res, 500, "server_error", "internal error");
  });
}

UnixHttpServer::~UnixHttpServer() { Stop(); }

void UnixHttpServer::AddPreRoutingHook(HandlerWithResponse hook) {
  hooks_.push_back(std::move(hook));
}

void UnixHttpServer::CloseAfterResponse() { t_close_after_response = true; }

size_t UnixHttpServer::BodyLimitFor(std::string_view path) const {
  for (const auto& prefix : limits_.streaming_prefixes) {
    if (StartsWith(path, prefix)) return limits_.max_stream_body_bytes;
  }
  return limits_.max_body_bytes;
}

httplib::Server::HandlerResponse UnixHttpServer::BuiltinPreRouting(const httplib::Request& req,
                                                                   httplib::Response& res) {
  const size_t limit = BodyLimitFor(req.path);
  if (req.has_header("Transfer-Encoding") && limit == limits_.max_body_bytes) {
    SendJsonError(res, 411, "invalid_request", "Transfer-Encoding is not accepted; send Content-Length");
    CloseAfterResponse();
    return HandlerResponse::Handled;
  }
  if (req.get_header_value_count("Content-Length") > 1) {
    SendJsonError(res, 400, "invalid_request", "more than one Content-Length");
    CloseAfterResponse();
    return HandlerResponse::Handled;
  }
  if (req.has_header("Content-Length")) {
    const std::string v = req.get_header_value("Content-Length");
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
      SendJsonError(res, 400, "invalid_request", "malformed Content-Length");
      CloseAfterResponse();
      return HandlerResponse::Handled;
    }
    if (n > limit) {
      SendJsonError(res, 413, "invalid_request",
                    "request body larger than " + std::to_string(limit) + " bytes");
      CloseAfterResponse();
      return HandlerResponse::Handled;
    }
  }
  for (const auto& hook : hooks_) {
    if (hook(req, res) == HandlerResponse::Handled) return HandlerResponse::Handled;
  }
  return HandlerResponse::Unhandled;
}

Result<void> UnixHttpServer::Start(BoundSocket listener) {
  NOTME_CHECK(!accept_thread_.joinable(), "UnixHttpServer::Start called twice");
  listener_ = std::move(listener);
  // httplib accepts on svr_sock_; we bound it ourselves (owner-only, stale-safe).
  svr_sock_ = listener_.fd.Release();
  accept_thread_ = std::thread([this] { listen_after_bind(); });
  for (int i = 0; i < 2000 && !is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  if (!is_running()) return Fail(ErrorCode::kInternal, "http server did not start");
  return Ok();
}

void UnixHttpServer::Stop() {
  {
    MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (accept_thread_.joinable()) {
    stop();  // closes the listening socket; accept() returns
    accept_thread_.join();
  }
  MutexLock lock(&mu_);
  for (int fd : live_) ::shutdown(fd, SHUT_RDWR);
  idle_cv_.wait(mu_, [this]() NO_THREAD_SAFETY_ANALYSIS { return live_.empty(); });
  RemoveSocketFile(listener_);
}

bool UnixHttpServer::Track(int fd) {
  MutexLock lock(&mu_);
  if (stopping_) return false;
  live_.insert(fd);
  return true;
}

void UnixHttpServer::Untrack(int fd) {
  MutexLock lock(&mu_);
  live_.erase(fd);
  idle_cv_.notify_all();
}

void UnixHttpServer::RejectOverloaded(int fd) {
  overload_rejections_.fetch_add(1);
  static constexpr std::string_view kBody =
      R"({"error":"temporarily_unavailable","error_description":"too many connections"})";
  const std::string msg = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                          "Cache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\n"
                          "Content-Length: " +
                          std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
  // Never block the accept thread: a client that does not read gets nothing.
  (void)::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool UnixHttpServer::process_and_close_socket(socket_t sock) {
  UniqueFd fd(sock);
  // httplib's accept() does not set O_CLOEXEC; notmed never execs, and this closes the
  // window as soon as the worker sees the fd.
  (void)::fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
  if (t_inline_overflow) {
    RejectOverloaded(fd.get());
    return false;
  }
  PeerInfo peer;
  if (identity_.kind != SocketIdentity::Kind::kLoopback) {
    auto info = GetPeerInfo(fd.get());
    if (!info) {
      if (on_refused_) on_refused_(identity_, peer, "no_peer_credentials");
      return false;
    }
    peer = std::move(*info);
    if (peer.uid != expected_uid_) {
      if (on_refused_) on_refused_(identity_, peer, "peer_uid_mismatch");
      return false;
    }
  }
  if (!Track(fd.get())) return false;
  ServeConnection(fd.get(), peer);
  ::shutdown(fd.get(), SHUT_RDWR);
  Untrack(fd.get());
  return true;
}

void UnixHttpServer::ServeConnection(int fd, const PeerInfo& peer) {
  ConnectionContext ctx{identity_, peer};
  ConnectionScope scope(&ctx);
  FdStream strm(fd, FdStream::Limits{limits_.io_timeout, limits_.request_timeout});
  t_stream = &strm;
  for (size_t n = 0; n < limits_.keep_alive_max_requests; ++n) {
    const auto wait = n == 0 ? limits_.io_timeout : limits_.keep_alive_timeout;
    if (!strm.WaitForRequest(wait)) break;
    bool stopping = false;
    {
      MutexLock lock(&mu_);
      stopping = stopping_;
    }
    const bool last = stopping || n + 1 == limits_.keep_alive_max_requests;
    strm.BeginRequest(limits_.max_head_bytes);
    t_close_after_response = false;
    bool connection_closed = false;
    bool ok = false;
    try {
      ok = process_request(strm, last, connection_closed, [&](httplib::Request& req) {
        strm.ExtendBudget(BodyLimitFor(req.path));
      });
    } catch (const std::exception& e) {
      spdlog::error("{}: request processing failed: {}", identity_.Describe(), e.what());
      ok = false;
    }
    if (!strm.Flush()) ok = false;
    if (!ok || last || connection_closed || t_close_after_response || strm.limit_hit()) break;
  }
  t_stream = nullptr;
}

}  // namespace notme::server
