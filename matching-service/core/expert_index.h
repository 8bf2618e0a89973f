// The in-memory expert index: an inverted index over four text fields
// (skills, themes, job title, bio) plus the structured facts ranking needs.
//
// Layout. An immutable `Segment` holds postings in one flat array (CSR) per
// term. The index is a large base segment plus a small delta segment with the
// experts changed since the base was built, and a "dead" bitmap for base
// experts that were changed or deleted since. Each Apply() builds a new delta
// (cost proportional to the delta) and publishes a new immutable
// `IndexSnapshot`; when the delta grows past a threshold, base and delta are
// merged into a new base straight from their postings (no re-analysis).
//
// Concurrency. One writer thread calls Apply(); any number of readers call
// Snapshot() and work on the returned snapshot without locks: a mutex is held
// only to copy the snapshot pointer, so queries never wait for updates.
//
// Example:
//   ExpertIndex index(analyzer.get(), {});
//   index.Apply({ExpertUpdate::Upsert(expert)}, /*revision=*/42);
//   std::shared_ptr<const IndexSnapshot> snap = index.Snapshot();
#ifndef SAMENSPEL_MATCHING_CORE_EXPERT_INDEX_H_
#define SAMENSPEL_MATCHING_CORE_EXPERT_INDEX_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "matching-service/analysis/analyzer.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::matching {

enum Field : uint8_t { kSkills = 0, kThemes = 1, kJobTitle = 2, kBio = 3 };
inline constexpr int kNumFields = 4;
inline constexpr const char* kFieldNames[kNumFields] = {"skills", "themes", "job_title",
                                                        "bio"};

// Index terms are 64-bit hashes of the analyser's term strings (collisions
// are negligible at this size; strings stay on the query side).
using TermId = uint64_t;
TermId HashTerm(absl::string_view term);

// Term frequencies of one term in one expert, per field, in quarter units
// (analyser weights are 1, 0.6, ...), capped at 63.75.
using FieldTf = std::array<uint8_t, kNumFields>;

struct Posting {
  uint32_t doc;
  FieldTf tf;
};

// What ranking needs to know about an expert besides the text.
struct ExpertFacts {
  std::string name;
  std::string display_name;
  std::string organisation;
  samenspel::type::v1::GovernmentLayer layer =
      samenspel::type::v1::GOVERNMENT_LAYER_UNSPECIFIED;
  // Bit (1 << Perspective value) per perspective.
  uint8_t perspectives = 0;
  bool consent = false;
  int32_t available_hours = 0;
  std::vector<std::string> region_codes;
  // The expert's skills as written, with levels.
  std::vector<std::pair<std::string, int>> skills;
  // The analysed terms of each skill: (term, index into `skills`).
  std::vector<std::pair<TermId, uint8_t>> skill_terms;
  // Analysed length per field, in the same quarter units as FieldTf.
  std::array<uint32_t, kNumFields> field_length{};
};

// Immutable after construction; thread-safe.
class Segment {
 public:
  // One expert as the builder takes it: facts plus its term list.
  struct Doc {
    ExpertFacts facts;
    std::vector<std::pair<TermId, FieldTf>> terms;  // one entry per distinct term
  };

  Segment() = default;
  // Builds from docs; doc i of the segment is docs[i].
  explicit Segment(std::vector<Doc> docs);
  // Merges `a` (without the docs `a_dead` marks) and then all of `b`.
  static std::shared_ptr<const Segment> Merge(const Segment& a,
                                              const std::vector<bool>& a_dead,
                                              const Segment& b);

  size_t size() const { return facts_.size(); }
  const ExpertFacts& facts(uint32_t doc) const { return facts_[doc]; }
  // The postings of `term`, sorted by doc; empty when absent.
  std::pair<const Posting*, const Posting*> Postings(TermId term) const;
  // The tf of `term` in `doc`, or nullptr.
  const FieldTf* Find(TermId term, uint32_t doc) const;
  // Sum of field lengths over all docs (for average lengths).
  const std::array<uint64_t, kNumFields>& total_length() const { return total_length_; }
  size_t postings_count() const { return postings_.size(); }
  // The doc's term list, rebuilt from the postings (for merges and deltas).
  std::vector<std::pair<TermId, FieldTf>> TermsOf(uint32_t doc) const;

 private:
  std::vector<ExpertFacts> facts_;
  absl::flat_hash_map<TermId, std::pair<uint32_t, uint32_t>> ranges_;
  std::vector<Posting> postings_;
  std::array<uint64_t, kNumFields> total_length_{};
};

// A consistent view of the index at one revision. Doc numbers: base docs are
// [0, base->size()), delta doc i is base->size() + i.
struct IndexSnapshot {
  std::shared_ptr<const Segment> base;
  std::shared_ptr<const Segment> delta;
  // Base docs superseded or deleted since the base was built.
  std::shared_ptr<const std::vector<bool>> base_dead;
  size_t live_docs = 0;
  std::array<double, kNumFields> avg_length{};
  int64_t revision = 0;

  uint32_t doc_count() const { return base->size() + delta->size(); }
  bool alive(uint32_t doc) const { return doc >= base->size() || !(*base_dead)[doc]; }
  const ExpertFacts& facts(uint32_t doc) const {
    return doc < base->size() ? base->facts(doc) : delta->facts(doc - base->size());
  }
  // Document frequency of a term over both segments.
  size_t DocFreq(TermId term) const;
  const FieldTf* Find(TermId term, uint32_t doc) const;
};

struct ExpertIndexOptions {
  // Merge the delta into the base when it holds more experts than this
  // (default 20000) or more than 1/8 of the base.
  size_t max_delta_docs = 20000;
};

// Thread-safe as described in the file comment: Apply() and Load() from one
// writer thread at a time; Snapshot() from anywhere.
class ExpertIndex {
 public:
  // `analyzer` must outlive the index.
  ExpertIndex(const Analyzer* analyzer, ExpertIndexOptions options);

  // Analyses an expert into a segment document.
  Segment::Doc Analyze(const registry::v1::Expert& expert) const;

  // Replaces the whole index by `docs` (a snapshot load) at `revision`.
  void Load(std::vector<Segment::Doc> docs, int64_t revision);

  // Applies upserts (experts) and deletes (names), in order, and publishes
  // the result as `revision`.
  struct Update {
    std::string name;
    // Absent for a delete.
    std::optional<Segment::Doc> doc;
  };
  void Apply(std::vector<Update> updates, int64_t revision);

  std::shared_ptr<const IndexSnapshot> Snapshot() const;

 private:
  void Publish(int64_t revision);

  const Analyzer* const analyzer_;
  const ExpertIndexOptions options_;

  // Writer-only state.
  std::shared_ptr<const Segment> base_;
  std::shared_ptr<std::vector<bool>> base_dead_;
  absl::flat_hash_map<std::string, uint32_t> base_docs_;  // name -> base doc
  absl::flat_hash_map<std::string, Segment::Doc> delta_docs_;
  size_t dead_count_ = 0;

  mutable absl::Mutex mu_;
  std::shared_ptr<const IndexSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_EXPERT_INDEX_H_
