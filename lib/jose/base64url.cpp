#include "jose/base64url.h"

#include <array>

namespace notme::jose {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

template <typename Out>
Result<Out> Decode(std::string_view text) {
  // RFC 7515 Appendix C: a remainder of one character cannot encode a whole byte.
  if (text.size() % 4 == 1) return Fail(ErrorCode::kMalformed, "base64url: impossible length");
  Out out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const uint8_t v = kDecode[static_cast<uint8_t>(c)];
    if (v == kInvalid) {
      return Fail(ErrorCode::kMalformed, c == '=' ? "base64url: padding is not allowed"
                                                  : "base64url: character outside the alphabet");
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<typename Out::value_type>((acc >> bits) & 0xffU));
    }
  }
  // Leftover bits must be zero so that each byte string has exactly one encoding
  // (RFC 4648 §3.5 lets decoders reject non-canonical encodings; JOSE must, to keep
  // signatures and thumbprints unambiguous).
  if (bits > 0 && (acc & ((1U << bits) - 1U)) != 0) {
    return Fail(ErrorCode::kMalformed, "base64url: non-canonical trailing bits");
  }
  return out;
}

}  // namespace

std::string Base64UrlEncode(std::span<const uint8_t> data) {
  std::string out((data.size() * 4 + 2) / 3, '\0');
  char* o = out.data();
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t n = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    *o++ = kAlphabet[(n >> 18) & 63];
    *o++ = kAlphabet[(n >> 12) & 63];
    *o++ = kAlphabet[(n >> 6) & 63];
    *o++ = kAlphabet[n & 63];
  }
  const size_t rest = data.size() - i;
  if (rest > 0) {
    const uint32_t n =
        (uint32_t{data[i]} << 16) | (rest == 2 ? uint32_t{data[i + 1]} << 8 : uint32_t{0});
    *o++ = kAlphabet[(n >> 18) & 63];
    *o++ = kAlphabet[(n >> 12) & 63];
    if (rest == 2) *o++ = kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::string Base64UrlEncode(std::string_view data) {
  return Base64UrlEncode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text) {
  return Decode<std::vector<uint8_t>>(text);
}

Result<std::string> Base64UrlDecodeToString(std::string_view text) {
  return Decode<std::string>(text);
}

}  // namespace notme::jose
