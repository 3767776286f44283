#include "cli/run_env.h"

#include <charconv>
#include <map>

namespace notme::cli {
namespace {

std::string_view NameOf(std::string_view entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

std::string SigningKeyFor(const std::string& agent) { return "notme-agent:" + agent; }

std::string ShellQuote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '.' || c == '_' || c == '+' || c == '-';
    plain = plain && ok;
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::pair<std::string, std::string>> GitConfigFor(const RunEnvInputs& in) {
  return {
      {"gpg.format", "ssh"},
      {"gpg.ssh.program", in.ssh_sign_program},
      {"user.signingkey", SigningKeyFor(in.agent)},
      {"commit.gpgsign", "true"},
      {"credential.helper", ""},
      {"credential.helper", ShellQuote(in.credential_helper)},
  };
}

Result<std::vector<std::string>> BuildRunEnvironment(const std::vector<std::string>& base,
                                                     const RunEnvInputs& in) {
  size_t existing = 0;
  std::vector<std::string> out;
  // Entries we set replace same-named ones from `base`.
  std::map<std::string, std::string, std::less<>> ours;
  for (const auto& e : base) {
    if (NameOf(e) == "GIT_CONFIG_COUNT") {
      std::string_view v = std::string_view(e).substr(e.find('=') + 1);
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), existing);
      if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
        return Fail(ErrorCode::kInvalidArgument,
                    "GIT_CONFIG_COUNT in the environment is not a number; unset it or fix it");
      }
    }
  }
  ours["NOTME_SOCKET"] = in.agent_socket;
  size_t n = existing;
  for (const auto& [key, value] : GitConfigFor(in)) {
    ours["GIT_CONFIG_KEY_" + std::to_string(n)] = key;
    ours["GIT_CONFIG_VALUE_" + std::to_string(n)] = value;
    ++n;
  }
  ours["GIT_CONFIG_COUNT"] = std::to_string(n);
  for (const auto& e : base) {
    if (!ours.contains(NameOf(e))) out.push_back(e);
  }
  for (const auto& [name, value] : ours) out.push_back(name + "=" + value);
  return out;
}

}  // namespace notme::cli
