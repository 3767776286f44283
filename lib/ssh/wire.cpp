#include "ssh/wire.h"

#include <limits>

#include "notme/check.h"

namespace notme::ssh {

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string_view AsText(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

void WireWriter::U32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(v >> shift));
}

void WireWriter::U64(uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(v >> shift));
}

void WireWriter::Raw(std::span<const uint8_t> bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

void WireWriter::String(std::span<const uint8_t> bytes) {
  NOTME_CHECK(bytes.size() <= std::numeric_limits<uint32_t>::max(), "ssh string over 4 GiB");
  U32(static_cast<uint32_t>(bytes.size()));
  Raw(bytes);
}

Result<std::span<const uint8_t>> WireReader::Raw(size_t n) {
  if (n > remaining()) return Fail(ErrorCode::kMalformed, "ssh wire: truncated input");
  auto out = in_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Result<uint32_t> WireReader::U32() {
  NOTME_TRY(auto b, Raw(4));
  uint32_t v = 0;
  for (uint8_t byte : b) v = (v << 8) | byte;
  return v;
}

Result<uint64_t> WireReader::U64() {
  NOTME_TRY(auto b, Raw(8));
  uint64_t v = 0;
  for (uint8_t byte : b) v = (v << 8) | byte;
  return v;
}

Result<std::span<const uint8_t>> WireReader::String() {
  NOTME_TRY(uint32_t len, U32());
  if (len > remaining()) {
    return Fail(ErrorCode::kMalformed, "ssh wire: string length exceeds the input");
  }
  return Raw(len);
}

Result<std::string_view> WireReader::Text() {
  NOTME_TRY(auto b, String());
  std::string_view s = AsText(b);
  if (s.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kMalformed, "ssh wire: NUL byte inside a text string");
  }
  return s;
}

Result<void> WireReader::ExpectText(std::string_view expected) {
  NOTME_TRY(std::string_view s, Text());
  if (s != expected) {
    return Fail(ErrorCode::kUnsupported, "ssh wire: expected \"" + std::string(expected) + "\"");
  }
  return Ok();
}

Result<void> WireReader::ExpectEnd(std::string_view what) const {
  if (remaining() != 0) {
    return Fail(ErrorCode::kMalformed, std::string(what) + ": trailing data");
  }
  return Ok();
}

}  // namespace notme::ssh
