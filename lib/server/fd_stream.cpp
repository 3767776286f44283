#include "server/fd_stream.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace notme::server {

FdStream::FdStream(int fd, Limits limits) : fd_(fd), limits_(limits) {
  deadline_ = std::chrono::steady_clock::now() + limits_.request_timeout;
}

void FdStream::BeginRequest(size_t head_budget) {
  deadline_ = std::chrono::steady_clock::now() + limits_.request_timeout;
  budget_ = head_budget;
  limit_hit_ = false;
}

void FdStream::ExtendBudget(size_t body_budget) { budget_ += body_budget; }

bool FdStream::Poll(short events, std::chrono::milliseconds timeout) const {
  pollfd p{fd_, events, 0};
  auto ms = std::max<std::chrono::milliseconds::rep>(0, timeout.count());
  for (;;) {
    int r = ::poll(&p, 1, static_cast<int>(std::min<std::chrono::milliseconds::rep>(ms, 600000)));
    if (r < 0 && errno == EINTR) continue;
    return r > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }
}

std::chrono::milliseconds FdStream::ReadWait() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline_ - std::chrono::steady_clock::now());
  return std::min(left, limits_.io_timeout);
}

bool FdStream::WaitForRequest(std::chrono::milliseconds timeout) {
  if (buf_pos_ < buf_len_) return true;
  if (!Poll(POLLIN, timeout)) return false;
  // Fill the buffer right away (the request's first read would do it next): one recv
  // instead of a MSG_PEEK and a recv. 0 is an orderly close. The bytes are charged to
  // the request's budget when read() hands them out.
  ssize_t n;
  do {
    n = ::recv(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  buf_pos_ = 0;
  buf_len_ = static_cast<size_t>(n);
  return true;
}

bool FdStream::is_readable() const {
  return buf_pos_ < buf_len_ || Poll(POLLIN, ReadWait());
}

bool FdStream::is_writable() const { return Poll(POLLOUT, limits_.io_timeout); }

ssize_t FdStream::read(char* ptr, size_t size) {
  // httplib reads the request line and headers one byte per call: serve those from the
  // buffer without the general path's bookkeeping.
  if (size == 1 && buf_pos_ < buf_len_ && budget_ > 0) {
    *ptr = buf_[buf_pos_++];
    --budget_;
    return 1;
  }
  if (size == 0) return 0;
  if (budget_ == 0) {
    limit_hit_ = true;
    return -1;
  }
  if (buf_pos_ == buf_len_) {
    if (std::chrono::steady_clock::now() >= deadline_ || !Poll(POLLIN, ReadWait())) {
      limit_hit_ = true;
      return -1;
    }
    ssize_t n;
    do {
      n = ::recv(fd_, buf_.data(), buf_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return n;
    buf_pos_ = 0;
    buf_len_ = static_cast<size_t>(n);
  }
  size_t take = std::min({size, buf_len_ - buf_pos_, budget_});
  std::memcpy(ptr, buf_.data() + buf_pos_, take);
  buf_pos_ += take;
  budget_ -= take;
  return static_cast<ssize_t>(take);
}

ssize_t FdStream::write(const char* ptr, size_t size) {
  if (hold_next_) {
    hold_next_ = false;
    held_.assign(ptr, size);
    return static_cast<ssize_t>(size);
  }
  if (!held_.empty()) {
    // One send for the kept head and this body: the client wakes once, not twice.
    held_.append(ptr, size);
    const bool ok = SendAll(held_.data(), held_.size());
    held_.clear();
    return ok ? static_cast<ssize_t>(size) : -1;
  }
  return SendAll(ptr, size) ? static_cast<ssize_t>(size) : -1;
}

bool FdStream::Flush() {
  hold_next_ = false;
  if (held_.empty()) return true;
  const bool ok = SendAll(held_.data(), held_.size());
  held_.clear();
  return ok;
}

bool FdStream::SendAll(const char* ptr, size_t size) {
  size_t done = 0;
  while (done < size) {
    // Try first and wait only when the socket buffer is full: a response almost always
    // fits, so the usual write is one send(2) without a poll(2).
    ssize_t n = ::send(fd_, ptr + done, size - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && Poll(POLLOUT, limits_.io_timeout)) {
        continue;
      }
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

void FdStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = "unix";
  port = 0;
}

void FdStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = "unix";
  port = 0;
}

}  // namespace notme::server
