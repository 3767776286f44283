#include "server/connection_context.h"

namespace notme::server {
namespace {
thread_local const ConnectionContext* g_current = nullptr;
}  // namespace

std::string SocketIdentity::Describe() const {
  switch (kind) {
    case Kind::kControl: return "control";
    case Kind::kAgent: return "agent:" + agent;
    case Kind::kLoopback: return "loopback";
  }
  return "?";
}

const ConnectionContext* CurrentConnection() { return g_current; }

ConnectionScope::ConnectionScope(const ConnectionContext* ctx) : previous_(g_current) {
  g_current = ctx;
}
ConnectionScope::~ConnectionScope() { g_current = previous_; }

}  // namespace notme::server
