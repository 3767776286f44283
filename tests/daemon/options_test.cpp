#include "daemon/options.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

namespace notme::daemon {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ParsedCommandLine Parse(std::vector<std::string> args,
                        std::map<std::string, std::string> env = {{"HOME", "/home/u"}}) {
  args.insert(args.begin(), "notmed");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), Env(env), 1000);
}

TEST_SUITE("ParseCommandLine") {
  TEST_CASE("defaults come from the environment and the contract") {
    auto p = Parse({}, {{"HOME", "/home/u"}, {"XDG_RUNTIME_DIR", "/run/user/1000"}});
    REQUIRE(p.action == ParsedCommandLine::Action::kRun);
    CHECK(p.options.paths.runtime_dir == "/run/user/1000/notme");
    CHECK(p.options.paths.control_socket == "/run/user/1000/notme/control.sock");
    CHECK(p.options.issuer == "http://notme.localhost");
    CHECK(p.options.keyring == "auto");
    CHECK(p.options.rotate_interval_seconds == 3600);
    CHECK_FALSE(p.options.require_dpop_nonce);
    CHECK(p.options.human.find('@') != std::string::npos);
  }

  TEST_CASE("directory flags override the environment") {
    auto p = Parse({"--runtime-dir", "/tmp/r", "--config-dir", "/tmp/c", "--state-dir", "/tmp/s"});
    REQUIRE(p.action == ParsedCommandLine::Action::kRun);
    CHECK(p.options.paths.control_socket == "/tmp/r/control.sock");
    CHECK(p.options.paths.agents_dir == "/tmp/r/agents");
    CHECK(p.options.paths.config_dir == "/tmp/c");
    CHECK(p.options.paths.state_dir == "/tmp/s");
  }

  TEST_CASE("every flag of the contract is accepted") {
    auto p = Parse({"--keyring", "ephemeral", "--issuer", "https://id.example/", "--proxy-listen",
                    "127.0.0.1:8080", "--require-dpop-nonce", "--rotate-interval", "600",
                    "--human", "alice@example.com"});
    REQUIRE(p.action == ParsedCommandLine::Action::kRun);
    CHECK(p.options.issuer == "https://id.example");
    CHECK(p.options.proxy_listen == "127.0.0.1:8080");
    CHECK(p.options.require_dpop_nonce);
    CHECK(p.options.rotate_interval_seconds == 600);
    CHECK(p.options.human == "alice@example.com");
  }

  TEST_CASE("version and help exit 0 with output") {
    auto v = Parse({"--version"});
    CHECK(v.action == ParsedCommandLine::Action::kExit);
    CHECK(v.exit_code == 0);
    CHECK(v.output.rfind("notmed ", 0) == 0);
    auto h = Parse({"--help"});
    CHECK(h.exit_code == 0);
    CHECK(h.output.find("--runtime-dir") != std::string::npos);
  }

  TEST_CASE("usage errors exit 2") {
    for (std::vector<std::string> bad :
         {std::vector<std::string>{"--bogus"}, {"--keyring", "kwallet"}, {"--rotate-interval", "0"},
          {"--issuer", "ftp://x"}, {"--issuer", "http://"}, {"--issuer", "http://a?b"},
          {"--runtime-dir", "relative/dir"}, {"extra"}, {"--proxy-listen", "0.0.0.0:8080"},
          {"--proxy-listen", "127.0.0.1"}, {"--proxy-listen", "127.0.0.1:99999"}}) {
      CAPTURE(bad[0]);
      auto p = Parse(bad);
      CHECK(p.action == ParsedCommandLine::Action::kExit);
      CHECK(p.exit_code == 2);
    }
  }
}

TEST_SUITE("NormalizeIssuer") {
  TEST_CASE("a trailing slash is dropped") {
    CHECK(*NormalizeIssuer("http://notme.localhost/") == "http://notme.localhost");
  }
  TEST_CASE("userinfo, fragments and spaces are refused") {
    for (const char* bad : {"http://u@h", "http://h#f", "http://h x", "notaurl", ""}) {
      CAPTURE(bad);
      CHECK_FALSE(NormalizeIssuer(bad).has_value());
    }
  }
}

}  // namespace
}  // namespace notme::daemon
