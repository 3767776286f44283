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
#include "cli/json_fields.h"
#include "cli/output.h"
#include "cli/run_env.h"
#include "notme/paths.h"

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
  std::string route;  // --route: send HTTPS git for the route's upstream through the proxy
  bool unset = false;
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

// `git config --unset-all`: exit 5 means the key was not set, which is what we want.
Result<void> GitUnsetAll(const std::string& scope, const std::string& key) {
  NOTME_TRY(auto r, RunCapture({"git", "config", scope, "--unset-all", key}, kGitTimeout));
  if (r.status != 0 && r.status != 5) {
    return Fail(ErrorCode::kIo, "`git config " + scope + " --unset-all " + key + "` failed (exit " +
                                    std::to_string(r.status) + ")");
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

// What `git setup --route` writes, for one route.
struct RouteGitConfig {
  std::string proxy_url;  // http://<--proxy-listen>
  std::string prefix;     // <proxy_url>/r/<route>/
  std::string upstream;   // the route's upstream base, ending in "/"
  std::string scope;      // the scope agents need for the route
};

// The loopback listener's URL from /v1/status, and the route's upstream from /v1/routes.
Result<RouteGitConfig> LookUpRoute(CliContext& ctx, const std::string& name) {
  NOTME_TRY(auto* client, ctx.Client());
  NOTME_TRY(auto list, client->Call("GET", "/v1/routes"));
  const nlohmann::json* route = nullptr;
  if (auto it = list.find("routes"); it != list.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (r.is_object() && Str(r, "name") == name) route = &r;
    }
  }
  if (route == nullptr) {
    return Fail(ErrorCode::kNotFound,
                "no route named " + Printable(name) +
                    " (`notme route list` shows them; add one with "
                    "`notme route add " +
                    Printable(name) + " --upstream https://HOST --secret S --basic-user USER`)");
  }
  NOTME_TRY(auto status, client->Call("GET", "/v1/status"));
  auto url = status.find("proxy_url");
  if (!status.is_object() || url == status.end() || !url->is_string() ||
      !url->get<std::string>().starts_with("http://")) {
    return Fail(ErrorCode::kUnavailable,
                "notmed has no loopback proxy listener, and git cannot use a Unix socket: restart "
                "it with `notmed --proxy-listen 127.0.0.1:PORT` (a systemd drop-in: "
                "docs/packaging.md), then run this again");
  }
  RouteGitConfig out;
  out.proxy_url = url->get<std::string>();
  out.prefix = out.proxy_url + "/r/" + name + "/";
  out.upstream = Str(*route, "upstream");
  while (out.upstream.ends_with('/')) out.upstream.pop_back();
  out.upstream += "/";
  out.scope = Str(*route, "scope");
  if (out.upstream == "/")
    return Fail(ErrorCode::kMalformed, "notmed listed the route without an upstream");
  return out;
}

// The keys, in the order written: the rewrite, then the helper list for the proxy URL
// reset ("" drops helpers configured for every URL, so none of them stores the token)
// followed by git-credential-notme, and useHttpPath so the helper sees /r/<route>/.
std::vector<std::pair<std::string, std::string>> RouteSettings(const RouteGitConfig& c,
                                                               const std::string& helper) {
  return {{"url." + c.prefix + ".insteadOf", c.upstream},
          {"credential." + c.proxy_url + ".helper", ""},
          {"credential." + c.proxy_url + ".helper", helper},
          {"credential." + c.proxy_url + ".useHttpPath", "true"}};
}

int RunSetupRoute(CliContext& ctx, const SetupOptions& o) {
  if (!o.email.empty() || o.sign_commits) {
    return ctx.Usage("git setup",
                     "--route configures the proxy only; run --email/--sign-commits separately");
  }
  if (!IsValidAgentName(o.route)) return ctx.Usage("git setup", "invalid route name");
  auto route = LookUpRoute(ctx, o.route);
  if (!route) return ctx.Fail(route.error());
  const std::string scope = GitScope(o);
  std::string program = FindHelperProgram("git-credential-notme");
  if (program.empty() && !o.unset) {
    return ctx.Fail(
        Error(ErrorCode::kNotFound, "git-credential-notme not found next to notme or on PATH"));
  }
  auto settings = RouteSettings(*route, ShellQuote(program));
  // Clearing every key first makes this idempotent and lets --route re-point a changed upstream.
  for (const auto& [key, value] : settings) {
    if (auto r = GitUnsetAll(scope, key); !r) return ctx.Fail(r.error());
  }
  if (!o.unset) {
    for (const auto& [key, value] : settings) {
      if (auto r = Git({"config", scope, "--add", key, value}); !r) return ctx.Fail(r.error());
    }
  }
  if (ctx.json) {
    nlohmann::json j = {{"route", o.route},
                        {"scope", scope.substr(2)},
                        {"proxy_url", route->proxy_url},
                        {"upstream", route->upstream},
                        {"unset", o.unset}};
    j["git_config"] = nlohmann::json::array();
    for (const auto& [key, value] : settings)
      j["git_config"].push_back({{"key", key}, {"value", value}});
    return ctx.PrintJson(j);
  }
  if (o.unset) {
    std::cout << "git " << scope.substr(2) << " config no longer sends " << route->upstream
              << " through notme's proxy.\n";
    return 0;
  }
  std::cout << "git " << scope.substr(2) << " config now sends " << route->upstream << " through "
            << route->prefix << ":\n";
  for (const auto& [key, value] : settings) std::cout << "  " << key << " = " << value << "\n";
  std::cout << "Agents with scope " << route->scope << " can now clone, fetch and push, e.g.\n"
            << "  notme run --agent NAME -- git clone " << route->upstream << "OWNER/REPO.git\n";
  return 0;
}

int RunSetup(CliContext& ctx, const SetupOptions& o) {
  if (o.global && o.local) return ctx.Usage("git setup", "--global and --local exclude each other");
  if (!o.route.empty()) return RunSetupRoute(ctx, o);
  if (o.unset) return ctx.Usage("git setup", "--unset goes with --route NAME");
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
  auto* git = app.add_subcommand(
      "git",
      "Sign git commits as agents with short-lived SSH certificates; push through the proxy");
  git->require_subcommand(1);

  auto opts = std::make_shared<SetupOptions>();
  auto* setup = git->add_subcommand(
      "setup", "Configure git to sign through notme-ssh-sign and trust the notme SSH CA");
  setup->add_flag("--global", opts->global, "Write the user's git config (default)");
  setup->add_flag("--local", opts->local, "Write this repository's git config");
  setup->add_option("--email", opts->email,
                    "The principal certificates name (default: git's user.email)");
  setup->add_flag("--sign-commits", opts->sign_commits, "Also set commit.gpgsign=true");
  setup->add_option("--route", opts->route,
                    "Instead: send HTTPS git for this route's upstream through notme's proxy");
  setup->add_flag("--unset", opts->unset, "With --route: remove what --route wrote");
  AddJsonFlag(setup, ctx);
  setup->footer(
      "Writes ~/.config/notme/allowed_signers with\n"
      "  EMAIL cert-authority,namespaces=\"git\" ssh-ed25519 AAAA... notme-ca\n"
      "and sets gpg.format=ssh, gpg.ssh.program, user.signingkey and\n"
      "gpg.ssh.allowedSignersFile.\n"
      "With --route NAME it instead sets url.<proxy>/r/NAME/.insteadOf <upstream>/ and, for\n"
      "<proxy> (notmed --proxy-listen), credential.helper=git-credential-notme and\n"
      "credential.useHttpPath=true, so agents' clone/fetch/push use short-lived tokens.\n"
      "Examples:\n"
      "  notme git setup --email me@example.com --sign-commits\n"
      "  notme git setup --local\n"
      "  notme git setup --route github\n"
      "  notme git setup --route github --unset\n");
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
