#include "shim/ssh_sign_http.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace notme::shim {
namespace {

constexpr size_t kMaxAnswer = 1 << 20;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// True when `raw` holds the head and a Content-Length body of the announced size.
bool AnswerComplete(std::string_view raw) {
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return false;
  std::string_view head = raw.substr(0, head_end);
  for (size_t pos = head.find("\r\n"); pos != std::string_view::npos; pos = head.find("\r\n", pos + 2)) {
    std::string_view line = head.substr(pos + 2, head.find("\r\n", pos + 2) - (pos + 2));
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !EqualsIgnoreCase(line.substr(0, colon), "Content-Length")) {
      continue;
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    size_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc()) return false;
    return raw.size() - (head_end + 4) >= n;
  }
  return false;
}

}  // namespace

Result<HttpAnswer> ParseHttpAnswer(std::string_view raw) {
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return Fail(ErrorCode::kMalformed, "notmed: truncated answer");
  std::string_view head = raw.substr(0, head_end);
  std::string_view rest = raw.substr(head_end + 4);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
    return Fail(ErrorCode::kMalformed, "notmed: bad status line");
  }
  HttpAnswer out;
  auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, out.status);
  if (ec != std::errc() || p != status_line.data() + 12) {
    return Fail(ErrorCode::kMalformed, "notmed: bad status code");
  }
  std::optional<size_t> length;
  head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
  while (!head.empty()) {
    size_t e = head.find("\r\n");
    std::string_view line = head.substr(0, e);
    head = e == std::string_view::npos ? std::string_view() : head.substr(e + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Fail(ErrorCode::kMalformed, "notmed: bad header");
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (EqualsIgnoreCase(name, "Content-Length")) {
      size_t n = 0;
      auto [q, ec2] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec2 != std::errc() || q != value.data() + value.size()) {
        return Fail(ErrorCode::kMalformed, "notmed: bad Content-Length");
      }
      length = n;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      return Fail(ErrorCode::kMalformed, "notmed: unexpected Transfer-Encoding");
    } else if (EqualsIgnoreCase(name, "DPoP-Nonce")) {
      out.dpop_nonce = std::string(value);
    }
  }
  if (length) {
    if (rest.size() < *length) return Fail(ErrorCode::kMalformed, "notmed: truncated body");
    rest = rest.substr(0, *length);
  }
  out.body = std::string(rest);
  return out;
}

UnixHttpConnection::~UnixHttpConnection() { Close(); }

void UnixHttpConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  answered_ = false;
}

Result<void> UnixHttpConnection::Connect() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof(addr.sun_path)) return Fail(ErrorCode::kConfig, "socket path too long");
  std::memcpy(addr.sun_path, socket_.c_str(), socket_.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Fail(ErrorCode::kIo, "socket: " + std::string(std::strerror(errno)));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    Close();
    if (err == ENOENT || err == ECONNREFUSED) {
      return Fail(ErrorCode::kDaemonUnreachable, "nothing answers on " + socket_);
    }
    return Fail(ErrorCode::kIo, "connect " + socket_ + ": " + std::strerror(err));
  }
  return Ok();
}

Result<void> UnixHttpConnection::Open() {
  if (fd_ >= 0) return Ok();
  return Connect();
}

Result<HttpAnswer> UnixHttpConnection::RequestOnce(const std::string& req, bool* retry) {
  *retry = false;
  // Only a connection that has already carried an answer may have been closed by the
  // server's keep-alive timeout; that one case is retried on a new connection.
  const bool reused = fd_ >= 0 && answered_;
  if (fd_ < 0) NOTME_TRY_VOID(Connect());
  size_t off = 0;
  while (off < req.size()) {
    ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      Close();
      if (reused && (err == EPIPE || err == ECONNRESET)) {
        *retry = true;
        return Fail(ErrorCode::kIo, "connection closed");
      }
      if (err == EAGAIN) return Fail(ErrorCode::kTimeout, "notmed did not read the request");
      return Fail(ErrorCode::kIo, "send: " + std::string(std::strerror(err)));
    }
    off += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[16384];
  while (true) {
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) {
      Close();
      if (raw.empty() && reused) {
        *retry = true;
        return Fail(ErrorCode::kIo, "connection closed");
      }
      break;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      Close();
      if (err == EAGAIN) return Fail(ErrorCode::kTimeout, "notmed did not answer in time");
      return Fail(ErrorCode::kIo, "recv: " + std::string(std::strerror(err)));
    }
    raw.append(buf, static_cast<size_t>(n));
    if (raw.size() > kMaxAnswer) {
      Close();
      return Fail(ErrorCode::kTooLarge, "notmed: answer too large");
    }
    // The answer is complete once its Content-Length body is here; the connection stays
    // open for the next request.
    if (AnswerComplete(raw)) break;
  }
  answered_ = fd_ >= 0;
  return ParseHttpAnswer(raw);
}

Result<HttpAnswer> UnixHttpConnection::Request(std::string_view method, std::string_view path,
                                               std::string_view body, const HeaderList& headers) {
  std::string req;
  req.reserve(512 + body.size());
  req.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: notme.localhost\r\n");
  req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  for (const auto& [name, value] : headers) req.append(name).append(": ").append(value).append("\r\n");
  req.append("\r\n").append(body);
  bool retry = false;
  auto answer = RequestOnce(req, &retry);
  if (!answer && retry) answer = RequestOnce(req, &retry);
  return answer;
}

}  // namespace notme::shim
