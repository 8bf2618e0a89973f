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
//   - the builder's blocks, freed once the segment is built, are aligned to
//     2 MiB and advised as huge pages (MADV_HUGEPAGE; this helps where
//     /sys/kernel/mm/transparent_hugepage/enabled is "madvise" or "always",
//     and does nothing otherwise).
// Nothing that lives on gets huge pages: with the posting arrays on huge
// pages, the server-side p99 at 1M experts was worse in 6 of 6 alternating
// rounds (25.9-38.8 against 20.5-25.3 ms).
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
// spread over threads.
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

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_HUGE_PAGES_H_
