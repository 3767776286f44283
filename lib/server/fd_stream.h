#pragma once
// FdStream: httplib::Stream over a connected Unix (or loopback TCP) socket with the
// limits a daemon facing untrusted local clients needs:
//   - every read and write waits at most the configured timeout (slow clients);
//   - a per-request deadline bounds the whole request (a client dribbling one byte per
//     timeout cannot hold a worker forever);
//   - a per-request byte budget: header bytes until the headers are parsed, then the
//     body limit of the route (httplib itself does not bound the number of headers).
// Buffered: httplib reads request lines one byte at a time.
// Not thread-safe: one connection, one worker thread.

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <string>

#include <httplib.h>

namespace notme::server {

class FdStream final : public httplib::Stream {
 public:
  struct Limits {
    std::chrono::milliseconds io_timeout{5000};        // per read/write wait
    std::chrono::milliseconds request_timeout{15000};  // whole request (headers + body)
  };

  FdStream(int fd, Limits limits);

  // Starts a request: resets the deadline and sets the byte budget for the head.
  void BeginRequest(size_t head_budget);
  // Called once the head is parsed: allows `body_budget` more bytes for the body.
  void ExtendBudget(size_t body_budget);
  // True when the budget or deadline cut the last read short (answer 413/408 and close).
  bool limit_hit() const { return limit_hit_; }
  // The next write() is kept (and reported written) and goes out with the write after
  // it in one send(2): a response's head and its body. Flush() sends a kept write alone.
  void HoldNextWrite() { hold_next_ = true; }
  // Sends a kept write, if any. False when the connection failed.
  bool Flush();
  // Waits up to `timeout` for the next request to start and buffers the bytes that have
  // arrived (one recv); false on timeout, EOF or error.
  bool WaitForRequest(std::chrono::milliseconds timeout);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  bool Poll(short events, std::chrono::milliseconds timeout) const;
  bool SendAll(const char* ptr, size_t size);
  std::chrono::milliseconds ReadWait() const;

  int fd_;
  Limits limits_;
  std::chrono::steady_clock::time_point deadline_;
  size_t budget_ = 0;
  bool limit_hit_ = false;
  std::array<char, 4096> buf_{};
  size_t buf_pos_ = 0;
  size_t buf_len_ = 0;
  bool hold_next_ = false;
  std::string held_;
};

}  // namespace notme::server
