// Memory for the index's large arrays.
//
// Touching memory for the first time is dear on the virtual machines this
// service runs on: each 4 KiB page faults into the hypervisor. Measured on
// the 2-core bench machine, writing 425 MB of fresh memory took 1.5-2.1 s
// with 4 KiB pages, 0.6-1.0 s with transparent huge pages, and about half
// again with two threads writing. A snapshot of 1M experts writes that much
// in posting arrays alone. So
//   - the posting arrays are left unwritten by resize()
//     (UninitializedAllocator), and two threads write them (Segment::Builder);
//   - temporary and write-mostly structures (the builder's blocks, the name
//     map) are aligned to 2 MiB and advised as huge pages (MADV_HUGEPAGE;
//     this helps where /sys/kernel/mm/transparent_hugepage/enabled is
//     "madvise" or "always", and does nothing otherwise).
#ifndef SAMENSPEL_MATCHING_CORE_HUGE_PAGES_H_
#define SAMENSPEL_MATCHING_CORE_HUGE_PAGES_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace samenspel::matching {

inline constexpr size_t kHugePageBytes = size_t{1} << 21;

// Allocates `bytes` (rounded up to whole huge pages) aligned to a huge page;
// with `advise`, asks for huge pages. Release with std::free.
inline void* AllocateHugePageAligned(size_t bytes, bool advise) {
  const size_t rounded = (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  void* p = std::aligned_alloc(kHugePageBytes, rounded);
  if (p == nullptr) throw std::bad_alloc();
  if (advise) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: errors ignored
  return p;
}

// A std::allocator whose resize() leaves plain data unwritten (elements are
// default-initialised), so that the first touch is the real write and can be
// spread over threads. For long-lived arrays that queries read: huge pages
// made the server-side p99 at 1M experts worse (28-45 against 21-28 ms,
// alternating runs), so these get ordinary pages.
template <typename T>
class UninitializedAllocator : public std::allocator<T> {
 public:
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}  // NOLINT

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

template <typename T>
using UninitializedVector = std::vector<T, UninitializedAllocator<T>>;

// A std::allocator that serves arrays of kHugePageBytes or more as above,
// advised as huge pages. For large structures that are filled at random
// and that queries do not read.
template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding

  T* allocate(size_t n) {
    if (n * sizeof(T) < kHugePageBytes) return std::allocator<T>().allocate(n);
    return static_cast<T*>(AllocateHugePageAligned(n * sizeof(T), /*advise=*/true));
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kHugePageBytes) return std::allocator<T>().deallocate(p, n);
    std::free(p);
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) {
    return true;
  }
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_HUGE_PAGES_H_
