#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/run_env.h"

using namespace notme::cli;

namespace {

RunEnvInputs Inputs() {
  return {"claude", "/run/user/1/notme/agents/claude.sock", "/usr/bin/notme-ssh-sign",
          "/usr/bin/git-credential-notme"};
}

std::string Get(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& e : env) {
    if (e.rfind(name + "=", 0) == 0) return e.substr(name.size() + 1);
  }
  return "<unset>";
}

size_t CountOf(const std::vector<std::string>& env, const std::string& name) {
  return static_cast<size_t>(std::count_if(env.begin(), env.end(), [&](const std::string& e) {
    return e.rfind(name + "=", 0) == 0;
  }));
}

}  // namespace

TEST_SUITE("BuildRunEnvironment") {
  TEST_CASE("NOTME_SOCKET is the agent's socket and the git entries start at 0") {
    auto env = BuildRunEnvironment({"PATH=/bin", "HOME=/h"}, Inputs());
    REQUIRE(env);
    CHECK(Get(*env, "NOTME_SOCKET") == "/run/user/1/notme/agents/claude.sock");
    CHECK(Get(*env, "GIT_CONFIG_COUNT") == "6");
    CHECK(Get(*env, "GIT_CONFIG_KEY_0") == "gpg.format");
    CHECK(Get(*env, "GIT_CONFIG_VALUE_0") == "ssh");
    CHECK(Get(*env, "GIT_CONFIG_KEY_1") == "gpg.ssh.program");
    CHECK(Get(*env, "GIT_CONFIG_VALUE_1") == "/usr/bin/notme-ssh-sign");
    CHECK(Get(*env, "GIT_CONFIG_KEY_2") == "user.signingkey");
    CHECK(Get(*env, "GIT_CONFIG_VALUE_2") == "notme-agent:claude");
    CHECK(Get(*env, "GIT_CONFIG_KEY_3") == "commit.gpgsign");
    CHECK(Get(*env, "GIT_CONFIG_VALUE_3") == "true");
    CHECK(Get(*env, "GIT_CONFIG_KEY_4") == "credential.helper");
    CHECK(Get(*env, "GIT_CONFIG_VALUE_4") == "");
    CHECK(Get(*env, "GIT_CONFIG_VALUE_5") == "/usr/bin/git-credential-notme");
    CHECK(Get(*env, "PATH") == "/bin");
  }
  TEST_CASE("existing GIT_CONFIG_COUNT entries are kept and ours are appended") {
    auto env = BuildRunEnvironment(
        {"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=core.pager", "GIT_CONFIG_VALUE_0=cat"}, Inputs());
    REQUIRE(env);
    CHECK(Get(*env, "GIT_CONFIG_COUNT") == "7");
    CHECK(Get(*env, "GIT_CONFIG_KEY_0") == "core.pager");
    CHECK(Get(*env, "GIT_CONFIG_KEY_1") == "gpg.format");
    CHECK(CountOf(*env, "GIT_CONFIG_COUNT") == 1);
  }
  TEST_CASE("an inherited NOTME_SOCKET is replaced, not duplicated") {
    auto env = BuildRunEnvironment({"NOTME_SOCKET=/elsewhere.sock"}, Inputs());
    REQUIRE(env);
    CHECK(CountOf(*env, "NOTME_SOCKET") == 1);
    CHECK(Get(*env, "NOTME_SOCKET") == "/run/user/1/notme/agents/claude.sock");
  }
  TEST_CASE("a malformed GIT_CONFIG_COUNT is refused") {
    for (const char* bad : {"GIT_CONFIG_COUNT=", "GIT_CONFIG_COUNT=x", "GIT_CONFIG_COUNT=-1",
                            "GIT_CONFIG_COUNT=1x", "GIT_CONFIG_COUNT= 1"}) {
      CAPTURE(bad);
      auto env = BuildRunEnvironment({bad}, Inputs());
      REQUIRE_FALSE(env);
      CHECK(env.error().code() == notme::ErrorCode::kInvalidArgument);
    }
  }
  TEST_CASE("a credential helper path with spaces is shell-quoted for git") {
    RunEnvInputs in = Inputs();
    in.credential_helper = "/opt/my tools/git-credential-notme";
    auto env = BuildRunEnvironment({}, in);
    REQUIRE(env);
    CHECK(Get(*env, "GIT_CONFIG_VALUE_5") == "'/opt/my tools/git-credential-notme'");
  }
}

TEST_SUITE("ShellQuote") {
  TEST_CASE("plain paths stay as they are") { CHECK(ShellQuote("/usr/bin/x-y_z.1") == "/usr/bin/x-y_z.1"); }
  TEST_CASE("quotes inside are escaped") { CHECK(ShellQuote("a'b") == "'a'\\''b'"); }
  TEST_CASE("the empty string is quoted") { CHECK(ShellQuote("") == "''"); }
}
