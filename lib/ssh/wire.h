#pragma once
// SSH wire encoding (RFC 4251 §5): uint32, uint64 and length-prefixed strings.
//
// WireWriter appends to an owned buffer. WireReader reads from a borrowed span that must
// outlive it; every read is bounds-checked because the input is untrusted (certificates
// and signatures from files, requests and the network). A string's declared length is
// checked against the bytes that remain before anything is copied, so a huge length
// fails cleanly. Neither class is thread-safe; both are cheap to create per message.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "notme/result.h"

namespace notme::ssh {

// A view of string_view bytes as uint8_t, and back.
std::span<const uint8_t> AsBytes(std::string_view s);
std::string_view AsText(std::span<const uint8_t> b);

class WireWriter {
 public:
  void U32(uint32_t v);
  void U64(uint64_t v);
  // Raw bytes with no length prefix (SSHSIG's 6-byte magic).
  void Raw(std::span<const uint8_t> bytes);
  void Raw(std::string_view bytes) { Raw(AsBytes(bytes)); }
  // A uint32 length followed by the bytes. Aborts (NOTME_CHECK) on more than 4 GiB.
  void String(std::span<const uint8_t> bytes);
  void String(std::string_view bytes) { String(AsBytes(bytes)); }

  const std::vector<uint8_t>& bytes() const { return out_; }
  std::vector<uint8_t> Take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

class WireReader {
 public:
  explicit WireReader(std::span<const uint8_t> in) : in_(in) {}

  // Errors: kMalformed when fewer bytes remain than the field needs.
  Result<uint32_t> U32();
  Result<uint64_t> U64();
  Result<std::span<const uint8_t>> Raw(size_t n);
  // A length-prefixed string, as a view into the input. Errors: kMalformed when the
  // declared length exceeds what remains.
  Result<std::span<const uint8_t>> String();
  // A string that must be text: no NUL byte (OpenSSH reads these with C string APIs, so
  // an embedded NUL would make us and it disagree about the value).
  Result<std::string_view> Text();
  // A string that must equal `expected` exactly. Errors: kMalformed / kUnsupported.
  Result<void> ExpectText(std::string_view expected);

  size_t remaining() const { return in_.size() - pos_; }
  // The bytes consumed so far (the signed prefix of a certificate).
  std::span<const uint8_t> consumed() const { return in_.first(pos_); }
  // Errors: kMalformed when bytes remain (`what` names the structure in the message).
  Result<void> ExpectEnd(std::string_view what) const;

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

}  // namespace notme::ssh
