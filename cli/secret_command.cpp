#include "cli/secret_command.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/cli11.h"
#include "cli/json_fields.h"
#include "cli/output.h"

namespace notme::cli {
namespace {

constexpr size_t kMaxSecretBytes = 64 * 1024;

bool IsValidSecretName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

// Turns terminal echo off for its lifetime when stdin is a TTY.
class NoEcho {
 public:
  NoEcho() {
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  ~NoEcho() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  bool active() const { return active_; }

 private:
  termios saved_{};
  bool active_ = false;
};

// Reads the value: on a TTY one line (prompted, not echoed); from a pipe everything, with
// one trailing newline removed (`echo $X | notme secret set`). The buffer is wiped by the
// caller.
Result<std::string> ReadValue(const std::string& name) {
  std::string value;
  bool tty = isatty(STDIN_FILENO);
  if (tty) {
    NoEcho no_echo;  // before the prompt: TCSAFLUSH must not drop what is typed after it
    std::cerr << "Value for secret " << name << " (input hidden): " << std::flush;
    char c;
    while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
      value.push_back(c);
      if (value.size() > kMaxSecretBytes) break;
    }
    std::cerr << "\n";
  } else {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0) {
      value.append(buf, static_cast<size_t>(n));
      if (value.size() > kMaxSecretBytes) break;
    }
    sodium_memzero(buf, sizeof buf);
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
  }
  if (value.size() > kMaxSecretBytes) {
    sodium_memzero(value.data(), value.size());
    return Fail(ErrorCode::kTooLarge, "the value is larger than 64 KiB");
  }
  if (value.empty()) return Fail(ErrorCode::kInvalidArgument, "empty value: give the secret on stdin");
  return value;
}

int RunSet(CliContext& ctx, const std::string& name) {
  if (!IsValidSecretName(name)) {
    return ctx.Usage("secret set", "invalid secret name: use [A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  }
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto value = ReadValue(name);
  if (!value) return ctx.Fail(value.error());
  auto r = (*client)->Send("PUT", "/v1/secrets/" + name, *value, "application/octet-stream");
  sodium_memzero(value->data(), value->size());
  if (!r) return ctx.Fail(r.error());
  if (r->status != 204) {
    return ctx.Fail(client::DecodeErrorResponse(r->status, r->body));
  }
  if (ctx.json) return ctx.PrintJson({{"stored", name}});
  std::cout << "Stored secret " << name << " in the keyring.\n";
  return 0;
}

int RunList(CliContext& ctx) {
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto list = (*client)->Call("GET", "/v1/secrets");
  if (!list) return ctx.Fail(list.error());
  if (ctx.json) return ctx.PrintJson(*list);
  std::vector<std::vector<std::string>> rows;
  if (auto it = list->find("secrets"); it != list->end() && it->is_array()) {
    for (const auto& s : *it) rows.push_back({Str(s, "name"), TimeStr(s, "created_at"), TimeStr(s, "modified_at")});
  }
  if (rows.empty()) {
    std::cout << "No secrets yet. Store one:  notme secret set NAME  (value on stdin)\n";
    return 0;
  }
  std::cout << FormatTable({"NAME", "CREATED", "MODIFIED"}, rows, ShouldColor(stdout, ctx.env));
  return 0;
}

int RunRemove(CliContext& ctx, const std::string& name) {
  if (!IsValidSecretName(name)) return ctx.Usage("secret rm", "invalid secret name");
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto r = (*client)->Call("DELETE", "/v1/secrets/" + name);
  if (!r) return ctx.Fail(r.error());
  if (ctx.json) return ctx.PrintJson({{"removed", name}});
  std::cout << "Removed secret " << name << ".\n";
  return 0;
}

}  // namespace

void RegisterSecretCommands(CLI::App& app, CliContext& ctx) {
  auto* secret = app.add_subcommand("secret", "Store upstream secrets in the OS keyring");
  secret->require_subcommand(1);
  secret->footer(
      "Examples:\n"
      "  notme secret set github          # prompts, input hidden\n"
      "  pass show gh | notme secret set github\n"
      "  notme secret list\n"
      "  notme secret rm github\n");

  auto set_name = std::make_shared<std::string>();
  auto* set = secret->add_subcommand("set", "Store a secret; the value is read from stdin only");
  set->add_option("NAME", *set_name, "Secret name: [A-Za-z0-9][A-Za-z0-9._-]")->required();
  AddJsonFlag(set, ctx);
  set->callback([&ctx, set_name] { ctx.exit_code = RunSet(ctx, *set_name); });

  auto* list = secret->add_subcommand("list", "List secret names and dates (never values)");
  AddJsonFlag(list, ctx);
  list->callback([&ctx] { ctx.exit_code = RunList(ctx); });

  auto rm_name = std::make_shared<std::string>();
  auto* rm = secret->add_subcommand("rm", "Remove a secret from the keyring");
  rm->add_option("NAME", *rm_name, "Secret name")->required();
  AddJsonFlag(rm, ctx);
  rm->callback([&ctx, rm_name] { ctx.exit_code = RunRemove(ctx, *rm_name); });
}

}  // namespace notme::cli
