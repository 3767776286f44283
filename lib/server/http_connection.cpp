#include "server/http_connection.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <utility>

#include "server/http_response.h"
#include "server/http_server.h"

namespace notme::server {
namespace {

thread_local bool t_close_after_response = false;

// Read granularity; a request head and a small body arrive in one recv.
constexpr size_t kReadChunk = 16 * 1024;
// Pieces handed to a ContentReader's receiver.
constexpr size_t kStreamPiece = 64 * 1024;

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

// RFC 9110 §7.6.1: "close" among the Connection options.
bool HasCloseToken(const Request& req) {
  auto [first, last] = req.headers.equal_range("Connection");
  for (auto it = first; it != last; ++it) {
    std::string_view v = it->second;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view tok = v.substr(0, comma);
      while (!tok.empty() && (tok.front() == ' ' || tok.front() == '\t')) tok.remove_prefix(1);
      while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) tok.remove_suffix(1);
      if (EqualsIgnoreCase(tok, "close")) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool ExpectsContinue(const Request& req) {
  const std::string v = req.get_header_value("Expect");
  return EqualsIgnoreCase(v, "100-continue");
}

bool BodyAllowed(int status) { return status >= 200 && status != 204 && status != 304; }

bool PollFor(int fd, short events, std::chrono::milliseconds wait) {
  pollfd p{fd, events, 0};
  const auto ms = std::clamp<std::chrono::milliseconds::rep>(wait.count(), 0, 600000);
  for (;;) {
    int r = ::poll(&p, 1, static_cast<int>(ms));
    if (r < 0 && errno == EINTR) continue;
    return r > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }
}

}  // namespace

void UnixHttpServer::CloseAfterResponse() { t_close_after_response = true; }

HttpConnection::HttpConnection(UnixHttpServer& server, EventLoop& loop, UniqueFd fd, PeerInfo peer)
    : server_(server), loop_(loop), fd_(std::move(fd)), ctx_{server.identity_, std::move(peer)} {}

HttpConnection::~HttpConnection() = default;

void HttpConnection::Begin(uint64_t id) {
  id_ = id;
  ArmIdle();
}

void HttpConnection::ArmIdle() {
  in_request_ = false;
  const auto wait = served_ == 0 ? server_.limits_.io_timeout : server_.limits_.keep_alive_timeout;
  loop_.Arm(id_, Clock::now() + wait);
}

void HttpConnection::ArmPartial() {
  const auto& l = server_.limits_;
  loop_.Arm(id_, std::min(request_start_ + l.request_timeout, Clock::now() + l.io_timeout));
}

void HttpConnection::Close() {
  // Untrack closes the fd and may let Stop() return: the last use of server_.
  server_.Untrack(this);
}

void HttpConnection::Ready(uint32_t) {
  const auto& l = server_.limits_;
  // Enough room for a head and a non-streamed body; more waits in the socket.
  const size_t cap =
      pending_ ? l.max_head_bytes + l.max_body_bytes + kReadChunk : l.max_head_bytes + kReadChunk;
  if (ReadAvailable(cap) == ReadResult::kClosed) return Close();
  Process();
}

void HttpConnection::Expired() {
  if (!in_request_) return Close();
  // A request started but did not arrive in time (slowloris): say so, then close.
  Response res;
  SetErrorForStatus(res, 408);
  SendAndClose(res);
}

HttpConnection::ReadResult HttpConnection::RecvInto(size_t room) {
  ssize_t n = -1;
  // Appends in place: the buffer grows without zero-filling bytes recv is about to write.
  buf_.resize_and_overwrite(buf_.size() + room, [&](char* data, size_t size) {
    const size_t old = size - room;
    do {
      n = ::recv(fd_.get(), data + old, room, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    return old + static_cast<size_t>(std::max<ssize_t>(n, 0));
  });
  if (n > 0) return static_cast<size_t>(n) < room ? ReadResult::kDrained : ReadResult::kData;
  if (n == 0) return ReadResult::kClosed;
  return errno == EAGAIN || errno == EWOULDBLOCK ? ReadResult::kAgain : ReadResult::kClosed;
}

HttpConnection::ReadResult HttpConnection::ReadAvailable(size_t max_buffer) {
  bool got = false;
  while (buf_.size() < max_buffer) {
    switch (RecvInto(std::min(kReadChunk, max_buffer - buf_.size()))) {
      case ReadResult::kData:
        got = true;
        continue;
      // A short read drained the socket: no second recv just to see EAGAIN.
      case ReadResult::kDrained:
        return ReadResult::kData;
      case ReadResult::kAgain:
        return got ? ReadResult::kData : ReadResult::kAgain;
      case ReadResult::kClosed:
        return ReadResult::kClosed;
    }
  }
  return ReadResult::kData;
}

bool HttpConnection::ReadBlocking() {
  // The request deadline bounds the whole upload, however steadily its bytes come.
  const auto& l = server_.limits_;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      request_start_ + l.request_timeout - Clock::now());
  if (left.count() <= 0) return false;
  // A body being streamed usually has its next bytes waiting already: read first (one
  // recv of a whole piece) and wait only when the socket is empty.
  ReadResult r = RecvInto(kStreamPiece);
  if (r == ReadResult::kAgain) {
    if (!PollFor(fd_.get(), POLLIN, std::min(left, l.io_timeout))) return false;
    r = RecvInto(kStreamPiece);
  }
  return r == ReadResult::kData || r == ReadResult::kDrained;
}

void HttpConnection::Process() {
  for (;;) {
    if (!pending_) {
      if (buf_.empty()) return ArmIdle();
      if (!in_request_) {
        in_request_ = true;
        request_start_ = Clock::now();
      }
      RequestHead head;
      HeadParse parsed = ParseRequestHead(buf_, server_.limits_.max_head_bytes, head);
      if (parsed.state == HeadParse::State::kIncomplete) return ArmPartial();
      if (parsed.state == HeadParse::State::kInvalid) {
        Response res;
        SetErrorForStatus(res, parsed.status);
        return SendAndClose(res);
      }
      buf_.erase(0, parsed.consumed);
      auto p = StartRequest(std::move(head));
      if (p == nullptr) return;  // refused and closed
      if (server_.IsStreamingPath(p->req.path) || server_.IsPooledPath(p->req.path)) {
        if (!RunStreamed(std::move(p))) return;  // closed
        continue;
      }
      pending_ = std::move(p);
      if (pending_->framing.length > buf_.size()) {
        SendContinue(*pending_);
        return ArmPartial();
      }
    }
    const size_t len = static_cast<size_t>(pending_->framing.length);
    if (buf_.size() < len) return ArmPartial();
    auto p = std::move(pending_);
    p->req.body.assign(buf_, 0, len);
    buf_.erase(0, len);
    static constexpr bool kBodyRead = true;
    const bool keep = Execute(p->req, nullptr, kBodyRead);
    // A client that does not read its answers must not hold a loop worker.
    if (!unsent_.empty()) return FlushOnPool(keep);
    if (!keep) return Close();
  }
}

void HttpConnection::FlushOnPool(bool keep) {
  auto task = [self = shared_from_this(), keep] {
    const std::string out = std::move(self->unsent_);
    self->unsent_.clear();
    if (!self->SendAll(out) || !keep) return self->Close();
    self->Process();
  };
  if (!server_.pool_.TrySubmit(std::move(task))) Close();
}

std::unique_ptr<HttpConnection::Pending> HttpConnection::StartRequest(RequestHead head) {
  auto p = std::make_unique<Pending>();
  Request& req = p->req;
  req.method = std::move(head.method);
  req.target = std::move(head.target);
  req.version = std::move(head.version);
  req.headers = std::move(head.headers);
  const size_t q = req.target.find('?');
  req.path = DecodePath(std::string_view(req.target).substr(0, q));
  if (q != std::string::npos) ParseQuery(std::string_view(req.target).substr(q + 1), req.params);

  const size_t limit = server_.BodyLimitFor(req.path);
  if (req.has_header("Transfer-Encoding") && !server_.IsStreamingPath(req.path)) {
    RefuseAndClose(411, "invalid_request",
                   "Transfer-Encoding is not accepted; send Content-Length");
    return nullptr;
  }
  auto framing = DetermineFraming(req.headers);
  // An unknown transfer coding gets 400 like the other framing refusals (RFC 9112 §6.1
  // suggests 501; the client cannot fix either by retrying as is).
  if (!framing) {
    RefuseAndClose(400, "invalid_request", framing.error().message());
    return nullptr;
  }
  if (framing->kind == BodyFraming::Kind::kLength && framing->length > limit) {
    RefuseAndClose(413, "invalid_request",
                   "request body larger than " + std::to_string(limit) + " bytes");
    return nullptr;
  }
  p->framing = *framing;
  p->expect_continue = ExpectsContinue(req) && req.version == "HTTP/1.1";
  return p;
}

void HttpConnection::SendContinue(Pending& p) {
  if (!p.expect_continue) return;
  p.expect_continue = false;
  // RFC 9110 §10.1.1: the client waits for this before sending a large body.
  (void)SendAll("HTTP/1.1 100 Continue\r\n\r\n");
}

bool HttpConnection::ReadBody(Pending& p, const ContentReceiver& receiver) {
  if (p.framing.kind == BodyFraming::Kind::kNone) return true;
  SendContinue(p);
  const size_t limit = server_.BodyLimitFor(p.req.path);
  if (p.framing.kind == BodyFraming::Kind::kLength) {
    uint64_t left = p.framing.length;
    while (left > 0) {
      if (buf_.empty() && !ReadBlocking()) return false;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(left, buf_.size()));
      const bool more = receiver(buf_.data(), take);
      buf_.erase(0, take);
      left -= take;
      p.framing.length = left;
      if (!more) return false;
    }
    return true;
  }
  ChunkedDecoder decoder;
  std::string piece;
  for (;;) {
    if (buf_.empty() && !ReadBlocking()) return false;
    size_t consumed = 0;
    piece.clear();
    const auto st = decoder.Feed(buf_, kStreamPiece, piece, consumed);
    buf_.erase(0, consumed);
    if (st == ChunkedDecoder::Status::kInvalid || decoder.body_bytes() > limit) return false;
    if (!piece.empty() && !receiver(piece.data(), piece.size())) return false;
    if (st == ChunkedDecoder::Status::kDone) {
      p.framing.kind = BodyFraming::Kind::kNone;
      return true;
    }
    if (consumed == 0 && piece.empty() && !ReadBlocking()) return false;
  }
}

bool HttpConnection::RunStreamed(std::unique_ptr<Pending> p) {
  // On this thread, without a hand-off: the loop starts another worker if this one was
  // its last free one (event_loop.h "Elastic").
  EventLoop::BlockingScope blocking(loop_);
  bool read_called = false;
  bool body_complete = p->framing.kind == BodyFraming::Kind::kNone;
  ContentReader reader([&](ContentReceiver receiver) {
    if (read_called) return false;
    read_called = true;
    body_complete = ReadBody(*p, receiver);
    return body_complete;
  });
  const UnixHttpServer::Route* route = server_.FindRoute(p->req.method, p->req);
  if (route == nullptr || !route->reader_handler) {
    // A handler without a reader gets the body in req.body (within the route's limit).
    std::string body;
    const bool ok = reader([&](const char* d, size_t n) {
      body.append(d, n);
      return true;
    });
    if (!ok) {
      RefuseAndClose(400, "invalid_request", "the request body did not arrive");
      return false;
    }
    p->req.body = std::move(body);
  }
  if (!Execute(p->req, &reader, body_complete)) {
    Close();
    return false;
  }
  return true;
}

bool HttpConnection::Execute(Request& req, const ContentReader* reader, const bool& body_complete) {
  Response res;
  ConnectionScope scope(&ctx_);
  t_close_after_response = false;
  bool handled = false;
  try {
    for (const auto& hook : server_.hooks_) {
      if (hook(req, res) == HandlerResponse::kHandled) {
        handled = true;
        break;
      }
    }
    if (!handled) {
      const UnixHttpServer::Route* route = server_.FindRoute(req.method, req);
      if (route == nullptr) {
        res.status = 404;
      } else if (route->reader_handler) {
        if (reader != nullptr) {
          route->reader_handler(req, res, *reader);
        } else {
          // The body is already in req.body (a reader route outside the streaming prefixes).
          bool given = false;
          ContentReader from_body([&](ContentReceiver receiver) {
            if (given) return false;
            given = true;
            return req.body.empty() || receiver(req.body.data(), req.body.size());
          });
          route->reader_handler(req, res, from_body);
        }
      } else {
        route->handler(req, res);
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("{}: handler for {} {} threw; answered 500", server_.identity_.Describe(),
                  req.method, req.path);
    res.headers.clear();
    res.set_content(std::string(), "");
    SendJsonError(res, 500, "server_error", "internal error");
  }
  if (res.status >= 400 && res.body.empty() && !res.has_content_provider()) {
    SetErrorForStatus(res, res.status);
  }
  ++served_;
  bool close = t_close_after_response || !body_complete || req.version == "HTTP/1.0" ||
               HasCloseToken(req) || served_ >= server_.limits_.keep_alive_max_requests ||
               server_.Stopping();
  if (res.get_header_value("Connection") == "close") close = true;
  const bool ok = WriteResponse(req, res, close);
  in_request_ = false;
  return ok && !close;
}

bool HttpConnection::WriteResponse(const Request& req, Response& res, bool close) {
  const bool head_only = req.method == "HEAD";
  const bool body_allowed = BodyAllowed(res.status);
  const bool chunked = body_allowed && res.chunked_content_provider() != nullptr;
  std::string head;
  head.reserve(256);
  head.append("HTTP/1.1 ").append(std::to_string(res.status)).append(" ");
  head.append(ReasonPhrase(res.status)).append("\r\n");
  // A HEAD answer may carry the length a GET would have (the proxy passes it on).
  const bool keep_length = head_only && res.body.empty() && !res.has_content_provider() &&
                           res.has_header("Content-Length");
  for (const auto& [name, value] : res.headers) {
    if (EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    const bool is_length = EqualsIgnoreCase(name, "Content-Length");
    if (is_length && !keep_length) continue;
    // Response splitting: a field set through `headers` directly (not set_header) with
    // CR, LF or NUL in it is dropped, never written.
    if (HasLineBreakOrNul(name) || HasLineBreakOrNul(value)) continue;
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (body_allowed && !keep_length) {
    if (chunked) {
      head.append("Transfer-Encoding: chunked\r\n");
    } else {
      const size_t len = res.content_provider() ? res.content_length() : res.body.size();
      head.append("Content-Length: ").append(std::to_string(len)).append("\r\n");
    }
  }
  if (close) head.append("Connection: close\r\n");
  head.append("\r\n");
  if (head_only || !body_allowed) {
    res.Release(true);
    return SendAll(head);
  }
  if (!res.has_content_provider()) return SendAll(head, res.body);  // one sendmsg
  if (!SendAll(head)) {
    res.Release(false);
    return false;
  }
  const bool ok = WriteStreamedBody(res);
  res.Release(ok);
  return ok;
}

bool HttpConnection::WriteStreamedBody(Response& res) {
  const bool chunked = res.chunked_content_provider() != nullptr;
  bool failed = false;
  bool done = false;
  size_t offset = 0;
  DataSink sink;
  sink.write = [&](const char* data, size_t n) {
    if (failed || n == 0) return !failed;
    bool ok;
    if (chunked) {
      char size_line[24];
      const int len = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", n);
      std::string framed(size_line, static_cast<size_t>(len));
      framed.append(data, n).append("\r\n");
      ok = SendAll(framed);
    } else {
      n = std::min(n, res.content_length() - offset);
      ok = SendAll(std::string_view(data, n));
    }
    if (!ok) failed = true;
    offset += n;
    return ok;
  };
  sink.done = [&] { done = true; };
  sink.is_writable = [&] { return !failed; };
  if (chunked) {
    while (!done && !failed) {
      if (!res.chunked_content_provider()(offset, sink)) return false;
    }
    return !failed && SendAll("0\r\n\r\n");
  }
  while (offset < res.content_length() && !failed) {
    const size_t before = offset;
    if (!res.content_provider()(offset, res.content_length() - offset, sink)) return false;
    if (offset == before && !done) return false;  // a provider that makes no progress
    if (done) break;
  }
  return !failed && offset == res.content_length();
}

bool HttpConnection::SendAll(std::string_view a, std::string_view b) {
  const bool on_loop = EventLoop::OnWorkerThread();
  if (on_loop && !unsent_.empty()) {
    unsent_.append(a).append(b);
    return true;
  }
  iovec iov[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
  size_t idx = 0;
  const int count = b.empty() ? 1 : 2;
  while (idx < static_cast<size_t>(count)) {
    msghdr msg{};
    msg.msg_iov = iov + idx;
    msg.msg_iovlen = static_cast<size_t>(count) - idx;
    // Try first and wait only when the socket buffer is full: a response almost always
    // fits, so the usual write is one sendmsg(2) without a poll(2).
    ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && on_loop) {
        for (size_t i = idx; i < static_cast<size_t>(count); ++i) {
          unsent_.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
        }
        return true;
      }
      if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
          PollFor(fd_.get(), POLLOUT, server_.limits_.io_timeout)) {
        continue;
      }
      return false;
    }
    auto sent = static_cast<size_t>(n);
    while (idx < static_cast<size_t>(count) && sent >= iov[idx].iov_len) {
      sent -= iov[idx].iov_len;
      ++idx;
    }
    if (idx < static_cast<size_t>(count)) {
      iov[idx].iov_base = static_cast<char*>(iov[idx].iov_base) + sent;
      iov[idx].iov_len -= sent;
    }
  }
  return true;
}

void HttpConnection::RefuseAndClose(int status, std::string_view error,
                                    std::string_view description) {
  Response res;
  SendJsonError(res, status, error, description);
  SendAndClose(res);
}

void HttpConnection::SendAndClose(Response& res) {
  Request none;  // the answer to a request that was not (fully) parsed: a GET's
  none.method = "GET";
  (void)WriteResponse(none, res, /*close=*/true);
  unsent_.clear();  // a refusal is not worth a pool thread; the client is not reading
  Close();
}

}  // namespace notme::server
