#include "jose/dpop.h"

namespace notme::jose {
Result<std::string> CreateDpopProof(const crypto::Ed25519SecretKey&, std::string_view,
                                    std::string_view, int64_t, std::optional<std::string>,
                                    std::optional<std::string>) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
DpopValidator::DpopValidator(DpopOptions options, const Clock& clock, ReplayCache& replay_cache)
    : options_(std::move(options)), clock_(clock), replay_cache_(replay_cache) {}
Result<VerifiedDpopProof> DpopValidator::Validate(std::string_view, std::string_view,
                                                  std::string_view,
                                                  std::optional<std::string_view>) const {
  (void)clock_;
  (void)replay_cache_;
  return Fail(ErrorCode::kInternal, "unimplemented");
}
}  // namespace notme::jose
