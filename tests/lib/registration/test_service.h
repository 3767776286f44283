#pragma once
// Test helpers: a private temporary directory, and the loopback registration service of
// tests/integration/registration_service.py run with /usr/bin/python3 (killed on scope exit).

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace notme::testing {

// A whole file read with POSIX calls ("" when unreadable).
inline std::string ReadFile(const std::filesystem::path& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/notme-reg-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

class RegistrationServiceProcess {
 public:
  explicit RegistrationServiceProcess(std::vector<std::string> extra_args) {
    outbox = dir.path / "outbox.jsonl";
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    std::string script = std::string(std::getenv("NOTME_SOURCE_DIR") ? std::getenv("NOTME_SOURCE_DIR") : ".") +
                         "/tests/integration/registration_service.py";
    std::vector<std::string> args = {"/usr/bin/python3", script, "--outbox", outbox.string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n' && line.size() < 64) line.push_back(c);
    ::close(fds[0]);
    if (line.starts_with("PORT ")) port = std::stoi(line.substr(5));
  }
  ~RegistrationServiceProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
  // The OTP the service "emailed" last (what the human reads on the claim page).
  std::string LastOtp() const {
    std::string text = ReadFile(outbox);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text.empty()) return "";
    auto last = nlohmann::json::parse(text.substr(text.rfind('\n') + 1), nullptr, /*allow_exceptions=*/false);
    if (!last.is_object() || !last["otp"].is_string()) return "";
    return last["otp"].get<std::string>();
  }
  bool OutboxEmpty() const { return !std::filesystem::exists(outbox) || std::filesystem::file_size(outbox) == 0; }

  TempDir dir;
  std::filesystem::path outbox;
  int port = 0;

 private:
  pid_t pid_ = -1;
};

}  // namespace notme::testing
