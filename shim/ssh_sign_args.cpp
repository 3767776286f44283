#include "shim/ssh_sign_args.h"

namespace notme::shim {
namespace {

constexpr std::string_view kAgentKeyPrefix = "notme-agent:";

// ssh-keygen(1) options that take a value; needed to find `-Y sign` among the arguments
// without mistaking a value for an option.
bool TakesValue(char c) {
  switch (c) {
    case 'Y': case 'n': case 'f': case 'O': case 'I': case 's': case 'r': case 'a': case 'b':
    case 'C': case 'D': case 'E': case 'F': case 'G': case 'J': case 'j': case 'K': case 'M':
    case 'm': case 'N': case 'P': case 'R': case 'S': case 't': case 'T': case 'V': case 'W':
    case 'w': case 'z':
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args) {
  ParsedArgs out;
  if (args.size() == 1 && args[0] == "--version") {
    out.action = ParsedArgs::Action::kVersion;
    return out;
  }
  // First pass: is this `-Y sign`? getopt semantics: options until the first operand.
  bool is_sign = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--" || a.size() < 2 || a[0] != '-') break;
    for (size_t j = 1; j < a.size(); ++j) {
      if (!TakesValue(a[j])) continue;
      std::string value = j + 1 < a.size() ? a.substr(j + 1) : (i + 1 < args.size() ? args[++i] : "");
      if (a[j] == 'Y' && value == "sign") is_sign = true;
      break;
    }
  }
  if (!is_sign) return out;

  out.action = ParsedArgs::Action::kSign;
  SignInvocation& s = out.sign;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    for (size_t j = 1; j < a.size(); ++j) {
      char c = a[j];
      if (c == 'U') {
        s.key_is_literal = true;
        continue;
      }
      if (c == 'q') {
        s.quiet = true;
        continue;
      }
      if (!TakesValue(c)) {
        return Fail(ErrorCode::kInvalidArgument, std::string("unsupported option -") + c + " with -Y sign");
      }
      std::string value;
      if (j + 1 < a.size()) {
        value = a.substr(j + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Fail(ErrorCode::kInvalidArgument, std::string("option -") + c + " needs a value");
      }
      switch (c) {
        case 'Y':
          break;
        case 'n':
          s.ns = value;
          break;
        case 'f':
          s.key = value;
          break;
        case 'O':
          // sha512 is what we make and ssh-keygen's default; anything else is refused.
          if (value != "hashalg=sha512") {
            return Fail(ErrorCode::kInvalidArgument, "unsupported -O " + value + " with -Y sign");
          }
          break;
        default:
          return Fail(ErrorCode::kInvalidArgument, std::string("unsupported option -") + c + " with -Y sign");
      }
      break;
    }
  }
  for (; i < args.size(); ++i) s.files.push_back(args[i]);
  if (s.ns.empty()) return Fail(ErrorCode::kInvalidArgument, "-Y sign needs a namespace (-n)");
  if (s.key.empty()) return Fail(ErrorCode::kInvalidArgument, "-Y sign needs a key (-f)");
  return out;
}

std::optional<std::string> SigningAgentFromKey(const std::string& key) {
  if (!key.starts_with(kAgentKeyPrefix)) return std::nullopt;
  std::string agent = key.substr(kAgentKeyPrefix.size());
  if (agent.empty()) return std::nullopt;
  return agent;
}

}  // namespace notme::shim
