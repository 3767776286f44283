#include "cli/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/errno_error.h"

extern char** environ;

namespace notme::cli {
namespace {

constexpr std::array<int, 4> kForwarded = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
constexpr size_t kMaxCapture = 64 * 1024;

volatile sig_atomic_t g_child = 0;

// Terminal-generated signals (si_code SI_KERNEL) went to the whole foreground process
// group, child included; forwarding them would deliver a second Ctrl-C, which many
// interactive agents treat as "exit now".
extern "C" void ForwardSignal(int sig, siginfo_t* info, void*) {
  if (info != nullptr && info->si_code == SI_KERNEL) return;
  pid_t child = static_cast<pid_t>(g_child);
  if (child > 0) ::kill(child, sig);
}

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

int StatusOf(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 1;
}

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void ExecOrDie(char** argv, char** envp) {
  environ = envp;
  ::execvp(argv[0], argv);
  int err = errno;
  const char* prefix = "notme: cannot run ";
  (void)!::write(2, prefix, std::strlen(prefix));
  (void)!::write(2, argv[0], std::strlen(argv[0]));
  const char* reason = err == ENOENT ? ": command not found\n" : ": permission denied or not executable\n";
  (void)!::write(2, reason, std::strlen(reason));
  ::_exit(err == ENOENT ? 127 : 126);
}

}  // namespace

Result<int> RunForwardingSignals(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env) {
  if (argv.empty()) return Fail(ErrorCode::kInvalidArgument, "no command given");
  std::vector<char*> cargv = CStrings(argv);
  std::vector<char*> cenv = CStrings(env);

  sigset_t forwarded, previous_mask;
  sigemptyset(&forwarded);
  for (int s : kForwarded) sigaddset(&forwarded, s);
  // Blocked across fork so no signal slips between fork and recording the child's pid.
  ::sigprocmask(SIG_BLOCK, &forwarded, &previous_mask);
  std::array<struct sigaction, kForwarded.size()> previous{};
  struct sigaction sa {};
  sa.sa_sigaction = ForwardSignal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < kForwarded.size(); ++i) ::sigaction(kForwarded[i], &sa, &previous[i]);

  pid_t pid = ::fork();
  if (pid == 0) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int s : kForwarded) ::sigaction(s, &dfl, nullptr);
    ::sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
    ExecOrDie(cargv.data(), cenv.data());
  }
  int fork_errno = errno;
  if (pid > 0) g_child = pid;
  ::sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
  auto restore = [&] {
    g_child = 0;
    for (size_t i = 0; i < kForwarded.size(); ++i) ::sigaction(kForwarded[i], &previous[i], nullptr);
  };
  if (pid < 0) {
    restore();
    return Fail(ErrnoError("fork", fork_errno));
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) {
      int err = errno;
      restore();
      return Fail(ErrnoError("waitpid", err));
    }
  }
  restore();
  return StatusOf(wstatus);
}

Result<Captured> RunCapture(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout) {
  if (argv.empty()) return Fail(ErrorCode::kInvalidArgument, "no command given");
  std::vector<char*> cargv = CStrings(argv);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Fail(ErrnoError("pipe", errno));
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    ::dup2(fds[1], 1);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 2);
    }
    ::execvp(cargv[0], cargv.data());
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return Fail(ErrnoError("fork", fork_errno));
  }
  Captured out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    char buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.output.size() < kMaxCapture) out.output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return Fail(ErrorCode::kTimeout, argv[0] + " did not finish in time");
  out.status = StatusOf(wstatus);
  return out;
}

std::string FindHelperProgram(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  auto usable = [](const fs::path& p) { return ::access(p.c_str(), X_OK) == 0; };
  if (!ec) {
    fs::path dir = self.parent_path();
    if (usable(dir / name)) return (dir / name).string();
    if (usable(dir.parent_path() / "shim" / name)) return (dir.parent_path() / "shim" / name).string();
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    if (!dir.empty() && dir.front() == '/' && usable(fs::path(dir) / name)) {
      return (fs::path(dir) / name).string();
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return {};
}

}  // namespace notme::cli
