// notme-ssh-sign: git's gpg.ssh.program. `-Y sign` goes to notmed (the agent's short-lived
// certificate); everything else goes to the real ssh-keygen unchanged. Kept lean (no
// CLI11/spdlog) because git starts it for every signature and every verification.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/sodium_init.h"
#include "notme/version.h"
#include "shim/ssh_sign_args.h"
#include "shim/ssh_sign_client.h"
#include "shim/ssh_sign_passthrough.h"

namespace {

constexpr size_t kMaxInput = 16 * 1024 * 1024;

bool ReadAll(int fd, std::string& out) {
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxInput) return false;
  }
}

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "notme-ssh-sign: %s\n", message.c_str());
  return 1;
}

// Signs one input (a file, or stdin when `file` is empty) and writes FILE.sig (or stdout).
int SignOne(const notme::shim::SignInvocation& inv, const std::string& file) {
  std::string data;
  if (file.empty()) {
    if (!ReadAll(STDIN_FILENO, data)) return Fail("cannot read the data to sign from stdin");
  } else {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Fail("cannot open " + file + ": " + std::strerror(errno));
    bool ok = ReadAll(fd, data);
    ::close(fd);
    if (!ok) return Fail("cannot read " + file);
  }
  auto env = notme::ProcessEnv();
  auto outcome = notme::shim::SignThroughDaemon(inv, data, env);
  if (!outcome) return Fail(notme::shim::DescribeSignFailure(outcome.error(), inv, env));
  if (file.empty()) {
    return WriteAll(STDOUT_FILENO, outcome->armored) ? 0 : Fail("cannot write to stdout");
  }
  // As ssh-keygen: FILE.sig next to FILE, created with 0666 & ~umask, replaced if present.
  std::string sig_path = file + ".sig";
  int fd = ::open(sig_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0) return Fail("cannot write " + sig_path + ": " + std::strerror(errno));
  bool ok = WriteAll(fd, outcome->armored);
  ok = (::close(fd) == 0) && ok;
  if (!ok) return Fail("cannot write " + sig_path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = notme::shim::ParseArgs(args);
  if (!parsed) {
    std::fprintf(stderr, "notme-ssh-sign: %s\n", parsed.error().message().c_str());
    return 2;
  }
  using Action = notme::shim::ParsedArgs::Action;
  if (parsed->action == Action::kVersion) {
    std::printf("notme-ssh-sign %s\n", notme::kVersion);
    return 0;
  }
  if (parsed->action == Action::kPassThrough) {
    notme::shim::ExecRealSshKeygen(argv);
    return 1;
  }
  if (!notme::crypto::InitCrypto()) return Fail("cannot initialise libsodium");
  const auto& inv = parsed->sign;
  if (inv.files.empty()) return SignOne(inv, "");
  for (const auto& file : inv.files) {
    if (int rc = SignOne(inv, file); rc != 0) return rc;
  }
  return 0;
}
