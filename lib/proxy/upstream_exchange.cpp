#include "proxy/upstream_exchange.h"

#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <vector>

namespace notme::proxy {
namespace {

// 64 KiB matches the chunk size the pipes hand over; larger reads buy nothing.
constexpr size_t kChunk = 64 * 1024;

std::string ErrorText(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "cannot connect to the upstream";
    case httplib::Error::SSLConnection: return "TLS handshake with the upstream failed";
    case httplib::Error::SSLServerVerification: return "upstream certificate verification failed";
    case httplib::Error::Read: return "reading from the upstream failed or timed out";
    case httplib::Error::Write: return "writing to the upstream failed or timed out";
    case httplib::Error::Canceled: return "the exchange was cancelled";
    case httplib::Error::ConnectionTimeout: return "connecting to the upstream timed out";
    default: return "upstream exchange failed (" + httplib::to_string(e) + ")";
  }
}

ErrorCode CodeFor(httplib::Error e) {
  return e == httplib::Error::ConnectionTimeout ? ErrorCode::kTimeout : ErrorCode::kUpstream;
}

std::optional<uint64_t> ContentLengthOf(const httplib::Headers& h) {
  auto it = h.find("Content-Length");
  if (it == h.end()) return std::nullopt;
  uint64_t n = 0;
  const std::string& v = it->second;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

void Wipe(httplib::Headers& headers) {
  for (auto& [name, value] : headers) sodium_memzero(value.data(), value.size());
}

// httplib's SocketStream receives at most 4 KiB per recv(); a streamed body then costs a
// poll and a recv per 4 KiB. This stream receives up to kReadBuffer per call (the kernel
// hands over whatever is queued) and serves httplib's small reads from that buffer.
// One exchange at a time uses it; the buffer lives only for that exchange, so no byte
// of one answer can be taken for the next.
constexpr size_t kReadBuffer = 64 * 1024;

class LargeReadStream final : public httplib::Stream {
 public:
  LargeReadStream(int fd, int read_timeout_ms, int write_timeout_ms)
      : fd_(fd), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms) {}

  bool is_readable() const override { return pos_ < len_ || Wait(POLLIN, read_timeout_ms_); }
  bool is_writable() const override { return Wait(POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == len_) {
      if (!Wait(POLLIN, read_timeout_ms_)) return -1;
      if (buf_.empty()) buf_.resize(kReadBuffer);
      ssize_t n;
      do {
        n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      pos_ = 0;
      len_ = static_cast<size_t>(n);
    }
    size_t take = std::min(size, len_ - pos_);
    std::copy_n(buf_.data() + pos_, take, ptr);
    pos_ += take;
    return static_cast<ssize_t>(take);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!Wait(POLLOUT, write_timeout_ms_)) return -1;
    ssize_t n;
    do {
      n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  // True when the upstream sent more than the answer (bytes no request asked for).
  bool has_leftover() const { return pos_ < len_; }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  socket_t socket() const override { return fd_; }

 private:
  bool Wait(short events, int timeout_ms) const {
    pollfd p{fd_, events, 0};
    int r;
    do {
      r = ::poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }

  int fd_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
};

// Whether a connection may go back to the pool after a clean exchange: still open, and
// nothing more to read — bytes the upstream sent beyond its answer would otherwise be
// taken as the answer to the next request (response desynchronisation).
class ReuseCheck {
 public:
  virtual ~ReuseCheck() = default;
  virtual bool ReusableNow() const = 0;
};

bool SocketQuiet(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

// A plain-HTTP client reading through LargeReadStream (TLS clients keep httplib's
// SSLSocketStream: OpenSSL reads whole records).
class PlainUpstreamClient final : public httplib::ClientImpl, public ReuseCheck {
 public:
  using httplib::ClientImpl::ClientImpl;
  // Called by the exchange's own thread after send() returned: no concurrent use.
  bool ReusableNow() const override {
    return socket_.is_open() && !leftover_ && SocketQuiet(socket_.sock);
  }

 private:
  bool process_socket(const Socket& socket,
                      std::function<bool(httplib::Stream& strm)> callback) override {
    auto ms = [](time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); };
    LargeReadStream strm(socket.sock, ms(read_timeout_sec_, read_timeout_usec_),
                         ms(write_timeout_sec_, write_timeout_usec_));
    bool ok = callback(strm);
    leftover_ = strm.has_leftover();
    return ok;
  }

  bool leftover_ = false;
};

class TlsUpstreamClient final : public httplib::SSLClient, public ReuseCheck {
 public:
  using httplib::SSLClient::SSLClient;
  bool ReusableNow() const override {
    return socket_.is_open() && socket_.ssl != nullptr && SSL_pending(socket_.ssl) == 0 &&
           SocketQuiet(socket_.sock);
  }
};

}  // namespace

std::unique_ptr<httplib::ClientImpl> MakeUpstreamClient(const UpstreamUrl& url,
                                                        const ResolvedAddress& addr,
                                                        const std::string& ca_file,
                                                        const ForwarderOptions& options) {
  std::unique_ptr<httplib::ClientImpl> cli;
  if (url.scheme == "https") {
    auto ssl = std::make_unique<TlsUpstreamClient>(url.host, url.port);
    ssl->enable_server_certificate_verification(true);
    if (!ca_file.empty()) ssl->set_ca_cert_path(ca_file);
    cli = std::move(ssl);
  } else {
    cli = std::make_unique<PlainUpstreamClient>(url.host, url.port);
  }
  // Connect to the checked address only: no second DNS lookup between check and use, and
  // a reconnect of a pooled client goes to the same checked address.
  cli->set_hostname_addr_map({{url.host, addr.ip}});
  cli->set_follow_location(false);
  cli->set_decompress(false);
  cli->set_compress(false);
  cli->set_keep_alive(true);
  cli->set_url_encode(false);
  cli->set_tcp_nodelay(true);
  cli->set_connection_timeout(options.connect_timeout);
  cli->set_read_timeout(options.read_timeout);
  cli->set_write_timeout(options.write_timeout);
  return cli;
}

Result<std::shared_ptr<UpstreamExchange>> UpstreamExchange::Start(server::WorkerPool& workers,
                                                                  ExchangeConnection connection,
                                                                  const UpstreamUrl& url,
                                                                  UpstreamRequest request,
                                                                  const ForwarderOptions& options) {
  std::shared_ptr<UpstreamExchange> ex(new UpstreamExchange(options.pipe_capacity));
  // The task holds a reference until Run returns, so the pipes outlive the worker's use
  // of them whoever lets go of the exchange first. std::function needs a copyable
  // callable: the move-only parts travel in a shared box.
  struct Work {
    ExchangeConnection connection;
    UpstreamUrl url;
    UpstreamRequest request;
  };
  auto work = std::make_shared<Work>(Work{std::move(connection), url, std::move(request)});
  bool submitted = workers.TrySubmit([ex, work]() {
    ex->Run(std::move(work->connection), work->url, std::move(work->request));
  });
  if (!submitted) {
    Wipe(work->request.headers);
    return Fail(ErrorCode::kUnavailable, "too many proxied requests in flight");
  }
  return ex;
}

bool UpstreamExchange::WriteRequestBody(const char* data, size_t n) {
  return request_pipe_.Write(data, n);
}

void UpstreamExchange::FinishRequestBody() { request_pipe_.Finish(); }

BytePipe::ReadStatus UpstreamExchange::ReadResponseBody(std::string& out, size_t max) {
  return response_pipe_.Read(out, max);
}

void UpstreamExchange::Abort() {
  request_pipe_.Abort();
  response_pipe_.Abort();
}

Result<void> UpstreamExchange::Join() {
  MutexLock lock(&mu_);
  while (!done_) head_cv_.wait(mu_);
  if (error_) return Fail(*error_);
  return Ok();
}

bool UpstreamExchange::head_published() const {
  MutexLock lock(&mu_);
  return head_.has_value();
}

Result<ResponseHead> UpstreamExchange::WaitForHead() {
  MutexLock lock(&mu_);
  while (!head_ && !error_) head_cv_.wait(mu_);
  if (head_) return *head_;
  return Fail(*error_);
}

void UpstreamExchange::PublishHead(ResponseHead head) {
  MutexLock lock(&mu_);
  if (head_ || error_) return;
  head_ = std::move(head);
  head_cv_.notify_all();
}

void UpstreamExchange::PublishError(Error error) {
  MutexLock lock(&mu_);
  if (!error_) error_ = std::move(error);
  head_cv_.notify_all();
}

void UpstreamExchange::Run(ExchangeConnection connection, const UpstreamUrl& url,
                           UpstreamRequest request) {
  std::unique_ptr<httplib::ClientImpl>& cli = connection.client;
  httplib::Request req;
  req.method = request.method;
  req.path = request.path;
  req.headers = std::move(request.headers);
  req.headers.emplace("Host", url.Authority());
  bool head_request = request.method == "HEAD";
  if (request.framing.has_body()) {
    if (request.framing.content_length) {
      req.content_length_ = static_cast<size_t>(*request.framing.content_length);
      req.content_provider_ = [this](size_t, size_t length, httplib::DataSink& sink) {
        std::string buf;
        if (request_pipe_.Read(buf, std::min(length, kChunk)) != BytePipe::ReadStatus::kData) {
          return false;  // EOF before Content-Length bytes, or aborted
        }
        request_bytes_ += buf.size();
        return sink.write(buf.data(), buf.size());
      };
    } else {
      req.is_chunked_content_provider_ = true;
      req.headers.emplace("Transfer-Encoding", "chunked");
      req.content_provider_ = [this](size_t, size_t, httplib::DataSink& sink) {
        std::string buf;
        switch (request_pipe_.Read(buf, kChunk)) {
          case BytePipe::ReadStatus::kData:
            request_bytes_ += buf.size();
            return sink.write(buf.data(), buf.size());
          case BytePipe::ReadStatus::kEof:
            sink.done();
            return true;
          case BytePipe::ReadStatus::kAborted:
            return false;
        }
        return false;
      };
    }
  } else {
    // Nothing to read from the caller; make sure a stray writer never blocks.
    request_pipe_.Abort();
  }
  auto make_head = [head_request](const httplib::Response& r) {
    ResponseHead head;
    head.status = r.status;
    head.headers = r.headers;
    head.content_length = ContentLengthOf(r.headers);
    bool bodiless = head_request || r.status < 200 || r.status == 204 || r.status == 304 ||
                    head.content_length == uint64_t{0};
    head.has_body = !bodiless;
    return head;
  };
  req.response_handler = [this, &make_head](const httplib::Response& r) {
    PublishHead(make_head(r));
    return true;
  };
  req.content_receiver = [this](const char* data, size_t n, uint64_t, uint64_t) {
    response_bytes_ += n;
    return response_pipe_.Write(data, n);
  };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  bool ok = cli->send(req, res, err);
  const bool retryable = !request.framing.has_body() &&
                         (request.method == "GET" || request.method == "HEAD" ||
                          request.method == "OPTIONS");
  if (!ok && connection.reused && retryable && !head_published() &&
      response_bytes_.load() == 0 && !response_pipe_.aborted()) {
    // The idle connection died under us before the upstream answered (it closed it
    // while we sent): once more, on a new connection to the same checked address.
    res = httplib::Response();
    err = httplib::Error::Success;
    ok = cli->send(req, res, err);
  }
  // The injected credential sat in these strings; httplib's own copies are freed when
  // send returns (docs/proxy.md "Where the secret lives").
  Wipe(req.headers);
  request_pipe_.Abort();
  if (ok) {
    // httplib skips response_handler for HEAD and 204 answers: publish the head here
    // (a no-op when it was published already).
    PublishHead(make_head(res));
    response_pipe_.Finish();
    // httplib closed the socket if the upstream said "Connection: close" (or spoke
    // HTTP/1.0); only a still-open, quiet HTTP/1.1 connection goes back.
    const auto* check = dynamic_cast<const ReuseCheck*>(cli.get());
    if (connection.pool != nullptr && check != nullptr && check->ReusableNow() &&
        res.version == "HTTP/1.1" &&
        res.get_header_value("Connection").find("close") == std::string::npos) {
      connection.pool->Put(connection.pool_key, std::move(cli));
    }
  } else {
    response_pipe_.Abort();
    PublishError(Error(CodeFor(err), ErrorText(err)));
  }
  // Dropping a client that did not go back closes its socket, before Join returns.
  cli.reset();
  MutexLock lock(&mu_);
  done_ = true;
  head_cv_.notify_all();
}

}  // namespace notme::proxy
