#include "jose/jwt.h"

namespace notme::jose {
ClaimsValidator::ClaimsValidator(const Clock& clock, ClaimsOptions options)
    : clock_(clock), options_(std::move(options)) {}
Result<void> ClaimsValidator::Validate(const nlohmann::json&) const {
  (void)clock_;
  return Fail(ErrorCode::kInternal, "unimplemented");
}
Result<VerifiedJwt> VerifyJwt(std::string_view, const KeySet&, std::string_view,
                              const ClaimsValidator&) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
Result<std::string> SignJwt(const nlohmann::json&, std::string_view, std::string_view,
                            const crypto::Ed25519SecretKey&) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
}  // namespace notme::jose
