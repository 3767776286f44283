#include "keyring/keyring.h"

#include "notme/check.h"

namespace notme::keyring {

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kSshCa:
      return "ssh-ca";
    case Kind::kIdjagProvider:
      return "idjag-provider";
    case Kind::kSecret:
      return "secret";
  }
  NOTME_CHECK(false, "unknown keyring::Kind");
  return "";
}

bool IsValidSecretName(std::string_view secret_name) {
  if (secret_name.empty() || secret_name.size() > 128) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(secret_name.front())) return false;
  for (char c : secret_name) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

Result<std::string> SecretEntryName(std::string_view secret_name) {
  if (!IsValidSecretName(secret_name)) {
    return Fail(ErrorCode::kInvalidArgument,
                "keyring: secret names are 1-128 characters of [A-Za-z0-9._-], starting "
                "with a letter or digit");
  }
  std::string name(kSecretPrefix);
  name += secret_name;
  return name;
}

Result<Kind> ParseName(std::string_view name) {
  if (name == kSshCaName) return Kind::kSshCa;
  if (name == kIdjagProviderName) return Kind::kIdjagProvider;
  if (name.starts_with(kSecretPrefix) && IsValidSecretName(name.substr(kSecretPrefix.size()))) {
    return Kind::kSecret;
  }
  return Fail(ErrorCode::kInvalidArgument,
              "keyring: entry names are \"ssh-ca\", \"idjag-provider\" or \"secret/<name>\"");
}

}  // namespace notme::keyring
