#include "keyring/validate.h"

namespace notme::keyring {

Result<Kind> ValidateStore(std::string_view name, const crypto::SecretBytes& value,
                           std::string_view label) {
  NOTME_TRY(Kind kind, ParseName(name));
  if (value.size() == 0) return Fail(ErrorCode::kInvalidArgument, "keyring: empty value");
  if (value.size() > kMaxValueSize) {
    return Fail(ErrorCode::kTooLarge, "keyring: value larger than 64 KiB");
  }
  if (label.size() > kMaxLabelSize) {
    return Fail(ErrorCode::kInvalidArgument, "keyring: label longer than 256 bytes");
  }
  for (char c : label) {
    const auto u = static_cast<unsigned char>(c);
    // Printable ASCII only: D-Bus strings must be valid UTF-8, and labels are ours.
    if (u < 0x20 || u > 0x7e) {
      return Fail(ErrorCode::kInvalidArgument, "keyring: labels are printable ASCII");
    }
  }
  return kind;
}

}  // namespace notme::keyring
