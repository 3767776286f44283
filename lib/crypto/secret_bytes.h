#pragma once
// SecretBytes: the only container for secret material (STYLE.md "Secrets").
//
// Owns a sodium_malloc buffer: guard pages on both sides, mlock'd (never swapped),
// excluded from core dumps (MADV_DONTDUMP), zeroed on free. The buffer is kept
// PROT_NONE (sodium_mprotect_noaccess) while idle; it becomes readable or writable only
// inside RevealForCrypto()/WriteForInit() callbacks. Move-only; not printable; no
// implicit conversions. Not thread-safe: one owner at a time (callers serialise access),
// with one exception: after KeepReadOnly(), RevealForCrypto may run on many threads at
// once (nothing changes on a read any more).
//
// Three cheaper variants for hot paths (the reasons are in docs/threat-model.md, "Guarded
// memory"): KeepReadOnly() for a long-lived key used on every request, AllocateScratch()
// for a one-time key that signs once and is wiped at once, and AllocateShortLived() for a
// value that lives for one request (a keyring lookup the proxy injects).

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

  static constexpr size_t kScratchSize = 64;
  // For a secret that lives for one operation on this thread (the one-time key of an SSH
  // signature): `size` (1..kScratchSize) zeroed bytes in this thread's scratch page,
  // which is allocated like Allocate's buffers (guard pages, mlocked, MADV_DONTDUMP) once
  // per thread and then reused, so a one-time key costs no mmap/mlock/munmap. The page
  // stays readable and writable (it holds only zeros between uses), so accessors do not
  // mprotect either; releasing wipes the bytes (sodium_memzero). When the page is in use
  // (two scratch secrets at once) or cannot be allocated, falls back to Allocate.
  // Errors: those of Allocate.
  static Result<SecretBytes> AllocateScratch(size_t size);

  static constexpr size_t kShortLivedSize = 4096;
  static constexpr size_t kShortLivedSlots = 4;
  // For a secret that lives for one request on this thread (a keyring lookup): `size`
  // zeroed bytes in one of this thread's kShortLivedSlots locked slots of kShortLivedSize
  // bytes, each allocated like Allocate's buffers (guard pages, mlocked, MADV_DONTDUMP) on
  // first use and then reused. As with AllocateScratch, the slot stays readable and
  // writable for its short life (it holds only zeros while free), so accessors do not
  // mprotect, and releasing wipes the bytes (sodium_memzero). A value larger than
  // kShortLivedSize, or one asked for while every slot is in use (the pool is bounded),
  // takes Allocate's path. Not for values kept beyond the request: those belong in
  // Allocate memory, PROT_NONE while idle. Errors: those of Allocate.
  static Result<SecretBytes> AllocateShortLived(size_t size);
  // CopyFrom into AllocateShortLived memory.
  static Result<SecretBytes> CopyShortLived(std::span<const uint8_t> bytes);

  SecretBytes(SecretBytes&& other) noexcept;  // `other` becomes empty (size 0)
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  size_t size() const { return size_; }

  // For a long-lived key used on every request (the token signing key, the SSH CA): the
  // buffer becomes read-only for the rest of its life instead of PROT_NONE between uses,
  // which saves two mprotect calls (and their TLB shoot-downs) per use. It stays mlocked,
  // MADV_DONTDUMP and between guard pages; a write faults. WriteForInit afterwards
  // aborts (NOTME_CHECK). Call once, after the bytes are written, outside any accessor
  // and before the buffer is shared: from then on RevealForCrypto is safe to call from
  // several threads at once (it keeps no count for such a buffer).
  void KeepReadOnly();

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

  // A thread's scratch page or short-lived slot (defined and used only in secret_bytes.cpp; public
  // so that the thread-exit hook there can name it).
  struct ScratchSlot;

 private:
  class ScopedAccess {
   public:
    ScopedAccess(const SecretBytes& s, bool writable);
    ~ScopedAccess();
    ScopedAccess(const ScopedAccess&) = delete;
    ScopedAccess& operator=(const ScopedAccess&) = delete;

   private:
    const SecretBytes& s_;
    bool counted_ = false;  // took part in access_depth_ (never for a KeepReadOnly buffer)
  };

  SecretBytes(uint8_t* data, size_t size) : data_(data), size_(size) {}
  void Release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  mutable int access_depth_ = 0;
  // Accessors toggle PROT_NONE <-> readable; false for KeepReadOnly and scratch buffers.
  bool toggles_ = true;
  bool read_only_ = false;          // KeepReadOnly was called
  ScratchSlot* scratch_ = nullptr;  // the thread's slot this buffer borrows, if any

  static Result<SecretBytes> Borrow(ScratchSlot*& slot, size_t capacity, size_t size);
};

}  // namespace notme::crypto
