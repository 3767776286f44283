#include "crypto/secret_bytes.h"

#include <sodium.h>

#include <cstring>

#include "notme/check.h"

namespace notme::crypto {

Result<SecretBytes> SecretBytes::Allocate(size_t size) {
  NOTME_CHECK(size > 0, "SecretBytes of size 0");
  auto* p = static_cast<uint8_t*>(sodium_malloc(size));
  if (p == nullptr) {
    return Fail(ErrorCode::kInternal,
                "cannot allocate locked memory for a secret (is RLIMIT_MEMLOCK too low?)");
  }
  // sodium_malloc places the buffer between guard pages, mlocks it and marks it
  // MADV_DONTDUMP (libsodium sodium_mlock), so it is neither swapped nor dumped.
  std::memset(p, 0, size);
  sodium_mprotect_noaccess(p);
  return SecretBytes(p, size);
}

Result<SecretBytes> SecretBytes::CopyFrom(std::span<const uint8_t> bytes) {
  NOTME_TRY(SecretBytes s, Allocate(bytes.size()));
  s.WriteForInit([&](std::span<uint8_t> out) { std::memcpy(out.data(), bytes.data(), bytes.size()); });
  return s;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

SecretBytes::~SecretBytes() { Release(); }

void SecretBytes::Release() {
  if (data_ != nullptr) {
    // sodium_free zeroes the buffer before unlocking and unmapping it; it needs the
    // pages accessible.
    sodium_mprotect_readwrite(data_);
    sodium_free(data_);
    data_ = nullptr;
    size_ = 0;
  }
}

bool SecretBytes::ConstantTimeEquals(const SecretBytes& other) const {
  if (size_ != other.size_) return false;
  return RevealForCrypto([&](std::span<const uint8_t> a) {
    return other.RevealForCrypto(
        [&](std::span<const uint8_t> b) { return sodium_memcmp(a.data(), b.data(), a.size()) == 0; });
  });
}

SecretBytes::ScopedAccess::ScopedAccess(const SecretBytes& s, bool writable) : s_(s) {
  NOTME_CHECK(s.data_ != nullptr, "access to a moved-from SecretBytes");
  // Nested access (comparing a buffer with itself) keeps the outermost protection; the
  // pages become inaccessible again when the outermost scope closes.
  if (s.access_depth_++ > 0) {
    NOTME_CHECK(!writable, "nested write access to a SecretBytes");
    return;
  }
  int rc = writable ? sodium_mprotect_readwrite(s.data_) : sodium_mprotect_readonly(s.data_);
  NOTME_CHECK(rc == 0, "mprotect on guarded memory failed");
}

SecretBytes::ScopedAccess::~ScopedAccess() {
  if (--s_.access_depth_ == 0) sodium_mprotect_noaccess(s_.data_);
}

}  // namespace notme::crypto
