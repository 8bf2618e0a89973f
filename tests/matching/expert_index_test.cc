#include "matching-service/core/expert_index.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samenspel::matching {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

Segment::Doc MakeDoc(const std::string& name, std::vector<TermId> terms) {
  Segment::Doc d;
  d.name = name;
  d.display_name = "Display " + name;
  d.info.available_hours = static_cast<int32_t>(name.size());
  d.regions = {7, 9};
  d.skills = {PackSkill(3, 4)};
  d.field_length = {4, 0, 8, 100000};  // bio saturates at 65535
  for (TermId t : terms)
    d.terms.push_back({t, FieldTf{4, 0, 0, static_cast<uint8_t>(t)}});
  return d;
}

// doc name -> its terms, read back from the postings.
std::map<std::string, std::set<TermId>> TermsByName(
    const Segment& s, const std::vector<TermId>& vocabulary) {
  std::map<std::string, std::set<TermId>> out;
  const TextFormula formula(s.reference());
  for (TermId t : vocabulary) {
    const PostingList list = s.Postings(t);
    uint16_t max_impact = 0;
    for (uint32_t i = 0; i < list.size; ++i) {
      if (i > 0) {
        EXPECT_LT(list.docs[i - 1], list.docs[i]) << "postings sorted by doc";
      }
      EXPECT_EQ(list.tfs[i][kBio], static_cast<uint8_t>(t));
      EXPECT_EQ(list.impacts[i], formula.Impact(list.tfs[i], s.lengths()[list.docs[i]]))
          << "impact under the segment's reference lengths";
      max_impact =
          std::max<uint16_t>(max_impact, list.impacts[i] & TextFormula::kImpactMask);
      out[std::string(s.name(list.docs[i]))].insert(t);
    }
    EXPECT_EQ(list.max_impact, max_impact);
  }
  return out;
}

TEST(InternerTest, IdsAreDenseStableAndValuesMadeOnce) {
  Interner<int> interner;
  int made = 0;
  auto make = [&](absl::string_view key) {
    ++made;
    return static_cast<int>(key.size());
  };
  EXPECT_EQ(interner.Intern("GM0363", make), 0u);
  EXPECT_EQ(interner.Intern("PV27", make), 1u);
  EXPECT_EQ(interner.Intern("GM0363", make), 0u);
  EXPECT_EQ(made, 2);
  EXPECT_EQ(interner.key(1), "PV27");
  EXPECT_EQ(interner.value(0), 6);
  EXPECT_EQ(interner.Find("PV27"), 1u);
  EXPECT_EQ(interner.Find("NL"), std::nullopt);
  // Past one chunk of ids, earlier keys stay where they were.
  const absl::string_view first = interner.key(0);
  for (int i = 0; i < 10000; ++i) interner.Intern("code" + std::to_string(i), make);
  EXPECT_EQ(interner.size(), 10002u);
  EXPECT_EQ(interner.key(0).data(), first.data());
  EXPECT_EQ(interner.key(10001), "code9999");
}

TEST(PostingListTest, FindLowerBoundAndSliceAgreeWithABinarySearchOnEveryShapeOfList) {
  std::mt19937 random(7);
  // Even, clustered and skewed spreads of doc ids, short and long lists.
  for (int shape = 0; shape < 4; ++shape) {
    for (uint32_t size : {1u, 2u, 3u, 17u, 1000u, 20000u}) {
      std::set<uint32_t> ids;
      const uint32_t room = 2 * size + 10;  // enough distinct ids for every shape
      while (ids.size() < size) {
        const uint32_t r = random();
        uint32_t id = r % 200000;                                   // even
        if (shape == 1) id = 50000 + r % room;                      // one cluster
        if (shape == 2) id = (r % room) * (r % room);               // skewed towards 0
        if (shape == 3) id = r % 2 ? r % room : 199999 - r % room;  // both ends
        ids.insert(id);
      }
      std::vector<uint32_t> docs(ids.begin(), ids.end());
      std::vector<uint16_t> impacts;
      std::vector<FieldTf> tfs(docs.size());
      for (size_t i = 0; i < docs.size(); ++i) {
        impacts.push_back(static_cast<uint16_t>(i % 60000 + 1));
        tfs[i][0] = static_cast<uint8_t>(i % 250);
      }
      PostingList list{docs.data(), impacts.data(), tfs.data(),
                       static_cast<uint32_t>(docs.size()), 0};
      for (int probe = 0; probe < 3000; ++probe) {
        // Present ids, their neighbours, and anything in or out of range.
        uint32_t doc = probe % 3 == 0 ? docs[random() % docs.size()] + (probe % 2)
                                      : static_cast<uint32_t>(random() % 210000);
        const auto it = std::lower_bound(docs.begin(), docs.end(), doc);
        const bool present = it != docs.end() && *it == doc;
        ASSERT_EQ(list.LowerBound(doc), it - docs.begin())
            << "shape " << shape << " size " << size << " doc " << doc;
        // The slice from `doc` up to a second probe (the accumulation's
        // ranges of experts), also when that is below `doc`.
        const uint32_t hi = static_cast<uint32_t>(random() % 210000);
        const auto end = std::max(it, std::lower_bound(docs.begin(), docs.end(), hi));
        const PostingList slice = list.Slice(doc, hi);
        ASSERT_EQ(slice.size, end - it) << "slice [" << doc << ", " << hi << ")";
        if (slice.size > 0) {
          EXPECT_EQ(slice.docs, docs.data() + (it - docs.begin()));
          EXPECT_EQ(slice.impacts, impacts.data() + (it - docs.begin()));
          EXPECT_EQ(slice.tfs, tfs.data() + (it - docs.begin()));
        }
        FieldTf tf;
        uint16_t impact = 0;
        ASSERT_EQ(list.Find(doc, &tf, &impact), present)
            << "shape " << shape << " size " << size << " doc " << doc;
        if (present) {
          const size_t i = it - docs.begin();
          EXPECT_EQ(impact, impacts[i]);
          EXPECT_EQ(tf[0], tfs[i][0]);
        }
      }
    }
  }
}

TEST(PostingListTest, AnEmptyListHasNothingAnywhere) {
  const PostingList empty;
  EXPECT_EQ(empty.LowerBound(0), 0u);
  EXPECT_EQ(empty.LowerBound(12345), 0u);
  EXPECT_EQ(empty.Slice(0, 100).size, 0u);
  FieldTf tf;
  uint16_t impact;
  EXPECT_FALSE(empty.Find(0, &tf, &impact));
}

TEST(SegmentTest, BuildKeepsFactsAndPostings) {
  auto s = Segment::Build({MakeDoc("a", {1, 2}), MakeDoc("bb", {2, 3})});
  ASSERT_EQ(s->size(), 2u);
  const ExpertFacts f = s->facts(1);
  EXPECT_EQ(f.name, "bb");
  EXPECT_EQ(f.display_name, "Display bb");
  EXPECT_EQ(f.info.available_hours, 2);
  EXPECT_THAT(f.regions, ElementsAre(7, 9));
  ASSERT_EQ(f.skills.size(), 1u);
  EXPECT_EQ(SkillId(f.skills[0]), 3u);
  EXPECT_EQ(SkillLevel(f.skills[0]), 4);
  EXPECT_EQ(s->lengths()[1][kBio], 65535);
  EXPECT_EQ(s->max_length()[kJobTitle], 8);
  EXPECT_EQ(s->total_length()[kSkills], 8u);
  EXPECT_THAT(
      TermsByName(*s, {1, 2, 3}),
      ElementsAre(Pair("a", std::set<TermId>{1, 2}), Pair("bb", std::set<TermId>{2, 3})));
  FieldTf tf;
  uint16_t impact;
  ASSERT_TRUE(s->Find(3, 1, &tf, &impact));
  EXPECT_EQ(tf[kBio], 3);
  EXPECT_GE(impact, 1);
  EXPECT_FALSE(s->Find(3, 0, &tf, &impact));
  // Its own average lengths: (4 + 4) / 2 quarters of skills.
  EXPECT_EQ(s->reference()[kSkills], 4.0);
}

TEST(SegmentTest, ALargeBuildPlacesEveryPostingAsASmallOneDoes) {
  // Enough postings for Finish() to place them on two threads and for the
  // builder to fill several blocks; terms, tfs and lengths vary per doc.
  constexpr uint32_t kDocs = 40000;
  constexpr TermId kVocabulary = 700;
  std::mt19937 random(11);
  std::vector<Segment::Doc> docs;
  std::map<TermId, std::vector<std::pair<uint32_t, FieldTf>>> expected;
  size_t entries = 0;
  for (uint32_t d = 0; d < kDocs; ++d) {
    Segment::Doc doc;
    doc.name = "experts/" + std::to_string(d);
    const auto below = [&](uint32_t n) { return static_cast<uint32_t>(random() % n); };
    doc.field_length = {1 + below(40), below(10), 1 + below(20), 1 + below(400)};
    std::set<TermId> terms;
    while (terms.size() < 20 + d % 21) terms.insert(1 + random() % kVocabulary);
    for (TermId t : terms) {
      const FieldTf tf{static_cast<uint8_t>(random() % 3), 0,
                       static_cast<uint8_t>(random() % 2),
                       static_cast<uint8_t>(1 + random() % 12)};
      doc.terms.push_back({t, tf});
      expected[t].push_back({d, tf});
    }
    entries += terms.size();
    docs.push_back(std::move(doc));
  }
  ASSERT_GT(entries, size_t{1} << 20) << "too small to take the two-thread path";
  auto s = Segment::Build(std::move(docs));
  ASSERT_EQ(s->size(), kDocs);
  EXPECT_EQ(s->postings_count(), entries);
  const TextFormula formula(s->reference());
  for (TermId t = 1; t <= kVocabulary; ++t) {
    const PostingList list = s->Postings(t);
    const auto& want = expected[t];
    ASSERT_EQ(list.size, want.size()) << "term " << t;
    uint16_t max_impact = 0;
    for (uint32_t i = 0; i < list.size; ++i) {
      ASSERT_EQ(list.docs[i], want[i].first) << "term " << t << " posting " << i;
      ASSERT_EQ(list.tfs[i], want[i].second) << "term " << t << " posting " << i;
      ASSERT_EQ(list.impacts[i],
                formula.Impact(want[i].second, s->lengths()[want[i].first]))
          << "term " << t << " posting " << i;
      max_impact =
          std::max<uint16_t>(max_impact, list.impacts[i] & TextFormula::kImpactMask);
    }
    EXPECT_EQ(list.max_impact, max_impact) << "term " << t;
  }
  EXPECT_EQ(s->name(kDocs - 1), "experts/" + std::to_string(kDocs - 1));
}

TEST(SegmentTest, MergeDropsDeadDocsAndAppendsTheOther) {
  auto a = Segment::Build({MakeDoc("a", {1, 2}), MakeDoc("b", {2}), MakeDoc("c", {3})});
  auto b = Segment::Build({MakeDoc("d", {2, 4}), MakeDoc("b", {5})});
  auto m = Segment::Merge(*a, {false, true, false}, *b);
  ASSERT_EQ(m->size(), 4u);
  EXPECT_EQ(m->name(0), "a");
  EXPECT_EQ(m->name(1), "c");
  EXPECT_EQ(m->name(2), "d");
  EXPECT_EQ(m->name(3), "b");
  EXPECT_EQ(m->facts(3).display_name, "Display b");
  EXPECT_THAT(
      TermsByName(*m, {1, 2, 3, 4, 5}),
      ElementsAre(Pair("a", std::set<TermId>{1, 2}), Pair("b", std::set<TermId>{5}),
                  Pair("c", std::set<TermId>{3}), Pair("d", std::set<TermId>{2, 4})));
  EXPECT_EQ(m->postings_count(), 6u);
  // Impacts under the merged docs' own average lengths (TermsByName checks
  // every posting), or under the ones given.
  const AverageLengths reference{10, 10, 10, 10};
  auto given = Segment::Merge(*a, {false, true, false}, *b, &reference);
  EXPECT_EQ(given->reference(), reference);
  EXPECT_EQ(TermsByName(*given, {1, 2, 3, 4, 5}).size(), 4u);
}

TEST(TextFormulaTest, ImpactsAreQuantisedSaturatedTfNeverZero) {
  const TextFormula formula({8, 8, 8, 8});
  const FieldLengths len{8, 8, 8, 8};
  float parts[kNumFields];
  // One quarter of tf in a long bio still has an impact.
  EXPECT_GE(formula.Impact(FieldTf{0, 0, 0, 1}, FieldLengths{0, 0, 0, 65535}), 1);
  // More tf, more impact; the skill bit marks the skills field.
  const uint16_t one = formula.Impact(FieldTf{0, 4, 0, 0}, len);
  const uint16_t two = formula.Impact(FieldTf{0, 8, 0, 0}, len);
  EXPECT_LT(one, two);
  EXPECT_EQ(one & TextFormula::kSkillBit, 0);
  const uint16_t skill = formula.Impact(FieldTf{4, 0, 0, 0}, len);
  EXPECT_NE(skill & TextFormula::kSkillBit, 0);
  // The impact stands for Saturate(sum of parts), rounded up by less than a unit.
  const float exact =
      TextFormula::Saturate(formula.Parts(FieldTf{4, 4, 0, 4}, len, parts));
  const float quantised =
      TextFormula::Saturated(formula.Impact(FieldTf{4, 4, 0, 4}, len));
  EXPECT_GE(quantised, exact * (1 - 1e-6f));
  EXPECT_LE(quantised - exact, TextFormula::kImpactUnit);
  EXPECT_LT(quantised, TextFormula::kMaxSaturated);
}

TEST(ExpertIndexTest, UpdatesGoToTheDeltaAndTheLastOneWins) {
  auto analyzer = Analyzer::Create({});
  ASSERT_TRUE(analyzer.ok()) << analyzer.status();
  ExpertIndex index(analyzer->get(), {});
  index.Load(Segment::Build({MakeDoc("x", {1}), MakeDoc("y", {1, 2})}), 1);
  std::vector<ExpertIndex::Update> updates;
  updates.push_back({"y", MakeDoc("y", {3})});
  updates.push_back({"z", MakeDoc("z", {3})});
  updates.push_back({"y", MakeDoc("y", {4})});
  updates.push_back({"x", std::nullopt});
  index.Apply(std::move(updates), 2);
  auto snap = index.Snapshot();
  EXPECT_EQ(snap->revision, 2);
  EXPECT_EQ(snap->live_docs, 2u);
  EXPECT_FALSE(snap->alive(0));
  EXPECT_FALSE(snap->alive(1));
  EXPECT_THAT(
      TermsByName(*snap->delta, {1, 2, 3, 4}),
      ElementsAre(Pair("y", std::set<TermId>{4}), Pair("z", std::set<TermId>{3})));
  EXPECT_EQ(snap->DocFreq(1), 2u);  // dead base docs still count until a merge

  // Replacing a delta doc drops its old postings from the delta.
  std::vector<ExpertIndex::Update> more;
  more.push_back({"z", MakeDoc("z", {5})});
  index.Apply(std::move(more), 3);
  snap = index.Snapshot();
  EXPECT_THAT(
      TermsByName(*snap->delta, {3, 4, 5}),
      ElementsAre(Pair("y", std::set<TermId>{4}), Pair("z", std::set<TermId>{5})));
}

TEST(ExpertIndexTest, LoadKeepsTheLastDocOfANameListedTwice) {
  auto analyzer = Analyzer::Create({});
  ASSERT_TRUE(analyzer.ok()) << analyzer.status();
  ExpertIndex index(analyzer->get(), {});
  index.Load(Segment::Build({MakeDoc("a", {1}), MakeDoc("b", {1}), MakeDoc("a", {2})}),
             1);
  auto snap = index.Snapshot();
  EXPECT_EQ(snap->live_docs, 2u);
  EXPECT_FALSE(snap->alive(0));
  EXPECT_TRUE(snap->alive(1));
  EXPECT_TRUE(snap->alive(2));
  // An update replaces the kept copy; nothing of the first stays alive.
  std::vector<ExpertIndex::Update> updates;
  updates.push_back({"a", MakeDoc("a", {3})});
  index.Apply(std::move(updates), 2);
  snap = index.Snapshot();
  EXPECT_EQ(snap->live_docs, 2u);
  EXPECT_FALSE(snap->alive(0));
  EXPECT_FALSE(snap->alive(2));
}

TEST(ExpertIndexTest, AnalyzeInternsAndAnalysesEachSkillOnce) {
  auto analyzer = Analyzer::Create({});
  ASSERT_TRUE(analyzer.ok()) << analyzer.status();
  ExpertIndex index(analyzer->get(), {});
  registry::v1::Expert e;
  e.set_name("experts/a");
  e.set_organisation("organisations/o");
  e.add_region_codes("GM0363");
  auto* skill = e.add_skills();
  skill->set_name("woningbouw");
  skill->set_level(4);
  e.set_bio("Werkt aan woningbouw.");
  const Segment::Doc a = index.Analyze(e);
  e.set_name("experts/b");
  const Segment::Doc b = index.Analyze(e);
  EXPECT_EQ(a.info.organisation, b.info.organisation);
  EXPECT_EQ(a.regions, b.regions);
  EXPECT_EQ(a.skills, b.skills);
  EXPECT_EQ(index.vocabulary().skills.size(), 1u);
  EXPECT_EQ(index.vocabulary().skills.key(SkillId(a.skills[0])), "woningbouw");
  const TermId woningbouw = HashTerm("woningbouw");
  bool found = false;
  for (const auto& [term, tf] : a.terms) {
    if (term != woningbouw) continue;
    found = true;
    EXPECT_GT(tf[kSkills], 0);
    EXPECT_GT(tf[kBio], 0);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace samenspel::matching
