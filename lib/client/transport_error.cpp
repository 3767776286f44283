#include "client/transport_error.h"

#include <string>

namespace notme::client {

Error TransportError(const std::filesystem::path& socket, httplib::Error e) {
  const std::string where = socket.string();
  switch (e) {
    case httplib::Error::Connection:
      return Error(ErrorCode::kDaemonUnreachable,
                   "notmed is not answering on " + where + " (connection refused)");
    case httplib::Error::ConnectionTimeout:
      return Error(ErrorCode::kDaemonUnreachable,
                   "notmed did not accept a connection on " + where + " in time");
    case httplib::Error::Read:
      return Error(ErrorCode::kTimeout, "notmed did not answer on " + where + " in time");
    case httplib::Error::Write:
      return Error(ErrorCode::kIo,
                   "notmed closed the connection before reading the request "
                   "(a refusal; `notme audit` shows why)");
    case httplib::Error::Canceled:
      return Error(ErrorCode::kIo, "the exchange with notmed was cancelled");
    default:
      return Error(ErrorCode::kIo, "talking to notmed on " + where + ": " + httplib::to_string(e));
  }
}

}  // namespace notme::client
