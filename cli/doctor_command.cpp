#include "cli/doctor_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli11.h"
#include <ctime>
#include <iostream>

#include "cli/child_process.h"
#include "cli/json_fields.h"
#include "cli/output.h"
#include "notme/client_socket.h"
#include "notme/version.h"

namespace notme::cli {
namespace {

enum class Level { kOk, kInfo, kWarn, kFail };

struct Check {
  std::string name;
  Level level;
  std::string detail;
  std::string fix;  // empty when nothing to do
};

const char* LevelName(Level l) {
  switch (l) {
    case Level::kOk: return "ok";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kFail: return "fail";
  }
  return "fail";
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// `git config --global --get KEY`, or "" when unset or git is missing.
std::string GitGlobal(const std::string& key) {
  auto r = RunCapture({"git", "config", "--global", "--get", key}, std::chrono::seconds(5));
  return r && r->status == 0 ? Trim(r->output) : std::string();
}

void CheckGit(client::Client* c, std::vector<Check>& out) {
  if (FindHelperProgram("git").empty()) {
    out.push_back({"git", Level::kInfo, "git is not installed; commit signing checks skipped", ""});
    return;
  }
  if (FindHelperProgram("notme-ssh-sign").empty()) {
    out.push_back({"git signing shim", Level::kFail, "notme-ssh-sign not found",
                   "reinstall notme (the shim ships next to the notme binary)"});
  } else {
    out.push_back({"git signing shim", Level::kOk, FindHelperProgram("notme-ssh-sign"), ""});
  }
  std::string file = GitGlobal("gpg.ssh.allowedSignersFile");
  const std::string fix =
      "notme git setup   (or: notme git allowed-signers > ~/.config/git/allowed_signers && "
      "git config --global gpg.ssh.allowedSignersFile ~/.config/git/allowed_signers)";
  if (file.empty()) {
    out.push_back({"git allowedSignersFile", Level::kWarn,
                   "gpg.ssh.allowedSignersFile is not set: git cannot verify agents' signatures",
                   fix});
    return;
  }
  if (file.starts_with("~/")) {
    if (const char* home = std::getenv("HOME")) file = std::string(home) + file.substr(1);
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    out.push_back({"git allowedSignersFile", Level::kFail, file + " does not exist", fix});
    return;
  }
  if (c == nullptr) {
    out.push_back({"git allowedSignersFile", Level::kOk, file, ""});
    return;
  }
  auto ca = c->Call("GET", "/v1/ssh/ca");
  std::string key = ca ? Str(*ca, "public_key") : std::string();
  // "ssh-ed25519 AAAA... comment": the base64 blob identifies the CA.
  std::string blob = key.substr(key.find(' ') == std::string::npos ? 0 : key.find(' ') + 1);
  blob = blob.substr(0, blob.find(' '));
  auto grep = RunCapture({"grep", "-F", "-q", "-e", blob.empty() ? "ssh-" : blob, file},
                         std::chrono::seconds(5));
  if (!blob.empty() && grep && grep->status != 0) {
    out.push_back({"git allowedSignersFile", Level::kWarn,
                   file + " does not list notme's SSH CA", fix});
  } else {
    out.push_back({"git allowedSignersFile", Level::kOk, file, ""});
  }
}

void CheckService(std::vector<Check>& out) {
#ifdef __APPLE__
  auto r = RunCapture({"launchctl", "list", "dev.notme.notmed"}, std::chrono::seconds(5));
  if (r && r->status == 0) {
    out.push_back({"launchd agent", Level::kOk, "dev.notme.notmed is loaded", ""});
  } else {
    out.push_back({"launchd agent", Level::kWarn, "dev.notme.notmed is not loaded",
                   "launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/dev.notme.notmed.plist"});
  }
#else
  if (FindHelperProgram("systemctl").empty()) {
    out.push_back({"systemd unit", Level::kInfo, "systemctl not found; start notmed yourself", ""});
    return;
  }
  auto enabled = RunCapture({"systemctl", "--user", "is-enabled", "notmed.socket"},
                            std::chrono::seconds(5));
  auto active = RunCapture({"systemctl", "--user", "is-active", "notmed.socket"},
                           std::chrono::seconds(5));
  std::string e = enabled ? Trim(enabled->output) : "unknown";
  std::string a = active ? Trim(active->output) : "unknown";
  if (e.empty()) e = "unknown";
  if (a.empty()) a = "unknown";
  Level level = (e == "enabled" && a == "active") ? Level::kOk : Level::kWarn;
  out.push_back({"systemd unit", level, "notmed.socket is " + e + ", " + a,
                 level == Level::kOk ? "" : "systemctl --user enable --now notmed.socket"});
#endif
}

// How a registration is made again: its URL, agent and method (and the loopback allowance
// it was made with) — the fix for anything the service will not undo.
std::string ReregisterFix(const nlohmann::json& r) {
  const std::string name = Str(r, "name");
  std::string fix = "notme registration rm " + name + " && notme register " + Str(r, "url") + " --agent " +
                    Str(r, "agent") + " --name " + name;
  const std::string method = Str(r, "method");
  if (!method.empty() && method != "anonymous") fix += " --method " + method + " --email " + Str(r, "email");
  if (r.value("allow_loopback", false)) fix += " --allow-loopback";
  return fix;
}

// One check per registration (GET /v1/registrations): revoked, expired or expiring
// credentials, claims waiting for the human, unclaimed anonymous keys — each with the
// command that fixes it. `now` is Unix seconds.
Check RegistrationCheck(const nlohmann::json& r, int64_t now) {
  constexpr int64_t kSoon = 3 * 24 * 3600;
  const std::string name = Str(r, "name");
  const std::string status = Str(r, "status");
  const std::string service = Str(r, "resource_name").empty() ? Str(r, "resource") : Str(r, "resource_name");
  const std::string label = "registration " + name;
  const std::string head = service + " for " + Str(r, "agent") + ": ";
  const bool claim_pending = r.value("claim_pending", false);
  const auto claim_expires = Int(r, "claim_expires");
  const bool claim_open = claim_pending && (!claim_expires || *claim_expires > now);
  if (status == "revoked") {
    return {label, Level::kFail, head + "revoked: the service answered 401 through route " + Str(r, "route"),
            Str(r, "assertion_secret").empty() ? ReregisterFix(r)
                                               : "notme registration refresh " + name + "   (or: " +
                                                     ReregisterFix(r) + ")"};
  }
  if (status == "pending_claim") {
    if (claim_open) {
      return {label, Level::kWarn,
              head + "unclaimed: no credential until you enter the code the service emailed to " + Str(r, "email"),
              "notme claim " + name + " --otp"};
    }
    return {label, Level::kFail,
            head + "unclaimed, and the claim can no longer be finished (" +
                (claim_pending ? "its window closed" : "notmed restarted and dropped the claim token") + ")",
            ReregisterFix(r)};
  }
  const bool refreshable = !Str(r, "assertion_secret").empty();
  const auto credential_expires = Int(r, "credential_expires");
  const auto assertion_expires = Int(r, "assertion_expires");
  if (refreshable && assertion_expires) {
    // The access token is renewed from the assertion; only the assertion's end matters.
    if (*assertion_expires <= now) {
      return {label, Level::kFail, head + "expired: its identity assertion ended " + TimeStr(r, "assertion_expires"),
              ReregisterFix(r)};
    }
    if (*assertion_expires - now < kSoon) {
      return {label, Level::kWarn,
              head + "expires in " + HumanDuration(*assertion_expires - now) + " (identity assertion)",
              ReregisterFix(r)};
    }
  } else if (credential_expires && !refreshable) {
    if (*credential_expires <= now) {
      return {label, Level::kFail, head + "expired: the credential ended " + TimeStr(r, "credential_expires"),
              ReregisterFix(r)};
    }
    if (*credential_expires - now < kSoon) {
      return {label, Level::kWarn, head + "the credential expires in " + HumanDuration(*credential_expires - now),
              ReregisterFix(r)};
    }
  }
  if (status == "active" && claim_open) {
    return {label, Level::kInfo, head + "active, unclaimed (anonymous, pre-claim scopes)",
            "notme claim " + name + " --email YOU@EXAMPLE.COM   (to take ownership)"};
  }
  std::string detail = head + status + ", route " + Str(r, "route");
  if (credential_expires) detail += ", credential until " + TimeStr(r, "credential_expires");
  if (refreshable) detail += " (renewed from the identity assertion)";
  return {label, Level::kOk, detail, ""};
}

void CheckRegistrations(client::Client& c, std::vector<Check>& out) {
  auto list = c.Call("GET", "/v1/registrations");
  if (!list) {
    out.push_back({"registrations", Level::kWarn, list.error().message(),
                   "check notmed's log: registrations.json may be unreadable"});
    return;
  }
  const auto now = static_cast<int64_t>(std::time(nullptr));
  if (auto it = list->find("registrations"); it != list->end() && it->is_array()) {
    for (const auto& r : *it) {
      if (r.is_object()) out.push_back(RegistrationCheck(r, now));
    }
  }
}

std::vector<Check> RunChecks(CliContext& ctx) {
  std::vector<Check> out;
  auto paths = ctx.ResolvedPaths();
  if (!paths) {
    out.push_back({"paths", Level::kFail, paths.error().message(), "set HOME (or XDG_* dirs)"});
    return out;
  }
  if (auto env_socket = ctx.env("NOTME_SOCKET"); env_socket && !env_socket->empty()) {
    out.push_back({"NOTME_SOCKET", Level::kInfo,
                   "set to " + *env_socket + " (an agent's view); doctor checks the control socket",
                   ""});
  }
  auto dir = CheckPrivateDir(paths->runtime_dir, ::getuid());
  if (!dir) {
    bool missing = dir.error().code() == ErrorCode::kNotFound;
    out.push_back({"runtime dir", missing ? Level::kWarn : Level::kFail, dir.error().message(),
                   missing ? "start notmed (it creates the directory)"
                           : "chmod 700 " + paths->runtime_dir.string()});
  } else {
    out.push_back({"runtime dir", Level::kOk, paths->runtime_dir.string() + " (private)", ""});
  }
  client::Client* c = nullptr;
  auto sock = client::CheckSocket(paths->control_socket, ::getuid());
  if (!sock) {
    bool down = sock.error().code() == ErrorCode::kDaemonUnreachable;
    out.push_back({"control socket", Level::kFail, sock.error().message(),
                   down ? "systemctl --user start notmed.socket   (or: notmed &)"
                        : "stop notmed, remove " + paths->control_socket.string() +
                              ", start notmed"});
  } else {
    auto created = client::Client::Create({.socket = paths->control_socket});
    if (created) {
      ctx.client.emplace(std::move(*created));
      c = &*ctx.client;
    }
  }
  nlohmann::json status;
  if (c != nullptr) {
    auto s = c->Call("GET", "/v1/status");
    if (!s) {
      out.push_back({"daemon", Level::kFail, s.error().message(),
                     "systemctl --user restart notmed.socket notmed.service"});
      c = nullptr;
    } else {
      status = *s;
      std::string v = Str(status, "version");
      out.push_back({"daemon", v == kVersion ? Level::kOk : Level::kWarn,
                     "notmed " + v + " (pid " + Str(status, "pid") + ") on " +
                         paths->control_socket.string(),
                     v == kVersion ? "" : "restart notmed: it is not the version of this notme (" +
                                               std::string(kVersion) + ")"});
    }
  }
  if (c != nullptr) {
    std::string keyring = Str(status, "keyring");
    bool ephemeral = keyring.find("ephemeral") != std::string::npos;
    out.push_back({"keyring", ephemeral ? Level::kWarn : Level::kOk,
                   keyring + (ephemeral ? ": keys and secrets are lost when notmed stops" : ""),
                   ephemeral ? "run a Secret Service (gnome-keyring-daemon) in your session and "
                               "restart notmed with --keyring auto"
                             : ""});
    const auto now = static_cast<int64_t>(std::time(nullptr));
    size_t keys = 0;
    if (auto it = status.find("keys"); it != status.end() && it->is_array()) {
      for (const auto& k : *it) {
        ++keys;
        auto created = Int(k, "created_at");
        std::string age = created ? HumanDuration(now - *created) + " old" : TimeStr(k, "created_at");
        out.push_back({"signing key", Level::kOk,
                       Str(k, "kid") + " " + age + (Str(k, "retired_at").empty() ? "" : " (retired)"),
                       ""});
      }
    }
    if (keys == 0) {
      out.push_back({"signing key", Level::kFail, "notmed reports no signing key",
                     "check notmed's log (journalctl --user -u notmed)"});
    }
    auto agents = c->Call("GET", "/v1/agents");
    size_t n = 0;
    if (agents && agents->contains("agents") && (*agents)["agents"].is_array()) {
      for (const auto& a : (*agents)["agents"]) {
        ++n;
        std::string socket = Str(a, "socket");
        auto ok = client::CheckSocket(socket, ::getuid());
        out.push_back({"agent " + Str(a, "name"), ok ? Level::kOk : Level::kFail,
                       ok ? socket : ok.error().message(),
                       ok ? "" : "restart notmed (it recreates agent sockets)"});
      }
    }
    if (n == 0) {
      out.push_back({"agents", Level::kInfo, "no agents registered",
                     "notme agent add NAME --scope SCOPE"});
    }
    CheckRegistrations(*c, out);
  }
  CheckGit(c, out);
  CheckService(out);
  return out;
}

int RunDoctor(CliContext& ctx) {
  std::vector<Check> checks = RunChecks(ctx);
  bool failed = false;
  bool unreachable = false;
  for (const auto& c : checks) {
    failed = failed || c.level == Level::kFail;
    unreachable = unreachable || (c.name == "control socket" && c.level == Level::kFail &&
                                  c.detail.find("not running") != std::string::npos);
  }
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : checks) {
      nlohmann::json j = {{"name", c.name}, {"status", LevelName(c.level)}, {"detail", c.detail}};
      if (!c.fix.empty()) j["fix"] = c.fix;
      arr.push_back(j);
    }
    ctx.PrintJson({{"ok", !failed}, {"checks", arr}});
  } else {
    const bool color = ShouldColor(stdout, ctx.env);
    for (const auto& c : checks) {
      Style style = c.level == Level::kOk     ? Style::kGreen
                    : c.level == Level::kInfo ? Style::kCyan
                    : c.level == Level::kWarn ? Style::kYellow
                                              : Style::kRed;
      std::string tag = std::string("[") + LevelName(c.level) + "]";
      tag.resize(7, ' ');
      std::string name = c.name;
      if (name.size() < 24) name.resize(24, ' ');
      std::cout << Paint(tag, style, color) << name << " " << Printable(c.detail) << "\n";
      if (!c.fix.empty()) std::cout << "       " << std::string(24, ' ') << " fix: " << Printable(c.fix) << "\n";
    }
    std::cout << (failed ? "\nSome checks failed; each shows its fix.\n" : "\nAll essential checks passed.\n");
  }
  if (unreachable) return client::ExitStatus(client::ExitCode::kDaemonUnreachable);
  return failed ? 1 : 0;
}

}  // namespace

void RegisterDoctorCommands(CLI::App& app, CliContext& ctx) {
  auto* doctor = app.add_subcommand("doctor", "Check the installation; print a fix for each problem");
  AddJsonFlag(doctor, ctx);
  doctor->footer(
      "Checks: runtime dir and socket permissions, the daemon and its version, the keyring\n"
      "backend, signing keys and their ages, agents and their sockets, agentic registrations\n"
      "(revoked, expired or expiring credentials, unclaimed registrations), git signing\n"
      "config (allowedSignersFile), and the systemd/launchd unit.\n"
      "Exit status: 0 all essential checks pass, 1 a check failed, 3 notmed not reachable.\n\n"
      "Examples:\n"
      "  notme doctor\n"
      "  notme doctor --json | jq '.checks[] | select(.status != \"ok\")'\n");
  doctor->callback([&ctx] { ctx.exit_code = RunDoctor(ctx); });
}

}  // namespace notme::cli
