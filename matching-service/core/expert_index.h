// The in-memory expert index: an inverted index over four text fields
// (skills, themes, job title, bio) plus the structured facts ranking needs,
// laid out for scoring every posting of a query cheaply.
//
// Layout. An immutable `Segment` holds postings term by term in flat parallel
// arrays (doc, impact, field tfs; a posting's impact is its saturated BM25F
// pseudo tf, precomputed, see TextFormula), and every per-expert fact in flat
// arrays indexed by doc number: field lengths (8 bytes),
// organisation/layer/perspectives/consent/hours (12 bytes), region codes and
// skills as interned ids, names in one character arena. Organisation names,
// region codes and skill names are interned once per index (`Vocabulary`); a
// skill name is analysed once, when first seen.
// The index is a large base segment plus a small delta segment with the
// experts changed since the base was built, and a "dead" bitmap for base
// experts changed or deleted since. An Apply() merges the changed experts
// into the delta posting list by posting list (cost proportional to the
// delta's postings, no re-analysis) and publishes a new immutable
// `IndexSnapshot`; when the delta grows past a threshold, base and delta are
// merged into a new base the same way.
//
// Concurrency. One writer thread calls Load()/Apply(); any number of threads
// may call Analyze() (also while the writer works); any number of readers
// call Snapshot() and work on the returned snapshot without locks: a mutex is
// held only to copy the snapshot pointer, so queries never wait for updates.
//
// Example:
//   ExpertIndex index(analyzer.get(), {});
//   index.Apply({{expert.name(), index.Analyze(expert)}}, /*revision=*/42);
//   std::shared_ptr<const IndexSnapshot> snap = index.Snapshot();
#ifndef SAMENSPEL_MATCHING_CORE_EXPERT_INDEX_H_
#define SAMENSPEL_MATCHING_CORE_EXPERT_INDEX_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "matching-service/analysis/analyzer.h"
#include "matching-service/core/huge_pages.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::matching {

enum Field : uint8_t { kSkills = 0, kThemes = 1, kJobTitle = 2, kBio = 3 };
inline constexpr int kNumFields = 4;
inline constexpr const char* kFieldNames[kNumFields] = {"skills", "themes", "job_title",
                                                        "bio"};

// Index terms are 64-bit hashes of the analyser's term strings (collisions
// are negligible at this size; strings stay on the query side).
using TermId = uint64_t;
// TermHash (analyzer.h), which Analyzer::ForEachDocumentTerm reports with
// each term.
inline TermId HashTerm(absl::string_view term) { return TermHash(term); }

// Term frequencies of one term in one expert, per field, in quarter units
// (analyser weights are 1, 0.6, ...), capped at 63.75.
using FieldTf = std::array<uint8_t, kNumFields>;

// Analysed field lengths of one expert, in the same quarter units as FieldTf
// (saturating at 65535, i.e. 16,000 words).
using FieldLengths = std::array<uint16_t, kNumFields>;

// Average field lengths, in quarter units, that length normalisation uses.
using AverageLengths = std::array<double, kNumFields>;

// BM25F parameters per field: skills, themes, job title, bio.
inline constexpr double kFieldWeight[kNumFields] = {3.0, 2.0, 1.5, 1.0};
inline constexpr double kFieldB[kNumFields] = {0.5, 0.5, 0.5, 0.75};
inline constexpr double kK1 = 1.2;

// BM25F's pseudo term frequency of a term in an expert (per field: weight *
// tf / length normalisation, summed) and its saturation, under given average
// lengths: the one formula the index (which stores every posting's
// saturated value, quantised, as its "impact") and the explanations use.
class TextFormula {
 public:
  explicit TextFormula(const AverageLengths& avg_length);
  // Fills parts[f] (zero where tf is) and returns their sum.
  float Parts(const FieldTf& tf, const FieldLengths& len, float* parts) const;
  static float Saturate(float tfw) {
    return tfw * static_cast<float>(kK1 + 1) / (static_cast<float>(kK1) + tfw);
  }
  // Saturate() never reaches this.
  static constexpr float kMaxSaturated = static_cast<float>(kK1 + 1);

  // A posting's impact: Saturate(Parts sum) in the low 15 bits, in units of
  // kImpactUnit, rounded up and at least 1 (so never zero); kSkillBit set
  // when the term occurs in the skills field.
  uint16_t Impact(const FieldTf& tf, const FieldLengths& len) const;
  static constexpr uint16_t kSkillBit = 0x8000;
  static constexpr uint16_t kImpactMask = 0x7fff;
  static constexpr float kImpactUnit = kMaxSaturated / kImpactMask;
  // The saturated pseudo tf an impact stands for.
  static float Saturated(uint16_t impact) { return (impact & kImpactMask) * kImpactUnit; }

 private:
  float weight_[kNumFields];  // field weight per quarter of tf
  float a_[kNumFields];       // 1 - b
  float b_[kNumFields];       // b / average length
};

// The postings of one term in one segment, sorted by doc: parallel arrays.
struct PostingList {
  const uint32_t* docs = nullptr;
  const uint16_t* impacts = nullptr;  // TextFormula::Impact
  const FieldTf* tfs = nullptr;
  uint32_t size = 0;
  uint16_t max_impact = 0;  // the highest impact, without the skill bit

  // The first position whose doc is >= `doc` (size when none is).
  //
  // A term's experts are spread about evenly over the doc ids, so the
  // position is guessed by interpolation, then bracketed by galloping from
  // the guess and searched within the bracket: a few probes near one place
  // instead of a binary search's ~log2(size) scattered ones (explanations
  // look up every query term for every result, and the accumulation finds
  // where its ranges of experts start in every term). O(log size) at worst.
  uint32_t LowerBound(uint32_t doc) const {
    if (size == 0 || doc <= docs[0]) return 0;
    if (doc > docs[size - 1]) return size;
    // docs[0] < doc <= docs[size - 1], so size >= 2 and span > 0.
    const uint64_t span = uint64_t{docs[size - 1]} - docs[0];
    const size_t guess = static_cast<size_t>(uint64_t{doc - docs[0]} * (size - 1) / span);
    // The first position whose doc is >= `doc` lies in [lo, hi].
    size_t lo, hi;
    if (docs[guess] >= doc) {
      hi = guess;
      lo = 0;
      for (size_t step = 1; hi >= step; step *= 2) {
        if (docs[hi - step] < doc) {
          lo = hi - step + 1;
          break;
        }
        hi -= step;
      }
    } else {
      lo = guess + 1;
      hi = size - 1;  // docs[size - 1] >= doc
      for (size_t step = 1; guess + step < size - 1; step *= 2) {
        if (docs[guess + step] >= doc) {
          hi = guess + step;
          break;
        }
        lo = guess + step + 1;
      }
    }
    return static_cast<uint32_t>(std::lower_bound(docs + lo, docs + hi, doc) - docs);
  }

  // The tf and impact of `doc`; false when absent.
  bool Find(uint32_t doc, FieldTf* tf, uint16_t* impact) const {
    const uint32_t i = LowerBound(doc);
    if (i == size || docs[i] != doc) return false;
    *tf = tfs[i];
    *impact = impacts[i];
    return true;
  }

  // The postings of docs in [lo, hi).
  PostingList Slice(uint32_t lo, uint32_t hi) const {
    const uint32_t first = LowerBound(lo);
    const uint32_t last = std::max(first, LowerBound(hi));
    PostingList s = *this;
    s.docs += first;
    s.impacts += first;
    s.tfs += first;
    s.size = last - first;
    return s;
  }
};

// Strings interned to dense ids, each with a value made once when the string
// is first seen. Append-only: an id keeps its string and value for the
// table's lifetime (a resync does not reclaim them; the tables hold distinct
// organisation names, region codes and skill names, which stay few).
//
// Thread-safe: Intern() and Find() from any thread; key()/value() from any
// thread for an id the caller obtained from Intern/Find or from a snapshot
// published after the id was made (the publication orders the writes).
template <typename Value>
class Interner {
 public:
  Interner() : chunks_(new std::atomic<Entry*>[kMaxChunks]) {
    for (size_t i = 0; i < kMaxChunks; ++i) chunks_[i].store(nullptr);
  }
  ~Interner() {
    for (size_t i = 0; i < kMaxChunks; ++i) delete[] chunks_[i].load();
  }
  Interner(const Interner&) = delete;
  Interner& operator=(const Interner&) = delete;

  // The id of `key`; new keys get the next id and the value make(key),
  // computed outside the lock (two threads may both compute it; one wins).
  template <typename Make>
  uint32_t Intern(absl::string_view key, Make make) {
    if (std::optional<uint32_t> id = Find(key)) return *id;
    Value value = make(key);
    absl::MutexLock lock(&mu_);
    auto it = ids_.find(key);
    if (it != ids_.end()) return it->second;
    const uint32_t id = size_;
    const size_t chunk = id >> kChunkBits;
    if (chunk >= kMaxChunks) std::abort();  // 67 million distinct strings
    if (chunks_[chunk].load(std::memory_order_relaxed) == nullptr) {
      chunks_[chunk].store(new Entry[size_t{1} << kChunkBits], std::memory_order_release);
    }
    Entry& e = chunks_[chunk].load(std::memory_order_relaxed)[id & kChunkMask];
    e.key.assign(key.data(), key.size());
    e.value = std::move(value);
    ids_.emplace(e.key, id);
    ++size_;
    return id;
  }
  std::optional<uint32_t> Find(absl::string_view key) const {
    absl::MutexLock lock(&mu_);
    auto it = ids_.find(key);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  absl::string_view key(uint32_t id) const { return entry(id).key; }
  const Value& value(uint32_t id) const { return entry(id).value; }
  uint32_t size() const {
    absl::MutexLock lock(&mu_);
    return size_;
  }

 private:
  static constexpr size_t kChunkBits = 12;
  static constexpr size_t kChunkMask = (size_t{1} << kChunkBits) - 1;
  static constexpr size_t kMaxChunks = size_t{1} << 14;
  struct Entry {
    std::string key;
    Value value{};
  };
  const Entry& entry(uint32_t id) const {
    return chunks_[id >> kChunkBits].load(std::memory_order_acquire)[id & kChunkMask];
  }

  mutable absl::Mutex mu_;
  // Keys are views of the entries' strings, which never move.
  absl::flat_hash_map<absl::string_view, uint32_t> ids_ ABSL_GUARDED_BY(mu_);
  uint32_t size_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<std::atomic<Entry*>[]> chunks_;
};

// A skill name's analysed terms, each with its weight in quarter units.
struct SkillTerms {
  std::vector<std::pair<TermId, uint8_t>> terms;
  // Per term (in the same order), how much of a required skill's word it
  // covers: 1, or kHeadCoverage for a compound's head part, which names only
  // the general kind ("management" of "projectmanagement" is not stakeholder
  // management). Another part names the topic and covers it whole
  // ("woningbouw" of "woningbouwprogrammering").
  std::vector<float> coverage;
  static constexpr float kHeadCoverage = 0.5f;
};

// The interned strings of one index; shared by its segments and snapshots.
struct Vocabulary {
  struct None {};
  Interner<None> organisations;
  Interner<None> regions;
  Interner<SkillTerms> skills;
};

// Per-expert facts that ranking reads for many candidates: 12 bytes.
struct DocInfo {
  uint32_t organisation = 0;  // Vocabulary::organisations id
  int32_t available_hours = 0;
  uint8_t layer = 0;         // samenspel::type::v1::GovernmentLayer
  uint8_t perspectives = 0;  // bit (1 << Perspective value) per perspective
  bool consent = false;
  // share_contact_details: other organisations may see the bio, and so the
  // bio's words in an explanation.
  bool shares_contact = false;
};
static_assert(sizeof(DocInfo) == 12);

// One skill of an expert: Vocabulary::skills id and level, packed.
inline uint32_t PackSkill(uint32_t id, int level) {
  return id << 8 | static_cast<uint8_t>(std::clamp(level, 0, 255));
}
inline uint32_t SkillId(uint32_t packed) { return packed >> 8; }
inline int SkillLevel(uint32_t packed) { return packed & 0xff; }

// What ranking knows about an expert besides the text: a view into a
// segment, valid while the segment (the snapshot) lives.
struct ExpertFacts {
  absl::string_view name;
  absl::string_view display_name;
  DocInfo info;
  absl::Span<const uint32_t> regions;  // Vocabulary::regions ids
  absl::Span<const uint32_t> skills;   // PackSkill(id, level), as written
};

// Immutable after construction; thread-safe.
class Segment {
 public:
  // One expert as the builder takes it: facts plus its term list.
  struct Doc {
    std::string name;
    std::string display_name;
    DocInfo info;
    std::vector<uint32_t> regions;
    std::vector<uint32_t> skills;
    std::array<uint32_t, kNumFields> field_length{};
    std::vector<std::pair<TermId, FieldTf>> terms;  // one entry per distinct term
  };

  // Builds a segment one doc at a time, in doc order. Holds each posting in
  // 8 bytes until Finish(), which needs about as much again for the result.
  class Builder {
   public:
    void Add(Doc doc);
    // Impacts under `reference` average lengths; null: the segment's own.
    std::shared_ptr<const Segment> Finish(const AverageLengths* reference = nullptr);

   private:
    struct Entry {
      uint32_t term;  // dense number, index into term_ids_
      FieldTf tf;
    };
    // Entries live in blocks of one huge page (huge_pages.h), so that adding
    // never copies the ones before (a growing vector of all of them did, 2-3
    // times over). Blocks after the first are advised as huge pages.
    static constexpr int kBlockBits = 18;
    static constexpr uint32_t kBlockSize = 1u << kBlockBits;
    static_assert(kBlockSize * sizeof(Entry) == kHugePageBytes);
    struct FreeBlock {
      void operator()(Entry* block) const { std::free(block); }
    };
    // Finish() places the entries of a segment this large on two threads.
    static constexpr uint32_t kSplitFinishEntries = 1u << 20;
    std::shared_ptr<Segment> segment_ = std::make_shared<Segment>();
    absl::flat_hash_map<TermId, uint32_t> dense_;
    std::vector<TermId> term_ids_;
    std::vector<uint32_t> term_counts_;
    std::vector<std::unique_ptr<Entry[], FreeBlock>> blocks_;
    uint32_t entries_ = 0;
    std::vector<uint32_t> entry_offsets_{0};
  };

  Segment() = default;
  // Builds from docs; doc i of the segment is docs[i]. Impacts under
  // `reference` average lengths; null: the segment's own.
  static std::shared_ptr<const Segment> Build(std::vector<Doc> docs,
                                              const AverageLengths* reference = nullptr);
  // `a` without the docs `a_dead` marks, followed by all of `b`, posting list
  // by posting list (no term lists are rebuilt). Impacts under `reference`
  // (null: the result's own averages); a part made under other averages
  // gets its impacts recomputed.
  static std::shared_ptr<const Segment> Merge(const Segment& a,
                                              const std::vector<bool>& a_dead,
                                              const Segment& b,
                                              const AverageLengths* reference = nullptr);

  size_t size() const { return info_.size(); }
  // Asks the CPU to fetch what facts(doc) reads first.
  void Prefetch(uint32_t doc) const {
    __builtin_prefetch(&info_[doc]);
    __builtin_prefetch(&name_offsets_[2 * doc]);
    __builtin_prefetch(&region_offsets_[doc]);
    __builtin_prefetch(&skill_offsets_[doc]);
  }
  ExpertFacts facts(uint32_t doc) const {
    return ExpertFacts{
        absl::string_view(names_.data() + name_offsets_[2 * doc],
                          name_offsets_[2 * doc + 1] - name_offsets_[2 * doc]),
        absl::string_view(names_.data() + name_offsets_[2 * doc + 1],
                          name_offsets_[2 * doc + 2] - name_offsets_[2 * doc + 1]),
        info_[doc],
        absl::MakeConstSpan(regions_.data() + region_offsets_[doc],
                            regions_.data() + region_offsets_[doc + 1]),
        absl::MakeConstSpan(skills_.data() + skill_offsets_[doc],
                            skills_.data() + skill_offsets_[doc + 1])};
  }
  // The last doc named `name`, if any. The first call sorts the names
  // (thread-safe; for MatchTeams' member lookups, not the scoring path).
  std::optional<uint32_t> FindName(absl::string_view name) const;
  absl::string_view name(uint32_t doc) const {
    return absl::string_view(names_.data() + name_offsets_[2 * doc],
                             name_offsets_[2 * doc + 1] - name_offsets_[2 * doc]);
  }
  const DocInfo& info(uint32_t doc) const { return info_[doc]; }
  const FieldLengths* lengths() const { return lengths_.data(); }
  // The postings of `term`, sorted by doc; empty when absent.
  PostingList Postings(TermId term) const;
  // The tf and impact of `term` in `doc`; false when absent.
  bool Find(TermId term, uint32_t doc, FieldTf* tf, uint16_t* impact) const;
  // Sum of field lengths over all docs (for average lengths).
  const std::array<uint64_t, kNumFields>& total_length() const { return total_length_; }
  const FieldLengths& max_length() const { return max_length_; }
  // The average lengths the impacts were computed with.
  const AverageLengths& reference() const { return reference_; }
  size_t postings_count() const { return docs_.size(); }

 private:
  // Appends doc `doc` of `from` (facts only).
  void CopyFacts(const Segment& from, uint32_t doc);
  void AddFacts(const Doc& doc);
  // Sets reference_ to `reference`, or to the average lengths of the docs.
  void SetReference(const AverageLengths* reference);

  std::vector<DocInfo> info_;
  std::vector<FieldLengths> lengths_;
  std::string names_;
  std::vector<uint32_t> name_offsets_{0};  // name i: [2i, 2i+1), display: [2i+1, 2i+2)
  std::vector<uint32_t> regions_;
  std::vector<uint32_t> region_offsets_{0};
  std::vector<uint32_t> skills_;
  std::vector<uint32_t> skill_offsets_{0};
  // Sets every range's max_impact.
  void SetMaxImpacts();

  struct TermRange {
    uint32_t begin, end;  // in the posting arrays
    uint16_t max_impact;  // the highest impact, without the skill bit
  };
  absl::flat_hash_map<TermId, TermRange> ranges_;
  // Postings, term by term (ranges_), as parallel arrays.
  UninitializedVector<uint32_t> docs_;
  UninitializedVector<uint16_t> impacts_;
  UninitializedVector<FieldTf> tfs_;
  std::array<uint64_t, kNumFields> total_length_{};
  FieldLengths max_length_{};
  AverageLengths reference_{1, 1, 1, 1};
  // FindName(): doc numbers by name, made on first use.
  mutable absl::once_flag by_name_once_;
  mutable std::vector<uint32_t> by_name_;
};

// A consistent view of the index at one revision. Doc numbers: base docs are
// [0, base->size()), delta doc i is base->size() + i.
struct IndexSnapshot {
  std::shared_ptr<const Vocabulary> vocabulary;
  std::shared_ptr<const Segment> base;
  std::shared_ptr<const Segment> delta;
  // Base docs superseded or deleted since the base was built.
  std::shared_ptr<const std::vector<bool>> base_dead;
  size_t live_docs = 0;
  // The average lengths both segments' impacts were computed with: the
  // base's (fixed until the next merge), or the delta's own while the base
  // is empty.
  AverageLengths avg_length{1, 1, 1, 1};
  int64_t revision = 0;

  uint32_t doc_count() const { return base->size() + delta->size(); }
  bool alive(uint32_t doc) const { return doc >= base->size() || !(*base_dead)[doc]; }
  ExpertFacts facts(uint32_t doc) const {
    return doc < base->size() ? base->facts(doc) : delta->facts(doc - base->size());
  }
  void Prefetch(uint32_t doc) const {
    doc < base->size() ? base->Prefetch(doc) : delta->Prefetch(doc - base->size());
  }
  const DocInfo& info(uint32_t doc) const {
    return doc < base->size() ? base->info(doc) : delta->info(doc - base->size());
  }
  const FieldLengths& lengths(uint32_t doc) const {
    return doc < base->size() ? base->lengths()[doc]
                              : delta->lengths()[doc - base->size()];
  }
  // The live doc named `name` (the delta's, else the base's), if any.
  std::optional<uint32_t> FindName(absl::string_view name) const;
  // Document frequency of a term over both segments.
  size_t DocFreq(TermId term) const;
  // The highest impact of a term over both segments (without the skill bit).
  uint16_t MaxImpact(TermId term) const;
};

struct ExpertIndexOptions {
  // Merge the delta into the base when it holds more experts than this
  // (default 20000) or more than 1/8 of the base.
  size_t max_delta_docs = 20000;
};

// Thread-safe as described in the file comment.
class ExpertIndex {
 public:
  // `analyzer` must outlive the index.
  ExpertIndex(const Analyzer* analyzer, ExpertIndexOptions options);

  // Analyses an expert into a segment document. Any thread.
  Segment::Doc Analyze(const registry::v1::Expert& expert) const;

  // Replaces the whole index by `base` (a snapshot load, built from docs of
  // Analyze()) at `revision`. Of docs with the same name, the last counts.
  void Load(std::shared_ptr<const Segment> base, int64_t revision);

  // Applies upserts (experts) and deletes (names), in order, and publishes
  // the result as `revision`.
  struct Update {
    std::string name;
    // Absent for a delete.
    std::optional<Segment::Doc> doc;
  };
  void Apply(std::vector<Update> updates, int64_t revision);

  std::shared_ptr<const IndexSnapshot> Snapshot() const;
  const Vocabulary& vocabulary() const { return *vocabulary_; }

 private:
  void Publish(int64_t revision);
  // name -> doc; keys view a segment's names.
  using NameMap = absl::flat_hash_map<absl::string_view, uint32_t>;
  // name -> doc of `segment`.
  static NameMap NamesOf(const Segment& segment, size_t reserve);

  static uint64_t NextInstance();

  const Analyzer* const analyzer_;
  const ExpertIndexOptions options_;
  // Unique per index in the process: keys Analyze()'s per-thread cache.
  const uint64_t instance_;
  const std::shared_ptr<Vocabulary> vocabulary_;

  // Writer-only state.
  std::shared_ptr<const Segment> base_;
  std::shared_ptr<std::vector<bool>> base_dead_;
  NameMap base_docs_;  // live name -> base doc
  std::shared_ptr<const Segment> delta_;
  NameMap delta_docs_;  // name -> delta doc
  size_t dead_count_ = 0;

  mutable absl::Mutex mu_;
  std::shared_ptr<const IndexSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_EXPERT_INDEX_H_
