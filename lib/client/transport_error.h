#pragma once
// What a failed httplib exchange with notmed means, in words a user can act on. Shared by
// the client library and by `notme mcp`, which drives httplib itself to stream answers.

#include <filesystem>

#include <httplib.h>

#include "notme/result.h"

namespace notme::client {

Error TransportError(const std::filesystem::path& socket, httplib::Error e);

}  // namespace notme::client
