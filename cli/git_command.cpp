#include "cli/git_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/child_process.h"
#include "cli/cli11.h"
#include "cli/cli_context.h"
#include "cli/output.h"

namespace notme::cli {
namespace {

constexpr std::string_view kAllowedSignersFile = "allowed_signers";
constexpr std::string_view kCaPublicKeyFile = "ssh-ca.pub";
constexpr std::string_view kSigningConfigFile = "ssh-signing.json";
constexpr auto kGitTimeout = std::chrono::seconds(10);

struct SetupOptions {
  bool global = false;
  bool local = false;
  std::string email;
  bool sign_commits = false;
};

// Where git configuration goes: --local writes the repository's, the default --global.
std::string GitScope(const SetupOptions& o) { return o.local ? "--local" : "--global"; }

Result<void> Git(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  NOTME_TRY(auto r, RunCapture(argv, kGitTimeout));
  if (r.status != 0) {
    std::string joined;
    for (const auto& a : argv) joined += (joined.empty() ? "" : " ") + a;
    return Fail(ErrorCode::kIo, "`" + joined + "` failed (exit " + std::to_string(r.status) + ")");
  }
  return Ok();
}

std::string GitGet(const std::string& scope, const std::string& key) {
  auto r = RunCapture({"git", "config", scope, "--get", key}, kGitTimeout);
  if (!r || r->status != 0) return {};
  std::string v = r->output;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

// Principals go into allowed-signers lines: the same characters notmed accepts.
bool IsSafeEmail(std::string_view e) {
  if (e.empty() || e.size() > 256) return false;
  for (char c : e) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ',' || c == '"' || c == '\'' || c == '*' || c == '?' ||
        c == '!') {
      return false;
    }
  }
  return true;
}

// Replaces `path` with `content` (write to a temp file in the same dir, fsync, rename).
Result<void> WriteFileAtomic(const std::filesystem::path& path, const std::string& content,
                             mode_t mode) {
  std::string tmp = path.string() + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot write " + tmp);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Fail(ErrorCode::kIo, "cannot write " + path.string());
  }
  return Ok();
}

std::string ReadText(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0 && out.size() < (1u << 20)) {
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// The CA's "ssh-ed25519 AAAA... notme-ca" line from the daemon.
Result<std::string> FetchCaPublicKey(CliContext& ctx) {
  NOTME_TRY(auto* client, ctx.Client());
  NOTME_TRY(auto ca, client->Call("GET", "/v1/ssh/ca"));
  auto it = ca.find("public_key");
  if (!ca.is_object() || it == ca.end() || !it->is_string() ||
      !it->get<std::string>().starts_with("ssh-ed25519 ")) {
    return Fail(ErrorCode::kMalformed, "notmed answered /v1/ssh/ca without an ssh-ed25519 key");
  }
  return it->get<std::string>();
}

std::string AllowedSignersLine(const std::string& email, const std::string& ca_key) {
  return email + " cert-authority,namespaces=\"git\" " + ca_key;
}

// The allowed-signers file with our line added (lines naming the same CA and email are
// replaced; everything else the user wrote is kept).
std::string MergeAllowedSigners(const std::string& existing, const std::string& email,
                                const std::string& ca_key, const std::string& line) {
  std::istringstream in(existing);
  std::string out;
  std::string blob = ca_key.substr(0, ca_key.rfind(' '));
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with(email + " ") && l.find(blob) != std::string::npos) continue;
    out += l + "\n";
  }
  return out + line + "\n";
}

int RunSetup(CliContext& ctx, const SetupOptions& o) {
  if (o.global && o.local) return ctx.Usage("git setup", "--global and --local exclude each other");
  const std::string scope = GitScope(o);
  std::string email = o.email.empty() ? GitGet(scope, "user.email") : o.email;
  if (email.empty()) email = GitGet("--global", "user.email");
  if (email.empty()) {
    return ctx.Usage("git setup", "no email: pass --email you@example.com or set git's user.email");
  }
  if (!IsSafeEmail(email)) {
    return ctx.Usage("git setup", "the email must not contain spaces, commas, quotes or wildcards");
  }
  auto paths = ctx.ResolvedPaths();
  if (!paths) return ctx.Fail(paths.error());
  if (auto r = EnsurePrivateDir(paths->config_dir, ::getuid()); !r) return ctx.Fail(r.error());

  // Tell notmed which principal its certificates name (read on every signature).
  nlohmann::json signing = {{"email", email}};
  auto old = nlohmann::json::parse(ReadText(paths->config_dir / kSigningConfigFile), nullptr,
                                   /*allow_exceptions=*/false);
  if (!old.is_discarded() && old.is_object() && old.contains("namespaces")) {
    signing["namespaces"] = old["namespaces"];
  }
  if (auto r = WriteFileAtomic(paths->config_dir / kSigningConfigFile, signing.dump(2) + "\n", 0600);
      !r) {
    return ctx.Fail(r.error());
  }

  auto ca_key = FetchCaPublicKey(ctx);
  if (!ca_key) return ctx.Fail(ca_key.error());
  const std::string line = AllowedSignersLine(email, *ca_key);
  const auto allowed = paths->config_dir / kAllowedSignersFile;
  const auto ca_pub = paths->config_dir / kCaPublicKeyFile;
  std::string merged = MergeAllowedSigners(ReadText(allowed), email, *ca_key, line);
  if (auto r = WriteFileAtomic(allowed, merged, 0644); !r) return ctx.Fail(r.error());
  if (auto r = WriteFileAtomic(ca_pub, *ca_key + "\n", 0644); !r) return ctx.Fail(r.error());

  std::string program = FindHelperProgram("notme-ssh-sign");
  if (program.empty()) {
    return ctx.Fail(Error(ErrorCode::kNotFound, "notme-ssh-sign not found next to notme or on PATH"));
  }
  std::vector<std::pair<std::string, std::string>> settings = {
      {"gpg.format", "ssh"},
      {"gpg.ssh.program", program},
      {"user.signingkey", ca_pub.string()},
      {"gpg.ssh.allowedSignersFile", allowed.string()},
  };
  if (o.sign_commits) settings.push_back({"commit.gpgsign", "true"});
  for (const auto& [key, value] : settings) {
    if (auto r = Git({"config", scope, key, value}); !r) return ctx.Fail(r.error());
  }
  if (ctx.json) {
    nlohmann::json j = {{"email", email}, {"allowed_signers_file", allowed.string()},
                        {"allowed_signers", line}, {"scope", scope.substr(2)}};
    for (const auto& [key, value] : settings) j["git_config"][key] = value;
    return ctx.PrintJson(j);
  }
  std::cout << "git " << scope.substr(2) << " config now signs with notme (principal " << email
            << "):\n";
  for (const auto& [key, value] : settings) std::cout << "  " << key << " = " << value << "\n";
  std::cout << "Trust line (give it to teammates and CI; `notme git allowed-signers` prints it):\n  "
            << line << "\n";
  return 0;
}

int RunAllowedSigners(CliContext& ctx, const std::string& email_flag) {
  auto ca_key = FetchCaPublicKey(ctx);
  if (!ca_key) return ctx.Fail(ca_key.error());
  std::string email = email_flag;
  if (email.empty()) {
    auto* client = *ctx.Client();
    auto ca = client->Call("GET", "/v1/ssh/ca");
    if (ca && ca->is_object() && ca->contains("principal") && (*ca)["principal"].is_string()) {
      email = (*ca)["principal"].get<std::string>();
    }
  }
  if (!IsSafeEmail(email)) return ctx.Usage("git allowed-signers", "pass a valid --email");
  const std::string line = AllowedSignersLine(email, *ca_key);
  if (ctx.json) {
    return ctx.PrintJson({{"allowed_signers", line}, {"principal", email}, {"public_key", *ca_key}});
  }
  std::cout << line << "\n";
  return 0;
}

}  // namespace

void RegisterGitCommands(CLI::App& app, CliContext& ctx) {
  auto* git = app.add_subcommand("git", "Sign git commits as agents with short-lived SSH certificates");
  git->require_subcommand(1);

  auto opts = std::make_shared<SetupOptions>();
  auto* setup = git->add_subcommand(
      "setup", "Configure git to sign through notme-ssh-sign and trust the notme SSH CA");
  setup->add_flag("--global", opts->global, "Write the user's git config (default)");
  setup->add_flag("--local", opts->local, "Write this repository's git config");
  setup->add_option("--email", opts->email,
                    "The principal certificates name (default: git's user.email)");
  setup->add_flag("--sign-commits", opts->sign_commits, "Also set commit.gpgsign=true");
  AddJsonFlag(setup, ctx);
  setup->footer(
      "Writes ~/.config/notme/allowed_signers with\n"
      "  EMAIL cert-authority,namespaces=\"git\" ssh-ed25519 AAAA... notme-ca\n"
      "and sets gpg.format=ssh, gpg.ssh.program, user.signingkey and\n"
      "gpg.ssh.allowedSignersFile. Examples:\n"
      "  notme git setup --email me@example.com --sign-commits\n"
      "  notme git setup --local\n");
  setup->callback([&ctx, opts] { ctx.exit_code = RunSetup(ctx, *opts); });

  auto email = std::make_shared<std::string>();
  auto* signers = git->add_subcommand(
      "allowed-signers", "Print the allowed-signers line that trusts this notme's SSH CA");
  signers->add_option("--email", *email, "Principal to print (default: notmed's configured email)");
  AddJsonFlag(signers, ctx);
  signers->footer(
      "Examples:\n"
      "  notme git allowed-signers >> .github/allowed_signers\n"
      "  git config gpg.ssh.allowedSignersFile .github/allowed_signers\n");
  signers->callback([&ctx, email] { ctx.exit_code = RunAllowedSigners(ctx, *email); });
}

}  // namespace notme::cli
