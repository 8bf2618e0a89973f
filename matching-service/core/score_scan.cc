#include "matching-service/core/score_scan.h"

#include <algorithm>
#include <bit>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace samenspel::matching {
namespace {

size_t ScanBoundsPlain(const float* text, const float* skill, uint32_t lo, uint32_t hi,
                       const BoundFilter& f, uint32_t* out) {
  size_t n = 0;
  for (uint32_t doc = lo; doc < hi; ++doc) {
    const float b = text[doc] * f.scale + std::min(f.cap, skill[doc]) + f.rest;
    out[n] = doc;  // kept only when it passes: branch-free
    n += (b >= f.min_bound) & (text[doc] != 0);
  }
  return n;
}

#if defined(__x86_64__)
// GCC 12 warns about the deliberately undefined lanes inside _mm512_min_ps.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) size_t ScanBoundsAvx512(const float* text,
                                                           const float* skill,
                                                           uint32_t lo, uint32_t hi,
                                                           const BoundFilter& f,
                                                           uint32_t* out) {
  const __m512 scale = _mm512_set1_ps(f.scale), cap = _mm512_set1_ps(f.cap),
               rest = _mm512_set1_ps(f.rest), min_bound = _mm512_set1_ps(f.min_bound),
               zero = _mm512_setzero_ps();
  const __m512i lanes =
      _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  size_t n = 0;
  uint32_t doc = lo;
  for (; doc + 16 <= hi; doc += 16) {
    const __m512 t = _mm512_loadu_ps(text + doc);
    const __m512 k = _mm512_loadu_ps(skill + doc);
    // min(k, cap) is k < cap ? k : cap, as std::min(cap, k).
    const __m512 b = _mm512_add_ps(
        _mm512_add_ps(_mm512_mul_ps(t, scale), _mm512_min_ps(k, cap)), rest);
    const __mmask16 keep = _mm512_mask_cmp_ps_mask(
        _mm512_cmp_ps_mask(t, zero, _CMP_NEQ_UQ), b, min_bound, _CMP_GE_OQ);
    if (keep == 0) continue;
    // Compressed in a register, then stored whole (`out` has room): a
    // compressing store to memory is slow on some CPUs.
    const __m512i docs =
        _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(doc)), lanes);
    _mm512_storeu_si512(out + n, _mm512_maskz_compress_epi32(keep, docs));
    n += std::popcount(static_cast<unsigned>(keep));
  }
  return n + ScanBoundsPlain(text, skill, doc, hi, f, out + n);
}
#pragma GCC diagnostic pop

__attribute__((target("avx2"))) size_t ScanBoundsAvx2(const float* text,
                                                      const float* skill, uint32_t lo,
                                                      uint32_t hi, const BoundFilter& f,
                                                      uint32_t* out) {
  const __m256 scale = _mm256_set1_ps(f.scale), cap = _mm256_set1_ps(f.cap),
               rest = _mm256_set1_ps(f.rest), min_bound = _mm256_set1_ps(f.min_bound),
               zero = _mm256_setzero_ps();
  size_t n = 0;
  uint32_t doc = lo;
  for (; doc + 8 <= hi; doc += 8) {
    const __m256 t = _mm256_loadu_ps(text + doc);
    const __m256 k = _mm256_loadu_ps(skill + doc);
    const __m256 b = _mm256_add_ps(
        _mm256_add_ps(_mm256_mul_ps(t, scale), _mm256_min_ps(k, cap)), rest);
    const __m256 keep = _mm256_and_ps(_mm256_cmp_ps(t, zero, _CMP_NEQ_UQ),
                                      _mm256_cmp_ps(b, min_bound, _CMP_GE_OQ));
    for (unsigned bits = static_cast<unsigned>(_mm256_movemask_ps(keep)); bits != 0;
         bits &= bits - 1) {
      out[n++] = doc + static_cast<uint32_t>(std::countr_zero(bits));
    }
  }
  return n + ScanBoundsPlain(text, skill, doc, hi, f, out + n);
}
#endif

}  // namespace

ScanIsa BestScanIsa() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return ScanIsa::kAvx512;
  if (__builtin_cpu_supports("avx2")) return ScanIsa::kAvx2;
#endif
  return ScanIsa::kPlain;
}

size_t ScanBoundsWith(ScanIsa isa, const float* text, const float* skill, uint32_t lo,
                      uint32_t hi, const BoundFilter& f, uint32_t* out) {
  switch (isa) {
#if defined(__x86_64__)
    case ScanIsa::kAvx512:
      return ScanBoundsAvx512(text, skill, lo, hi, f, out);
    case ScanIsa::kAvx2:
      return ScanBoundsAvx2(text, skill, lo, hi, f, out);
#endif
    default:
      return ScanBoundsPlain(text, skill, lo, hi, f, out);
  }
}

size_t ScanBounds(const float* text, const float* skill, uint32_t lo, uint32_t hi,
                  const BoundFilter& f, uint32_t* out) {
  static const ScanIsa isa = BestScanIsa();
  return ScanBoundsWith(isa, text, skill, lo, hi, f, out);
}

uint32_t FindScore(const float* text, uint32_t n, float value) {
  // Blocks of 64 compared without an early exit (the compiler vectorises
  // that), then the first match within the block that has one.
  constexpr uint32_t kBlock = 64;
  uint32_t doc = 0;
  for (; doc + kBlock <= n; doc += kBlock) {
    bool any = false;
    for (uint32_t i = 0; i < kBlock; ++i) any |= text[doc + i] == value;
    if (any) break;
  }
  while (doc < n && text[doc] != value) ++doc;
  return doc;
}

}  // namespace samenspel::matching
