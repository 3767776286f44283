#include "crypto/secret_bytes.h"

#include <sodium.h>

#include <array>
#include <atomic>
#include <cstring>

#include "notme/check.h"

namespace notme::crypto {

// Created on first use and owned by the thread's ThreadScratch (one scratch slot and
// kShortLivedSlots short-lived ones per thread). `page` is a sodium_malloc buffer of
// kScratchSize or kShortLivedSize bytes, readable and writable, all zero whenever the
// kInUse bit is clear. A scratch buffer may be released on another thread than its
// slot's (a moved SecretBytes), even after that thread exited: whichever of "release" and
// "thread exit" comes last frees the page and the slot.
struct SecretBytes::ScratchSlot {
  static constexpr unsigned kInUse = 1;
  static constexpr unsigned kOrphaned = 2;  // the owning thread has exited
  uint8_t* page = nullptr;
  std::atomic<unsigned> state{0};

  static void Destroy(ScratchSlot* slot) {
    sodium_free(slot->page);  // zeroes it once more
    delete slot;
  }
};

namespace {

// Thread-exit hook for the slots (a thread_local with a destructor).
struct ThreadScratch {
  SecretBytes::ScratchSlot* slot = nullptr;
  std::array<SecretBytes::ScratchSlot*, SecretBytes::kShortLivedSlots> short_lived{};
  ~ThreadScratch();
};

}  // namespace

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

namespace {

thread_local ThreadScratch tls_scratch;

void Orphan(SecretBytes::ScratchSlot* slot) {
  if (slot == nullptr) return;
  const unsigned before = slot->state.fetch_or(SecretBytes::ScratchSlot::kOrphaned,
                                               std::memory_order_acq_rel);
  // A secret still alive elsewhere frees the slot when it is released.
  if ((before & SecretBytes::ScratchSlot::kInUse) == 0) SecretBytes::ScratchSlot::Destroy(slot);
}

ThreadScratch::~ThreadScratch() {
  Orphan(slot);
  for (SecretBytes::ScratchSlot* s : short_lived) Orphan(s);
}

}  // namespace

// Lends this thread's `slot` (its page of `capacity` bytes allocated on first use) for
// `size` bytes; falls back to Allocate when the slot is busy or cannot be allocated.
Result<SecretBytes> SecretBytes::Borrow(ScratchSlot*& slot, size_t capacity, size_t size) {
  if (slot == nullptr) {
    auto* page = static_cast<uint8_t*>(sodium_malloc(capacity));
    if (page == nullptr) return Allocate(size);
    sodium_memzero(page, capacity);
    slot = new ScratchSlot{page};
  }
  if (slot->state.fetch_or(ScratchSlot::kInUse, std::memory_order_acquire) & ScratchSlot::kInUse) {
    return Allocate(size);  // the page holds another live secret
  }
  SecretBytes s(slot->page, size);
  s.toggles_ = false;
  s.scratch_ = slot;
  return s;
}

Result<SecretBytes> SecretBytes::AllocateScratch(size_t size) {
  NOTME_CHECK(size > 0 && size <= kScratchSize, "scratch SecretBytes of a bad size");
  return Borrow(tls_scratch.slot, kScratchSize, size);
}

Result<SecretBytes> SecretBytes::AllocateShortLived(size_t size) {
  NOTME_CHECK(size > 0, "SecretBytes of size 0");
  if (size > kShortLivedSize) return Allocate(size);
  // The first slot that is free or not allocated yet. Only this thread sets kInUse (a
  // release elsewhere only clears it), so a slot seen free here is still free in Borrow.
  for (ScratchSlot*& slot : tls_scratch.short_lived) {
    if (slot == nullptr ||
        (slot->state.load(std::memory_order_acquire) & ScratchSlot::kInUse) == 0) {
      return Borrow(slot, kShortLivedSize, size);
    }
  }
  return Allocate(size);  // every slot holds a live secret
}

Result<SecretBytes> SecretBytes::CopyShortLived(std::span<const uint8_t> bytes) {
  NOTME_TRY(SecretBytes s, AllocateShortLived(bytes.size()));
  s.WriteForInit(
      [&](std::span<uint8_t> out) { std::memcpy(out.data(), bytes.data(), bytes.size()); });
  return s;
}

Result<SecretBytes> SecretBytes::CopyFrom(std::span<const uint8_t> bytes) {
  NOTME_TRY(SecretBytes s, Allocate(bytes.size()));
  s.WriteForInit([&](std::span<uint8_t> out) { std::memcpy(out.data(), bytes.data(), bytes.size()); });
  return s;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(other.data_),
      size_(other.size_),
      toggles_(other.toggles_),
      read_only_(other.read_only_),
      scratch_(other.scratch_) {
  other.data_ = nullptr;
  other.size_ = 0;
  other.scratch_ = nullptr;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = other.data_;
    size_ = other.size_;
    toggles_ = other.toggles_;
    read_only_ = other.read_only_;
    scratch_ = other.scratch_;
    other.data_ = nullptr;
    other.size_ = 0;
    other.scratch_ = nullptr;
  }
  return *this;
}

SecretBytes::~SecretBytes() { Release(); }

void SecretBytes::Release() {
  if (data_ == nullptr) return;
  if (scratch_ != nullptr) {
    // The one-time secret dies here: wiped in place, the page kept for the next one.
    sodium_memzero(data_, size_);
    const unsigned before =
        scratch_->state.fetch_and(~ScratchSlot::kInUse, std::memory_order_acq_rel);
    if ((before & ScratchSlot::kOrphaned) != 0) ScratchSlot::Destroy(scratch_);
    scratch_ = nullptr;
  } else {
    // sodium_free zeroes the buffer before unlocking and unmapping it; it needs the
    // pages accessible.
    sodium_mprotect_readwrite(data_);
    sodium_free(data_);
  }
  data_ = nullptr;
  size_ = 0;
}

void SecretBytes::KeepReadOnly() {
  NOTME_CHECK(data_ != nullptr, "KeepReadOnly on a moved-from SecretBytes");
  NOTME_CHECK(access_depth_ == 0 && scratch_ == nullptr, "KeepReadOnly inside an accessor");
  if (read_only_) return;
  NOTME_CHECK(sodium_mprotect_readonly(data_) == 0, "mprotect on guarded memory failed");
  toggles_ = false;
  read_only_ = true;
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
  NOTME_CHECK(!(writable && s.read_only_), "write access to a read-only SecretBytes");
  // A KeepReadOnly buffer stays readable and is never written again: a read changes
  // nothing, so concurrent readers (signing workers) need no count and no lock.
  if (s.read_only_) return;
  counted_ = true;
  // Nested access (comparing a buffer with itself) keeps the outermost protection; the
  // pages become inaccessible again when the outermost scope closes.
  if (s.access_depth_++ > 0) {
    NOTME_CHECK(!writable, "nested write access to a SecretBytes");
    return;
  }
  if (!s.toggles_) return;
  int rc = writable ? sodium_mprotect_readwrite(s.data_) : sodium_mprotect_readonly(s.data_);
  NOTME_CHECK(rc == 0, "mprotect on guarded memory failed");
}

SecretBytes::ScopedAccess::~ScopedAccess() {
  if (counted_ && --s_.access_depth_ == 0 && s_.toggles_) sodium_mprotect_noaccess(s_.data_);
}

}  // namespace notme::crypto
