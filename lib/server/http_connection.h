#pragma once
// HttpConnection: one accepted connection of a UnixHttpServer (internal to lib/server).
//
// Owned by shared_ptr: the EventLoop's registration holds one, and whoever serves it (a
// loop worker in Ready/Expired, or a WorkerPool thread flushing answers to a client that
// reads slowly) holds another for the call. Exactly one thread serves it at a time
// (EPOLLONESHOT claim, or the hand-off to the pool); that thread ends its turn by arming
// it in the loop again or by Close(), and touches nothing of it afterwards.
//
// A request is parsed from the connection's buffer as bytes arrive; a request whose body
// is still on its way waits in the loop (with the io and request deadlines), not on a
// thread. Requests under a streaming or pooled prefix run on the same worker inside an
// EventLoop::BlockingScope (the loop keeps another worker free for everything else),
// reading their body and writing their answer with blocking (poll-bounded) I/O.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/connection_context.h"
#include "server/event_loop.h"
#include "server/http_message.h"
#include "server/http_parser.h"
#include "server/unique_fd.h"

namespace notme::server {

class UnixHttpServer;

class HttpConnection final : public EventLoop::Watcher,
                             public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(UnixHttpServer& server, EventLoop& loop, UniqueFd fd, PeerInfo peer);
  ~HttpConnection() override;

  int fd() const { return fd_.get(); }
  uint64_t id() const { return id_; }
  // Closes the socket (the server, when it forgets the connection).
  void CloseFd() { fd_ = UniqueFd(); }
  // Starts serving once registered in the loop as `id`.
  void Begin(uint64_t id);

  void Ready(uint32_t events) override;
  void Expired() override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    Request req;
    BodyFraming framing;
    bool expect_continue = false;
  };
  // kDrained: bytes came and the socket had no more (a short read).
  enum class ReadResult { kData, kDrained, kAgain, kClosed };

  // Parses and serves what is buffered until it needs more bytes (then arms itself),
  // hands a slow reader's answers to the pool, or closes.
  void Process();
  // The request of a parsed head with its framing checked; nullptr after refusing it
  // (the connection is closed then).
  std::unique_ptr<Pending> StartRequest(RequestHead head);
  // Runs a request under a streaming or pooled prefix on this thread (in a blocking
  // scope when it is a loop worker). True when the connection stays open; false after
  // it was closed.
  bool RunStreamed(std::unique_ptr<Pending> pending);
  // Hooks, route and handler; writes the response. True when the connection stays open.
  // `body_complete` is read after the handler ran (it may read the body).
  bool Execute(Request& req, const ContentReader* reader, const bool& body_complete);
  // Reads the body of a streamed request from the buffer and the socket; see ContentReader.
  bool ReadBody(Pending& p, const ContentReceiver& receiver);

  // Writes what a loop worker could not send without blocking from a pool thread, then
  // goes on with the connection (or closes it unless `keep`).
  void FlushOnPool(bool keep);
  // One recv of up to `room` bytes appended to buf_, without waiting.
  ReadResult RecvInto(size_t room);
  // Reads what is there, in kReadChunk pieces, until buf_ holds max_buffer bytes.
  ReadResult ReadAvailable(size_t max_buffer);
  // Reads the next piece of a body: at once when bytes are there, otherwise after waiting
  // (poll) up to the io timeout and the request deadline; false on timeout, EOF or error.
  bool ReadBlocking();
  // Sends everything (waiting up to the io timeout whenever the socket is full); false when
  // the connection failed. On a loop worker outside a blocking scope it never waits: what
  // does not fit is kept in unsent_ (and later writes queue behind it) for FlushOnPool.
  bool SendAll(std::string_view a, std::string_view b = {});
  bool WriteResponse(const Request& req, Response& res, bool close);
  bool WriteStreamedBody(Response& res);
  void SendContinue(Pending& p);
  // Answers a refused request (JSON error body) and closes.
  void RefuseAndClose(int status, std::string_view error, std::string_view description);
  void SendAndClose(Response& res);
  void ArmIdle();
  void ArmPartial();
  void Close();

  UnixHttpServer& server_;
  EventLoop& loop_;
  UniqueFd fd_;
  ConnectionContext ctx_;
  uint64_t id_ = 0;
  std::string buf_;
  std::string unsent_;
  std::unique_ptr<Pending> pending_;
  size_t served_ = 0;
  bool in_request_ = false;  // bytes of a request have arrived
  Clock::time_point request_start_{};
};

}  // namespace notme::server
