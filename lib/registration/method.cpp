#include "registration/method.h"

#include <algorithm>
#include <vector>

namespace notme::registration {
namespace {

bool Supported(const AgentAuth& a, Method m) {
  switch (m) {
    case Method::kAnonymous: return a.SupportsAnonymous();
    case Method::kEmail: return a.SupportsAssertion(kVerifiedEmailAssertionType);
    case Method::kIdJag: return a.SupportsAssertion(kIdJagAssertionType);
  }
  return false;
}

std::string SupportedList(const AgentAuth& a) {
  std::string out;
  for (Method m : {Method::kAnonymous, Method::kEmail, Method::kIdJag}) {
    if (!Supported(a, m)) continue;
    if (!out.empty()) out += ", ";
    out += MethodName(m);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kAnonymous: return "anonymous";
    case Method::kEmail: return "email";
    case Method::kIdJag: return "id-jag";
  }
  return "unknown";
}

Result<Method> ParseMethod(std::string_view name) {
  for (Method m : {Method::kAnonymous, Method::kEmail, Method::kIdJag}) {
    if (name == MethodName(m)) return m;
  }
  return Fail(ErrorCode::kInvalidArgument, "method must be anonymous, email or id-jag");
}

Result<Method> ChooseMethod(const AgentAuth& a, std::optional<Method> requested, bool has_email) {
  if (requested) {
    if (!Supported(a, *requested)) {
      return Fail(ErrorCode::kUnsupported, "the service does not accept " + std::string(MethodName(*requested)) +
                                               " registration (it accepts: " + SupportedList(a) + ")");
    }
    if (*requested == Method::kEmail && !has_email) {
      return Fail(ErrorCode::kInvalidArgument, "email registration needs --email");
    }
    return *requested;
  }
  if (has_email && Supported(a, Method::kEmail)) return Method::kEmail;
  if (Supported(a, Method::kAnonymous)) return Method::kAnonymous;
  if (Supported(a, Method::kEmail)) {
    if (!has_email) return Fail(ErrorCode::kInvalidArgument, "this service registers by email only; pass --email");
    return Method::kEmail;
  }
  if (Supported(a, Method::kIdJag)) return Method::kIdJag;
  return Fail(ErrorCode::kUnsupported, "the service advertises no registration method notme supports");
}

Result<std::string> ChooseCredentialType(const AgentAuth& a, Method method) {
  const std::vector<std::string>& offered =
      method == Method::kAnonymous ? a.anonymous_credential_types : a.assertion_credential_types;
  if (offered.empty()) return std::string("api_key");
  for (std::string_view want : {"api_key", "access_token"}) {
    if (std::find(offered.begin(), offered.end(), want) != offered.end()) return std::string(want);
  }
  return Fail(ErrorCode::kUnsupported, "the service offers no credential type notme can use (api_key, access_token)");
}

bool IsPlausibleEmail(std::string_view e) {
  if (e.empty() || e.size() > 254) return false;
  const size_t at = e.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= e.size() || e.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return std::all_of(e.begin(), e.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != ',';
  });
}

}  // namespace notme::registration
