#include "daemon/options.h"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <string>

#include <CLI/CLI.hpp>

#include "notme/version.h"
#include "server/tcp_listener.h"

namespace notme::daemon {

std::string DefaultHuman(uid_t uid) {
  std::string login;
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* result = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr &&
      result->pw_name != nullptr) {
    login = result->pw_name;
  }
  if (login.empty()) login = "uid" + std::to_string(uid);
  std::array<char, 256> host{};
  std::string hostname = "localhost";
  if (::gethostname(host.data(), host.size() - 1) == 0 && host[0] != '\0') {
    hostname = host.data();
  }
  return login + "@" + hostname;
}

Result<std::string> NormalizeIssuer(std::string_view issuer) {
  std::string s(issuer);
  while (!s.empty() && s.back() == '/') s.pop_back();
  const bool https = s.rfind("https://", 0) == 0;
  const bool http = s.rfind("http://", 0) == 0;
  if (!http && !https) return Fail(ErrorCode::kInvalidArgument, "--issuer must be an http(s) URL");
  const size_t host_start = https ? 8 : 7;
  if (s.size() <= host_start || s[host_start] == '/' || s[host_start] == ':') {
    return Fail(ErrorCode::kInvalidArgument, "--issuer needs a host");
  }
  for (char c : s) {
    if (c == '?' || c == '#' || c == '@' || static_cast<unsigned char>(c) <= 0x20 ||
        static_cast<unsigned char>(c) >= 0x7f) {
      return Fail(ErrorCode::kInvalidArgument,
                  "--issuer must not contain a query, fragment, userinfo or spaces");
    }
  }
  return s;
}

ParsedCommandLine ParseCommandLine(int argc, const char* const* argv, const EnvLookup& env,
                                   uid_t uid) {
  ParsedCommandLine out;
  auto usage_error = [&](const std::string& msg) {
    out.action = ParsedCommandLine::Action::kExit;
    out.exit_code = 2;
    out.output = "notmed: " + msg + "\nTry 'notmed --help'.\n";
    return out;
  };
  DaemonOptions& o = out.options;
  std::string runtime_dir, config_dir, state_dir, proxy_listen, human;
  CLI::App app{"notmed: the per-user notme daemon (tokens, signing, proxy over Unix sockets)",
               "notmed"};
  app.set_version_flag("--version", std::string("notmed ") + kVersion);
  app.add_option("--runtime-dir", runtime_dir, "directory for the sockets (0700)");
  app.add_option("--config-dir", config_dir, "configuration directory (agents.json)");
  app.add_option("--state-dir", state_dir, "state directory (audit log)");
  app.add_option("--keyring", o.keyring, "auto | secret-service | ephemeral")
      ->check(CLI::IsMember({"auto", "secret-service", "ephemeral"}));
  app.add_option("--issuer", o.issuer, "issuer URL of the tokens")->capture_default_str();
  app.add_option("--proxy-listen", proxy_listen, "loopback listener for the proxy, 127.0.0.1:PORT");
  app.add_flag("--require-dpop-nonce", o.require_dpop_nonce,
               "require a server nonce in DPoP proofs (RFC 9449 §8)");
  app.add_option("--rotate-interval", o.rotate_interval_seconds,
                 "seconds between signing-key rotations")
      ->check(CLI::Range(int64_t{60}, int64_t{86400 * 30}))
      ->capture_default_str();
  app.add_option("--human", human, "the human agents act for (default <login>@<hostname>)");
  app.add_option("--max-connections", o.max_connections, "concurrent connection limit")
      ->check(CLI::Range(size_t{4}, size_t{4096}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion&) {
    out.action = ParsedCommandLine::Action::kExit;
    out.output = std::string("notmed ") + kVersion + "\n";
    return out;
  } catch (const CLI::CallForHelp&) {
    out.action = ParsedCommandLine::Action::kExit;
    out.output = app.help();
    return out;
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  auto paths = ResolvePaths(env, uid);
  if (!paths) {
    if (runtime_dir.empty() || config_dir.empty() || state_dir.empty()) {
      return usage_error(paths.error().message());
    }
    paths = Paths{};
  }
  o.paths = *paths;
  if (!runtime_dir.empty()) {
    o.paths.runtime_dir = runtime_dir;
    o.paths.control_socket = o.paths.runtime_dir / "control.sock";
    o.paths.agents_dir = o.paths.runtime_dir / "agents";
  }
  if (!config_dir.empty()) o.paths.config_dir = config_dir;
  if (!state_dir.empty()) o.paths.state_dir = state_dir;
  for (const auto* p : {&o.paths.runtime_dir, &o.paths.config_dir, &o.paths.state_dir}) {
    if (!p->is_absolute()) return usage_error("directories must be absolute: " + p->string());
  }
  auto issuer = NormalizeIssuer(o.issuer);
  if (!issuer) return usage_error(issuer.error().message());
  o.issuer = *issuer;
  if (!proxy_listen.empty()) {
    if (auto a = server::ParseLoopbackAddress(proxy_listen); !a) return usage_error(a.error().message());
    o.proxy_listen = proxy_listen;
  }
  o.human = human.empty() ? DefaultHuman(uid) : human;
  return out;
}

}  // namespace notme::daemon
