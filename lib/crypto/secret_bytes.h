#pragma once
// SecretBytes: the only container for secret material (STYLE.md "Secrets").
//
// Owns a sodium_malloc buffer: guard pages on both sides, mlock'd (never swapped),
// excluded from core dumps (MADV_DONTDUMP), zeroed on free. The buffer is kept
// PROT_NONE (sodium_mprotect_noaccess) while idle; it becomes readable or writable only
// inside RevealForCrypto()/WriteForInit() callbacks. Move-only; not printable; no
// implicit conversions. Not thread-safe: one owner at a time (callers serialise access).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "notme/result.h"

namespace notme::crypto {

class SecretBytes {
 public:
  // Allocates `size` zeroed bytes (size > 0). Errors: kInternal when guarded memory
  // cannot be allocated (RLIMIT_MEMLOCK exhausted, ...).
  static Result<SecretBytes> Allocate(size_t size);
  // Copies `bytes` into a new guarded buffer; the caller wipes its own copy.
  static Result<SecretBytes> CopyFrom(std::span<const uint8_t> bytes);

  SecretBytes(SecretBytes&& other) noexcept;  // `other` becomes empty (size 0)
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  size_t size() const { return size_; }

  // Read access, for crypto code only. The bytes are readable for the duration of `fn`
  // and must not escape it. Every use is findable with grep.
  template <typename Fn>
  auto RevealForCrypto(Fn&& fn) const {
    ScopedAccess access(*this, /*writable=*/false);
    return fn(std::span<const uint8_t>(data_, size_));
  }

  // Write access, to fill a freshly allocated buffer (key generation, reading from the
  // keyring). Same rules as RevealForCrypto.
  template <typename Fn>
  auto WriteForInit(Fn&& fn) {
    ScopedAccess access(*this, /*writable=*/true);
    return fn(std::span<uint8_t>(data_, size_));
  }

  // Constant-time equality of contents (sodium_memcmp); sizes must match to be equal.
  bool ConstantTimeEquals(const SecretBytes& other) const;

 private:
  class ScopedAccess {
   public:
    ScopedAccess(const SecretBytes& s, bool writable);
    ~ScopedAccess();
    ScopedAccess(const ScopedAccess&) = delete;
    ScopedAccess& operator=(const ScopedAccess&) = delete;

   private:
    const SecretBytes& s_;
  };

  SecretBytes(uint8_t* data, size_t size) : data_(data), size_(size) {}
  void Release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  mutable int access_depth_ = 0;
};

}  // namespace notme::crypto
