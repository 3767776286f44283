#include "ssh/base64.h"

#include <array>

namespace notme::ssh {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeReverse() {
  std::array<int8_t, 256> r{};
  r.fill(-1);
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    r[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return r;
}
constexpr std::array<int8_t, 256> kReverse = MakeReverse();

}  // namespace

std::string Base64Encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{bytes[i]} << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

Result<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return Fail(ErrorCode::kMalformed, "base64: length not a multiple of 4");
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    size_t symbols = last ? 4 - pad : 4;
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      v <<= 6;
      if (j >= symbols) {
        if (text[i + j] != '=') return Fail(ErrorCode::kMalformed, "base64: bad padding");
        continue;
      }
      int8_t d = kReverse[static_cast<uint8_t>(text[i + j])];
      if (d < 0) return Fail(ErrorCode::kMalformed, "base64: character outside the alphabet");
      v |= static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (symbols >= 3) out.push_back(static_cast<uint8_t>(v >> 8));
    if (symbols == 4) out.push_back(static_cast<uint8_t>(v));
    // Canonical encoding only: the bits below the last byte must be zero.
    if ((symbols == 2 && (v & 0xffff) != 0) || (symbols == 3 && (v & 0xff) != 0)) {
      return Fail(ErrorCode::kMalformed, "base64: non-zero trailing bits");
    }
  }
  return out;
}

}  // namespace notme::ssh
