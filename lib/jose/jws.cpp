#include "jose/jws.h"

namespace notme::jose {
Result<std::string> SignCompactEdDsa(const nlohmann::json&, std::string_view,
                                     const crypto::Ed25519SecretKey&) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
Result<JwsParts> SplitCompact(std::string_view) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
void KeySet::Add(std::string kid, PublicJwk key) { keys_.insert_or_assign(std::move(kid), key); }
const PublicJwk* KeySet::Find(std::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}
Result<VerifiedJws> VerifyCompact(std::string_view, const PublicJwk&, const ExpectedHeader&) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
Result<VerifiedJws> VerifyCompact(std::string_view, const KeySet&, const ExpectedHeader&) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
Result<void> CheckProtectedHeader(const nlohmann::json&, JwsAlgorithm, std::string_view) {
  return Fail(ErrorCode::kInternal, "unimplemented");
}
}  // namespace notme::jose
