#include "proxy/upstream_client.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "notme/check.h"

namespace notme::proxy {
namespace {

// Read buffer per exchange: a whole head (ResponseLimits::max_head) fits, and a body moves
// in pieces of up to this size (one recv or one TLS read each).
constexpr size_t kInBuffer = 64 * 1024;
// Queued request bytes are written once this many have gathered (or before reading).
constexpr size_t kFlushAt = 64 * 1024;

void Wipe(std::string& s) {
  sodium_memzero(s.data(), s.size());
  s.clear();
}

std::string Hex(uint64_t n) {
  char buf[17];
  int len = 0;
  do {
    buf[len++] = "0123456789abcdef"[n & 15];
    n >>= 4;
  } while (n != 0);
  std::reverse(buf, buf + len);
  return std::string(buf, static_cast<size_t>(len));
}

}  // namespace

Result<std::unique_ptr<UpstreamConnection>> UpstreamConnection::Open(
    const UpstreamTarget& target, const StreamTimeouts& timeouts) {
  NOTME_TRY(auto stream, UpstreamStream::Connect(target.address, target.port,
                                                 target.allow_non_public, timeouts));
  if (target.tls) NOTME_TRY_VOID(stream->StartTls(target.host, target.ca_file));
  return std::unique_ptr<UpstreamConnection>(
      new UpstreamConnection(std::move(stream), target, timeouts));
}

std::string RenderRequestHead(
    std::string_view method, std::string_view target, std::string_view host,
    const std::vector<std::pair<std::string_view, std::string_view>>& fields,
    const RequestBodyFraming& framing) {
  size_t size = method.size() + target.size() + host.size() + 64;
  for (const auto& [name, value] : fields) size += name.size() + value.size() + 4;
  std::string head;
  head.reserve(size);
  head.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  head.append("\r\n");
  for (const auto& [name, value] : fields)
    head.append(name).append(": ").append(value).append("\r\n");
  if (framing.chunked) {
    head.append("Transfer-Encoding: chunked\r\n");
  } else if (framing.content_length) {
    head.append("Content-Length: ").append(std::to_string(*framing.content_length)).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

Http1Exchange::Http1Exchange(std::unique_ptr<UpstreamConnection> connection, bool reused,
                             std::string head, const RequestBodyFraming& framing, bool head_request,
                             bool retryable)
    : connection_(std::move(connection)),
      reused_(reused),
      head_(std::move(head)),
      framing_(framing),
      head_request_(head_request),
      retryable_(retryable && !framing.chunked && framing.content_length.value_or(0) == 0) {}

Http1Exchange::~Http1Exchange() {
  WipeHead();
  Wipe(out_);
}

void Http1Exchange::WipeHead() { Wipe(head_); }

Result<void> Http1Exchange::Queue(std::string_view data) {
  out_.append(data);
  if (out_.size() >= kFlushAt) return Flush();
  return Ok();
}

Result<void> Http1Exchange::Flush() {
  if (!head_sent_) {
    // The head goes first, together with whatever body bytes fit in the same write.
    out_.insert(0, head_);
    head_sent_ = true;
    if (!retryable_) WipeHead();
  }
  if (out_.empty()) return Ok();
  auto written = connection_->stream().WriteAll(out_);
  // The queued bytes may hold the head and with it the injected secret.
  Wipe(out_);
  if (!written) failed_ = true;
  return written;
}

Result<void> Http1Exchange::WriteBody(std::string_view data) {
  if (failed_) return Fail(ErrorCode::kUpstream, "the upstream exchange failed");
  if (framing_.content_length && data.size() > *framing_.content_length - request_body_bytes_) {
    failed_ = true;
    return Fail(ErrorCode::kInvalidRequest, "request body longer than its Content-Length");
  }
  if (data.empty()) return Ok();
  request_body_bytes_ += data.size();
  if (framing_.chunked) {
    NOTME_TRY_VOID(Queue(Hex(data.size()) + "\r\n"));
    // A large piece is written straight from the caller's buffer instead of copied.
    if (data.size() >= kFlushAt) {
      NOTME_TRY_VOID(Flush());
      auto written = connection_->stream().WriteAll(data);
      if (!written) {
        failed_ = true;
        return written;
      }
    } else {
      NOTME_TRY_VOID(Queue(data));
    }
    return Queue("\r\n");
  }
  if (data.size() >= kFlushAt) {
    NOTME_TRY_VOID(Flush());
    auto written = connection_->stream().WriteAll(data);
    if (!written) failed_ = true;
    return written;
  }
  return Queue(data);
}

Result<void> Http1Exchange::FinishBody() {
  if (failed_) return Fail(ErrorCode::kUpstream, "the upstream exchange failed");
  if (framing_.content_length && request_body_bytes_ != *framing_.content_length) {
    failed_ = true;
    return Fail(ErrorCode::kInvalidRequest, "request body shorter than its Content-Length");
  }
  if (framing_.chunked) NOTME_TRY_VOID(Queue("0\r\n\r\n"));
  request_done_ = true;
  return Ok();
}

Result<size_t> Http1Exchange::Fill() {
  if (in_ == nullptr) in_ = std::make_unique_for_overwrite<char[]>(kInBuffer);
  if (in_pos_ == in_end_) {
    in_pos_ = in_end_ = 0;
  } else if (in_end_ == kInBuffer) {
    std::memmove(in_.get(), in_.get() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  NOTME_CHECK(in_end_ < kInBuffer, "a parser limit keeps a pending line below the buffer size");
  const size_t room = kInBuffer - in_end_;
  NOTME_TRY(size_t n, connection_->stream().ReadSome(in_.get() + in_end_, room));
  in_end_ += n;
  received_ += n;
  return n;
}

Result<ParsedResponseHead> Http1Exchange::ReadHeadOnce() {
  NOTME_TRY_VOID(Flush());
  for (;;) {
    std::string_view pending(in_.get() + in_pos_, in_end_ - in_pos_);
    NOTME_TRY(auto parsed, ParseResponseHead(pending, head_request_));
    if (!parsed) {
      NOTME_TRY(size_t n, Fill());
      if (n == 0) {
        return Fail(ErrorCode::kUpstream,
                    received_ == 0 ? "the upstream closed the connection without answering"
                                   : "the upstream closed the connection mid-answer");
      }
      continue;
    }
    in_pos_ += parsed->head_size;
    if (parsed->status == 101) {
      return Fail(ErrorCode::kUpstream, "the upstream switched protocols, which was not asked for");
    }
    if (parsed->status < 200) continue;  // interim answer (100 Continue, 103 Early Hints)
    body_ = parsed->framing;
    keep_alive_ = parsed->keep_alive;
    body_left_ = parsed->content_length;
    complete_ = body_ == BodyFraming::kNone;
    return std::move(*parsed);
  }
}

Result<void> Http1Exchange::Reconnect() {
  NOTME_TRY(connection_, UpstreamConnection::Open(connection_->target(), connection_->timeouts()));
  reused_ = false;
  retried_ = true;
  in_pos_ = in_end_ = 0;
  received_ = 0;
  Wipe(out_);
  head_sent_ = false;
  return Ok();
}

Result<ParsedResponseHead> Http1Exchange::ReadHead() {
  if (failed_) return Fail(ErrorCode::kUpstream, "the upstream exchange failed");
  if (!framing_.chunked && framing_.content_length.value_or(0) == 0) request_done_ = true;
  auto head = ReadHeadOnce();
  if (!head && reused_ && retryable_ && !retried_ && received_ == 0 &&
      head.error().code() == ErrorCode::kUpstream) {
    // The idle connection died under us before the upstream answered (it closed it while
    // we sent): once more, on a new connection to the same checked address.
    failed_ = false;
    auto reconnected = Reconnect();
    head = reconnected ? ReadHeadOnce() : Result<ParsedResponseHead>(Fail(reconnected.error()));
  }
  WipeHead();
  if (!head) failed_ = true;
  return head;
}

Result<std::string_view> Http1Exchange::ReadBody() {
  if (failed_) return Fail(ErrorCode::kUpstream, "the upstream exchange failed");
  auto cut = [this]() -> Result<std::string_view> {
    failed_ = true;
    return Fail(ErrorCode::kUpstream, "the upstream closed the connection mid-answer");
  };
  auto fill = [this]() -> Result<size_t> {
    auto n = Fill();
    if (!n) failed_ = true;
    return n;
  };
  while (!complete_) {
    std::string_view pending(in_.get() + in_pos_, in_end_ - in_pos_);
    switch (body_) {
      case BodyFraming::kLength:
        if (!pending.empty()) {
          size_t take = static_cast<size_t>(std::min<uint64_t>(body_left_, pending.size()));
          in_pos_ += take;
          body_left_ -= take;
          complete_ = body_left_ == 0;
          response_body_bytes_ += take;
          return pending.substr(0, take);
        }
        break;
      case BodyFraming::kChunked: {
        auto step = chunked_.Next(pending);
        if (!step) {
          failed_ = true;
          return Fail(step.error());
        }
        in_pos_ += step->consumed;
        complete_ = chunked_.done();
        if (!step->data.empty()) {
          response_body_bytes_ += step->data.size();
          return step->data;
        }
        if (complete_) return std::string_view();
        if (step->consumed != 0 && in_pos_ != in_end_) continue;
        break;
      }
      case BodyFraming::kUntilClose:
        if (!pending.empty()) {
          in_pos_ = in_end_;
          response_body_bytes_ += pending.size();
          return pending;
        }
        break;
      case BodyFraming::kNone:
        complete_ = true;
        return std::string_view();
    }
    NOTME_TRY(size_t n, fill());
    if (n == 0) {
      if (body_ != BodyFraming::kUntilClose) return cut();
      complete_ = true;
    }
  }
  return std::string_view();
}

std::unique_ptr<UpstreamConnection> Http1Exchange::Release() {
  std::unique_ptr<UpstreamConnection> connection = std::move(connection_);
  // Bytes beyond the answer would be taken as the answer to the next request.
  if (connection == nullptr || failed_ || !complete_ || !request_done_ || !keep_alive_ ||
      in_pos_ != in_end_ || !connection->stream().Quiet()) {
    return nullptr;
  }
  return connection;
}

}  // namespace notme::proxy
