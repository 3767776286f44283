// Strict base64url: decoding never crashes, and whatever decodes re-encodes to exactly
// the input (one accepted encoding per byte string).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jose/base64url.h"
#include "notme/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto decoded = notme::jose::Base64UrlDecode(text);
  if (decoded) {
    NOTME_CHECK(notme::jose::Base64UrlEncode(*decoded) == text, "base64url is not canonical");
  }
  const auto round = notme::jose::Base64UrlDecode(
      notme::jose::Base64UrlEncode(std::span<const uint8_t>(data, size)));
  NOTME_CHECK(round && round->size() == size &&
                  std::equal(round->begin(), round->end(), data),
              "base64url round trip failed");
  return 0;
}
