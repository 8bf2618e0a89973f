// The matching service's domain logic: follows the registry's changes into an
// expert index and a catalog, and answers MatchExperts, SuggestTeam and
// MatchTeams from an immutable state, with explanations whose parts add up to
// each score.
//
// Relevance of an expert to a challenge is the sum of:
//   text          BM25F over skills, themes, job title and bio (field weights
//                 3 / 2 / 1.5 / 1), query terms from the challenge's title,
//                 description, themes and required skills, analysed in Dutch
//                 and English with compounds and synonyms; each query word
//                 (with its synonyms) counts once; scaled so the best
//                 candidate gets `text_weight`;
//   skills        per required skill (by its weight): how well the expert's
//                 best matching skill covers it, times a level factor that
//                 drops by half per level below min_level;
//   region        same municipality/region 1, same province 0.6, national
//                 scope 0.3, elsewhere 0, times `region_weight` (an expert
//                 without region codes: their organisation's);
//   availability  uncommitted hours (hours in ACTIVE teams subtracted), up to
//                 16 h/week, times `availability_weight`;
//   diversity     (re-ranking) a bonus for a desired layer or perspective the
//                 list above does not have yet, a penalty for stacking one
//                 organisation.
// Experts without consent_to_matching are only returned for challenges of
// their own organisation.
//
// Thread-safe: Apply*/Load from one follower thread; queries from any number
// of threads, never blocked by updates (they work on a published state).
#ifndef SAMENSPEL_MATCHING_CORE_MATCHER_H_
#define SAMENSPEL_MATCHING_CORE_MATCHER_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "matching-service/analysis/analyzer.h"
#include "matching-service/core/catalog.h"
#include "matching-service/core/expert_index.h"
#include "matching-service/core/region.h"
#include "matching-service/core/worker_pool.h"
#include "samenspel/matching/v1/matching_service.pb.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::matching {

struct MatcherOptions {
  double text_weight = 0.45;
  double skills_weight = 0.35;
  double region_weight = 0.12;
  double availability_weight = 0.08;
  // Diversity re-ranking: bonus for a new desired layer / perspective, and
  // penalty per earlier result from the same organisation.
  double new_layer_bonus = 0.3;
  double new_perspective_bonus = 0.1;
  double same_organisation_penalty = 0.04;
  // Only a candidate at least this share as relevant as the most relevant
  // one gets a bonus for a layer or perspective, or fills one in a team: a
  // barely relevant expert does not take a place for their layer alone (the
  // team's coverage then says the layer is missing).
  double diversity_min_share = 0.4;
  // How many of the best candidates the re-ranking and team search consider.
  int rerank_pool = 200;
  // Compute the components of candidates in the order of an upper bound of
  // their relevance, and stop when no bound left can beat the pool's last.
  // Results are the same either way; false (every touched expert gets every
  // component) only to compare.
  bool prune_candidates = true;
  // MatchExperts scores the components of only as many of the most relevant
  // candidates as prove its picks (2 * page_size, at least 20), and the
  // whole rerank_pool when a candidate not scored could still be picked or
  // the challenge desires layers or perspectives (their bonuses reach far
  // down the pool). Results are the same either way; false (always the
  // whole pool) only to compare.
  bool lazy_rerank = true;
  // Threads that score one query, each a range of the experts: this many
  // minus one background threads and the caller. 0: one per core. Indexes
  // under min_docs_per_query_thread experts per thread use fewer.
  int query_threads = 0;
  int min_docs_per_query_thread = 25000;
  ExpertIndexOptions index;
};

// One consistent view: index, catalog and the revision they reflect.
struct MatcherState {
  std::shared_ptr<const IndexSnapshot> index;
  std::shared_ptr<const Catalog> catalog;
  int64_t revision = 0;
};

class ScratchPool;

class Matcher {
 public:
  // `analyzer` must outlive the matcher.
  Matcher(const Analyzer* analyzer, RegionTable regions, MatcherOptions options);
  ~Matcher();

  // --- Following the registry (one thread) ---

  // A snapshot that arrives in pages, as RegistryFollower reads it: each page
  // of experts is analysed on all cores as it arrives, appended to the new
  // index in the order given, and dropped, so the whole snapshot is never
  // held as protos and reading overlaps analysis.
  //
  // Thread-compatible: one thread calls Add*() (AddExperts() may also be called
  // from several threads at once) and then Matcher::FinishLoad.
  //
  // Example:
  //   std::unique_ptr<Matcher::SnapshotLoader> loader = matcher.StartLoad();
  //   for (each page) loader->AddExperts(std::move(page.experts));
  //   matcher.FinishLoad(std::move(loader), revision);
  class SnapshotLoader {
   public:
    ~SnapshotLoader();  // joins the workers (also when abandoned)
    SnapshotLoader(const SnapshotLoader&) = delete;
    SnapshotLoader& operator=(const SnapshotLoader&) = delete;

    // A page of experts as received: the pointer may share ownership of what
    // holds them (a response on a protobuf arena, freed in one go once the
    // page is analysed).
    using ExpertPage =
        std::shared_ptr<const google::protobuf::RepeatedPtrField<registry::v1::Expert>>;
    // Blocks while enough pages wait for analysis. Thread-safe (pages from
    // several threads go in in the order of their calls).
    void AddExperts(ExpertPage page);
    void AddExperts(std::vector<registry::v1::Expert> page);
    void AddOrganisations(std::vector<registry::v1::Organisation> page);
    void AddTeams(std::vector<registry::v1::TaskTeam> page);
    void AddChallenges(std::vector<registry::v1::Challenge> page);
    size_t experts() const {
      absl::MutexLock lock(&mu_);
      return experts_;
    }

   private:
    friend class Matcher;
    explicit SnapshotLoader(const ExpertIndex* index);
    void Work();
    void JoinWorkers();
    // Joins the workers and returns the segment of every expert added.
    std::shared_ptr<const Segment> Finish();

    const ExpertIndex* const index_;
    std::vector<registry::v1::Organisation> organisations_;
    std::vector<registry::v1::TaskTeam> teams_;
    std::vector<registry::v1::Challenge> challenges_;
    mutable absl::Mutex mu_;
    size_t experts_ ABSL_GUARDED_BY(mu_) = 0;
    std::deque<std::pair<uint64_t, ExpertPage>> pages_ ABSL_GUARDED_BY(mu_);
    uint64_t next_page_ ABSL_GUARDED_BY(mu_) = 0;    // sequence of the next page added
    uint64_t next_append_ ABSL_GUARDED_BY(mu_) = 0;  // page whose docs go in next
    bool closing_ ABSL_GUARDED_BY(mu_) = false;
    Segment::Builder builder_ ABSL_GUARDED_BY(mu_);
    std::vector<std::thread> workers_;
  };
  std::unique_ptr<SnapshotLoader> StartLoad() const;
  // Replaces everything with the loaded snapshot, consistent with `revision`.
  void FinishLoad(std::unique_ptr<SnapshotLoader> loader, int64_t revision);

  // Replaces everything with a snapshot consistent with `revision`.
  void Load(const std::vector<registry::v1::Organisation>& organisations,
            const std::vector<registry::v1::Expert>& experts,
            const std::vector<registry::v1::TaskTeam>& teams,
            const std::vector<registry::v1::Challenge>& challenges, int64_t revision);
  // Applies changes in revision order. Changes at or below the current
  // revision are skipped (a snapshot and the feed may overlap).
  void Apply(const std::vector<registry::v1::Change>& changes);

  // --- Queries (any thread) ---

  std::shared_ptr<const MatcherState> State() const;
  // Waits until the applied revision is at least `revision` or `deadline`
  // passes; UNAVAILABLE then, or at the time StopWaitingBy() set.
  // `cancelled` (may be null), asked every 100 ms: true ends the wait with
  // CANCELLED (the caller gave up).
  absl::Status WaitForRevision(int64_t revision, absl::Time deadline,
                               const std::function<bool()>& cancelled = nullptr) const;
  // Every wait of WaitForRevision, now and later, ends by `by` (the service
  // is stopping: its drain does not wait out --max_revision_wait).
  void StopWaitingBy(absl::Time by);

  // OK, or INVALID_ARGUMENT naming every malformed field of the request:
  // its form only, which no state of the index changes (whether a
  // challenge of a well-formed name exists is for the query, on a state at
  // the revision asked for). The queries below check it first; the gRPC
  // adapter checks it before it waits for min_revision, so that a request
  // that can never succeed fails at once. Thread-safe.
  static absl::Status Validate(const v1::MatchExpertsRequest& r);
  static absl::Status Validate(const v1::SuggestTeamRequest& r);
  static absl::Status Validate(const v1::MatchTeamsRequest& r);

  // Each: INVALID_ARGUMENT as Validate() says, NOT_FOUND for a challenge
  // name the index does not hold.
  // `on_behalf_of`: the calling organisation's name when the caller is not
  // an admin; then only that organisation's experts are exempt from consent
  // (not the challenge owner's), and explanations name bio words only of
  // experts of that organisation or who share their bio. Empty (an admin):
  // the challenge's owner for consent, and bio words of every expert.
  absl::StatusOr<v1::MatchExpertsResponse> MatchExperts(
      const v1::MatchExpertsRequest& r, absl::string_view on_behalf_of = "") const;
  absl::StatusOr<v1::SuggestTeamResponse> SuggestTeam(
      const v1::SuggestTeamRequest& r, absl::string_view on_behalf_of = "") const;
  absl::StatusOr<v1::MatchTeamsResponse> MatchTeams(
      const v1::MatchTeamsRequest& r, absl::string_view on_behalf_of = "") const;

  const Analyzer& analyzer() const { return *analyzer_; }

  // How often a MatchExperts needed more of the most relevant candidates
  // than it first scored (see MatcherOptions::lazy_rerank); for tests and
  // benchmarks.
  uint64_t rerank_retries() const {
    return rerank_retries_.load(std::memory_order_relaxed);
  }

 private:
  std::shared_ptr<const TeamEntry> AnalyzeTeam(const registry::v1::TaskTeam& team) const;
  void Publish(std::shared_ptr<const Catalog> catalog, int64_t revision);
  // A query in flight, for its lifetime: lets the query threads wake while
  // it is analysed, when scoring it on `state` will use them, and, when it
  // is the only query in flight, keeps them awake until its last phase on
  // them (its explanations) is done. With several queries in flight the
  // cores are busy with them anyway: a held worker would only take turns
  // from them.
  class QueryScope {
   public:
    QueryScope(const Matcher& matcher, const MatcherState& state);
    ~QueryScope();
    QueryScope(const QueryScope&) = delete;
    QueryScope& operator=(const QueryScope&) = delete;
    // No other query was in flight when this one started.
    bool alone() const { return alone_; }

   private:
    const Matcher& matcher_;
    bool alone_ = false;
    WorkerPool::Hold hold_;
  };

  const Analyzer* const analyzer_;
  const RegionTable regions_;
  const MatcherOptions options_;
  ExpertIndex index_;
  std::unique_ptr<WorkerPool> pool_;      // query threads
  std::unique_ptr<ScratchPool> scratch_;  // queries' score arrays
  mutable std::atomic<int> queries_in_flight_{0};
  mutable std::atomic<uint64_t> rerank_retries_{0};
  std::shared_ptr<const Catalog> catalog_;  // follower thread only

  mutable absl::Mutex mu_;
  std::shared_ptr<const MatcherState> state_ ABSL_GUARDED_BY(mu_);
  absl::Time waits_end_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_MATCHER_H_
