#pragma once
// The facts about the connection a request arrived on, established by the server from
// the kernel (SO_PEERCRED) and from which listening socket accepted it — never from a
// request header. Handlers read them with CurrentConnection().
//
// The server sets the context on the worker thread for the whole life of a connection
// (ConnectionScope); handlers run on that same thread, so a thread_local is exact.

#include <string>

#include "server/peer.h"

namespace notme::server {

// Which socket a connection came in on.
struct SocketIdentity {
  enum class Kind {
    kControl,   // <runtime>/control.sock: the human; everything, including management
    kAgent,     // <runtime>/agents/<agent>.sock: the connection *is* that agent
    kLoopback,  // the optional --proxy-listen TCP listener: callers prove themselves by token
  };
  Kind kind = Kind::kControl;
  std::string agent;  // set only for kAgent

  static SocketIdentity Control() { return {Kind::kControl, {}}; }
  static SocketIdentity Agent(std::string name) { return {Kind::kAgent, std::move(name)}; }
  static SocketIdentity Loopback() { return {Kind::kLoopback, {}}; }
  bool is_control() const { return kind == Kind::kControl; }
  bool is_agent() const { return kind == Kind::kAgent; }
  // "control", "agent:NAME", "loopback" (logs and audit).
  std::string Describe() const;
};

struct ConnectionContext {
  SocketIdentity socket;
  PeerInfo peer;  // for kLoopback only pid 0 / uid of nobody known; exe "?"
};

// The context of the connection being served on this thread; nullptr outside a request
// (handlers must treat nullptr as "refuse").
const ConnectionContext* CurrentConnection();

// Sets CurrentConnection() for its lifetime on this thread. Not copyable.
class ConnectionScope {
 public:
  explicit ConnectionScope(const ConnectionContext* ctx);
  ~ConnectionScope();
  ConnectionScope(const ConnectionScope&) = delete;
  ConnectionScope& operator=(const ConnectionScope&) = delete;

 private:
  const ConnectionContext* previous_;
};

}  // namespace notme::server
