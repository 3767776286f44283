#include "shim/ssh_sign_args.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "shim/ssh_sign_passthrough.h"

namespace notme::shim {
namespace {

using Action = ParsedArgs::Action;

Result<ParsedArgs> P(std::vector<std::string> args) { return ParseArgs(args); }

TEST_SUITE("SshSignArgs") {
  TEST_CASE("git's sign invocation with a file is a sign") {
    auto p = P({"-Y", "sign", "-n", "git", "-f", "/home/u/.ssh/key", "/tmp/.git_signing_buffer_tmpAB"});
    REQUIRE(p);
    CHECK(p->action == Action::kSign);
    CHECK(p->sign.ns == "git");
    CHECK(p->sign.key == "/home/u/.ssh/key");
    CHECK_FALSE(p->sign.key_is_literal);
    CHECK(p->sign.files == std::vector<std::string>{"/tmp/.git_signing_buffer_tmpAB"});
  }

  TEST_CASE("git's literal-key form with -U is a sign") {
    auto p = P({"-Y", "sign", "-n", "git", "-f", "/tmp/.git_signing_key_tmpX", "-U", "/tmp/buf"});
    REQUIRE(p);
    CHECK(p->action == Action::kSign);
    CHECK(p->sign.key_is_literal);
    CHECK(p->sign.files == std::vector<std::string>{"/tmp/buf"});
  }

  TEST_CASE("signing stdin has no files") {
    auto p = P({"-Y", "sign", "-n", "git", "-f", "k"});
    REQUIRE(p);
    CHECK(p->action == Action::kSign);
    CHECK(p->sign.files.empty());
  }

  TEST_CASE("options may come in another order and glued") {
    auto p = P({"-q", "-ngit", "-fk", "-Ysign", "a", "b"});
    REQUIRE(p);
    CHECK(p->action == Action::kSign);
    CHECK(p->sign.quiet);
    CHECK(p->sign.files == std::vector<std::string>{"a", "b"});
  }

  TEST_CASE("sha512 may be asked for explicitly") {
    CHECK(P({"-Y", "sign", "-O", "hashalg=sha512", "-n", "git", "-f", "k"}));
  }

  TEST_CASE("verify is passed through") {
    auto p = P({"-Y", "verify", "-n", "git", "-f", "allowed", "-I", "a@b", "-s", "sig",
                "-Overify-time=20240101000000"});
    REQUIRE(p);
    CHECK(p->action == Action::kPassThrough);
  }

  TEST_CASE("find-principals is passed through") {
    auto p = P({"-Y", "find-principals", "-f", "allowed", "-s", "sig", "-Overify-time=20240101000000"});
    REQUIRE(p);
    CHECK(p->action == Action::kPassThrough);
  }

  TEST_CASE("check-novalidate with an empty -Overify-time argument is passed through") {
    auto p = P({"-Y", "check-novalidate", "-n", "git", "-s", "sig", ""});
    REQUIRE(p);
    CHECK(p->action == Action::kPassThrough);
  }

  TEST_CASE("a file named sign after verify does not make a sign") {
    auto p = P({"-Y", "verify", "-n", "git", "-s", "sign"});
    REQUIRE(p);
    CHECK(p->action == Action::kPassThrough);
  }

  TEST_CASE("non -Y uses are passed through") {
    CHECK(P({"-l", "-f", "key.pub"})->action == Action::kPassThrough);
    CHECK(P({})->action == Action::kPassThrough);
    CHECK(P({"-L", "-f", "cert.pub"})->action == Action::kPassThrough);
  }

  TEST_CASE("--version is ours") { CHECK(P({"--version"})->action == Action::kVersion); }

  TEST_CASE("sign without a namespace is a usage error") {
    auto p = P({"-Y", "sign", "-f", "k", "file"});
    REQUIRE_FALSE(p);
    CHECK(p.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("sign without a key is a usage error") { CHECK_FALSE(P({"-Y", "sign", "-n", "git"})); }
  TEST_CASE("sign with a missing option value is a usage error") {
    CHECK_FALSE(P({"-Y", "sign", "-n", "git", "-f"}));
  }
  TEST_CASE("sign with another hash is refused rather than silently changed") {
    CHECK_FALSE(P({"-Y", "sign", "-O", "hashalg=sha256", "-n", "git", "-f", "k"}));
  }
  TEST_CASE("sign with an option ssh-keygen signing does not take is refused") {
    CHECK_FALSE(P({"-Y", "sign", "-n", "git", "-f", "k", "-s", "x"}));
    CHECK_FALSE(P({"-Y", "sign", "-n", "git", "-f", "k", "-Z"}));
  }
}

TEST_SUITE("SshSignKey") {
  TEST_CASE("a notme-agent key names the agent") {
    CHECK(SigningAgentFromKey("notme-agent:bot") == std::optional<std::string>("bot"));
  }
  TEST_CASE("other keys name no agent") {
    CHECK_FALSE(SigningAgentFromKey("/home/u/.config/notme/ssh-ca.pub"));
    CHECK_FALSE(SigningAgentFromKey("notme-agent:"));
    CHECK_FALSE(SigningAgentFromKey("ssh-ed25519 AAAA"));
  }
}

TEST_SUITE("SshSignPassThrough") {
  TEST_CASE("the real ssh-keygen is found on PATH") {
    auto found = FindRealSshKeygen("/nonexistent:/usr/bin:/bin");
    CHECK(found == "/usr/bin/ssh-keygen");
  }
  TEST_CASE("nothing is found on an empty PATH") { CHECK(FindRealSshKeygen("/nonexistent").empty()); }
  TEST_CASE("this program itself is skipped even when named ssh-keygen") {
    char tmpl[] = "/tmp/notme-shim-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    std::string dir = tmpl;
    std::filesystem::create_symlink(std::filesystem::read_symlink("/proc/self/exe"), dir + "/ssh-keygen");
    CHECK(FindRealSshKeygen((dir + ":/usr/bin").c_str()) == "/usr/bin/ssh-keygen");
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace notme::shim
