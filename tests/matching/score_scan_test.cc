#include "matching-service/core/score_scan.h"

#include <cmath>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samenspel::matching {
namespace {

// Score arrays like a query's: a share of the experts untouched (0), the
// rest with text scores and skills bounds; none within `gap` of `min_bound`
// for the filter below, so every instruction set must keep the same docs.
struct Scores {
  std::vector<float> text, skill;
};

constexpr BoundFilter kFilter{
    .scale = 0.02f, .cap = 0.35f, .rest = 0.2f, .min_bound = 0.9f};

float Bound(const Scores& s, size_t doc) {
  return s.text[doc] * kFilter.scale + std::min(kFilter.cap, s.skill[doc]) + kFilter.rest;
}

Scores RandomScores(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> text(1, 40), skill(0, 0.5f), coin(0, 1);
  Scores s;
  for (size_t doc = 0; doc < n; ++doc) {
    for (;;) {
      const float t = coin(rng) < 0.15f ? 0.0f : text(rng);
      const float k = coin(rng) < 0.5f ? 0.0f : skill(rng);
      s.text.push_back(t);
      s.skill.push_back(k);
      if (std::abs(Bound(s, doc) - kFilter.min_bound) > 1e-4f) break;
      s.text.pop_back();
      s.skill.pop_back();
    }
  }
  return s;
}

std::vector<uint32_t> Expected(const Scores& s, uint32_t lo, uint32_t hi,
                               float min_bound) {
  std::vector<uint32_t> docs;
  for (uint32_t doc = lo; doc < hi; ++doc) {
    if (s.text[doc] != 0 && Bound(s, doc) >= min_bound) docs.push_back(doc);
  }
  return docs;
}

std::vector<ScanIsa> IsasOfThisCpu() {
  std::vector<ScanIsa> isas = {ScanIsa::kPlain};
  if (BestScanIsa() >= ScanIsa::kAvx2) isas.push_back(ScanIsa::kAvx2);
  if (BestScanIsa() >= ScanIsa::kAvx512) isas.push_back(ScanIsa::kAvx512);
  return isas;
}

std::vector<uint32_t> Scan(ScanIsa isa, const Scores& s, uint32_t lo, uint32_t hi,
                           const BoundFilter& f) {
  std::vector<uint32_t> out(hi - lo + 16, 0xdeadbeef);
  out.resize(ScanBoundsWith(isa, s.text.data(), s.skill.data(), lo, hi, f, out.data()));
  return out;
}

TEST(ScoreScanTest, EveryInstructionSetKeepsTheDocsAPlainLoopKeeps) {
  const Scores s = RandomScores(kScanBlock + 100, 7);
  // Ranges that start and end inside a vector's width, and empty ones.
  for (auto [lo, hi] : std::vector<std::pair<uint32_t, uint32_t>>{{0, kScanBlock},
                                                                  {3, 3},
                                                                  {5, 21},
                                                                  {17, 18},
                                                                  {100, 100 + kScanBlock},
                                                                  {0, 15}}) {
    const std::vector<uint32_t> expected = Expected(s, lo, hi, kFilter.min_bound);
    for (ScanIsa isa : IsasOfThisCpu()) {
      EXPECT_EQ(Scan(isa, s, lo, hi, kFilter), expected)
          << "isa " << static_cast<int>(isa) << " range " << lo << ".." << hi;
    }
  }
  // The real range is not trivial: some docs kept, most not.
  const size_t kept = Expected(s, 0, kScanBlock, kFilter.min_bound).size();
  EXPECT_GT(kept, 50u);
  EXPECT_LT(kept, kScanBlock / 2);
}

TEST(ScoreScanTest, WithoutAMinimumEveryTouchedDocIsKept) {
  const Scores s = RandomScores(1000, 11);
  BoundFilter all = kFilter;
  all.min_bound = -INFINITY;
  for (ScanIsa isa : IsasOfThisCpu()) {
    const std::vector<uint32_t> kept = Scan(isa, s, 0, 1000, all);
    EXPECT_EQ(kept, Expected(s, 0, 1000, -INFINITY)) << static_cast<int>(isa);
    EXPECT_THAT(kept, testing::Each(testing::Lt(1000u)));
  }
}

TEST(ScoreScanTest, ScanBoundsUsesTheBestInstructionSet) {
  const Scores s = RandomScores(300, 3);
  std::vector<uint32_t> out(300 + 16);
  out.resize(ScanBounds(s.text.data(), s.skill.data(), 0, 300, kFilter, out.data()));
  EXPECT_EQ(out, Expected(s, 0, 300, kFilter.min_bound));
}

TEST(ScoreScanTest, FindScoreFindsTheFirstOccurrence) {
  std::vector<float> text(1000, 1.0f);
  EXPECT_EQ(FindScore(text.data(), 1000, 2.0f), 1000u);  // absent
  EXPECT_EQ(FindScore(text.data(), 0, 1.0f), 0u);        // empty
  for (uint32_t at : {0u, 5u, 63u, 64u, 65u, 500u, 999u}) {
    std::vector<float> t = text;
    t[at] = 2.0f;
    t[std::min(999u, at + 70)] = 2.0f;  // a later one too
    EXPECT_EQ(FindScore(t.data(), 1000, 2.0f), at);
  }
}

}  // namespace
}  // namespace samenspel::matching
