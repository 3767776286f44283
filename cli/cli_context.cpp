#include "cli/cli_context.h"

#include <unistd.h>

#include "cli/cli11.h"
#include <iostream>

#include "notme/client_socket.h"

namespace notme::cli {

Result<std::filesystem::path> CliContext::Socket() const {
  if (!socket_override.empty()) {
    std::filesystem::path p(socket_override);
    if (!p.is_absolute()) p = std::filesystem::absolute(p);
    return p;
  }
  return client::ResolveClientSocket(env, ::getuid());
}

bool CliContext::UsingAgentSocket() const {
  auto socket = Socket();
  auto paths = ResolvedPaths();
  if (!socket || !paths) return false;
  return socket->parent_path() == paths->agents_dir;
}

Result<Paths> CliContext::ResolvedPaths() const { return ResolvePaths(env, ::getuid()); }

Result<client::Client*> CliContext::Client() {
  if (!client) {
    NOTME_TRY(std::filesystem::path socket, Socket());
    NOTME_TRY(client::Client c, client::Client::Create(client::ClientOptions{.socket = socket}));
    client.emplace(std::move(c));
  }
  return &*client;
}

int CliContext::Fail(const Error& e) const {
  std::string text = client::DescribeError(e);
  if (e.code() == ErrorCode::kPermissionDenied && UsingAgentSocket()) {
    text += "\n(NOTME_SOCKET points at an agent socket; management needs the control socket: "
            "unset NOTME_SOCKET)";
  }
  std::fprintf(stderr, "notme: %s\n", text.c_str());
  return client::ExitStatus(client::ExitCodeFor(e));
}

int CliContext::Usage(std::string_view command, std::string_view message) const {
  std::fprintf(stderr, "notme: %.*s\nRun 'notme %.*s --help' for usage.\n",
               static_cast<int>(message.size()), message.data(),
               static_cast<int>(command.size()), command.data());
  return client::ExitStatus(client::ExitCode::kUsage);
}

int CliContext::PrintJson(const nlohmann::json& j) const {
  std::cout << j.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace)
            << '\n';
  std::cout.flush();
  return 0;
}

void AddJsonFlag(CLI::App* command, CliContext& ctx) {
  command->add_flag("--json", ctx.json, "Print machine-readable JSON on stdout");
}

}  // namespace notme::cli
