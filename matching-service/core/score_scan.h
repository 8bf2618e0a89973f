// Scans over a query's per-expert score arrays (Scratch in matcher.cc) that
// look at every expert of the index and keep few: written with x86 vector
// instructions where the CPU has them (chosen once at run time), since the
// compiler cannot vectorise a loop that keeps some of its elements.
//
// Thread-safe (pure functions).
#ifndef SAMENSPEL_MATCHING_CORE_SCORE_SCAN_H_
#define SAMENSPEL_MATCHING_CORE_SCORE_SCAN_H_

#include <cstddef>
#include <cstdint>

namespace samenspel::matching {

// The float filter of a relevance bound: an expert whose text score is t
// (0: not touched) and skills bound k may reach
//   t * scale + min(cap, k) + rest.
struct BoundFilter {
  float scale = 0;
  float cap = 0;
  float rest = 0;
  float min_bound = 0;  // keep experts whose bound is at least this
};

// Most docs one ScanBounds call looks at.
inline constexpr uint32_t kScanBlock = 4096;

// Writes to out[0..n) the docs in [lo, hi) (at most kScanBlock of them) that
// are touched (text[doc] != 0) and whose bound is at least f.min_bound, in
// ascending order, and returns n. `out` must hold hi - lo + 16 entries.
// Which docs pass may differ from a plain scalar loop's by the rounding of
// the bound (a fused multiply-add): callers keep a margin.
size_t ScanBounds(const float* text, const float* skill, uint32_t lo, uint32_t hi,
                  const BoundFilter& f, uint32_t* out);

// The instruction sets ScanBounds() can use; it uses the best the CPU has.
enum class ScanIsa { kPlain, kAvx2, kAvx512 };
ScanIsa BestScanIsa();
// ScanBounds() with `isa` (at most BestScanIsa()), to test each.
size_t ScanBoundsWith(ScanIsa isa, const float* text, const float* skill, uint32_t lo,
                      uint32_t hi, const BoundFilter& f, uint32_t* out);

// The first doc in [0, n) with text[doc] == value, or n.
uint32_t FindScore(const float* text, uint32_t n, float value);

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_SCORE_SCAN_H_
