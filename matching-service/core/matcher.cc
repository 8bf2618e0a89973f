#include "matching-service/core/matcher.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "matching-service/core/score_scan.h"
#include "registry-service/core/names.h"
#include "registry-service/core/validation.h"

namespace samenspel::matching {
namespace {

// The region part's explanation when the challenge's regions set no expert
// apart (RegionTable::SetsApart): it names none, or the whole country.
std::string NotWeighed(const std::vector<std::string>& challenge_regions) {
  return challenge_regions.empty() ? "region not weighed: the challenge names no region"
                                   : "region not weighed: the challenge is national (NL)";
}

namespace type = ::samenspel::type::v1;
using registry::v1::Challenge;

// For each word group of `analysed` (AnalyzeQuery of `text`), the groups of
// the words of its phrase when it is a recognised phrase (empty otherwise):
// the groups whose source lies within its source in `text`.
std::vector<std::vector<int>> PhraseWords(const std::vector<AnalyzedTerm>& analysed,
                                          absl::string_view text) {
  int n = 0;
  for (const AnalyzedTerm& t : analysed) n = std::max(n, t.group + 1);
  std::vector<std::pair<size_t, size_t>> range(n, {0, 0});
  for (const AnalyzedTerm& t : analysed) {
    if (t.group < 0) continue;
    const size_t begin = t.source.data() - text.data();
    range[t.group] = {begin, begin + t.source.size()};
  }
  std::vector<std::vector<int>> words(n);
  for (int p = 0; p < n; ++p) {
    for (int w = 0; w < n; ++w) {
      if (w != p && range[w] != range[p] && range[w].first >= range[p].first &&
          range[w].second <= range[p].second) {
        words[p].push_back(w);
      }
    }
  }
  return words;
}

// A challenge's theme as MatchTeams compares it with a team's themes: its
// analysed terms (synonyms, both languages, stems) by word group, each
// group's best weight, and the groups of a phrase's words.
struct ThemeQuery {
  std::string text;
  absl::flat_hash_map<std::string, std::vector<std::pair<int, float>>> terms;
  std::vector<double> best;
  std::vector<std::vector<int>> phrase_words;
  double total = 0;
};

ThemeQuery MakeThemeQuery(const Analyzer& analyzer, const std::string& theme) {
  ThemeQuery q;
  q.text = theme;
  const std::vector<AnalyzedTerm> analysed = analyzer.AnalyzeQuery(theme);
  int groups = 0;
  for (const AnalyzedTerm& t : analysed) groups = std::max(groups, t.group + 1);
  q.best.assign(groups, 0.0);
  for (const AnalyzedTerm& t : analysed) {
    if (t.group < 0) continue;
    q.terms[t.term].emplace_back(t.group, t.weight);
    q.best[t.group] = std::max<double>(q.best[t.group], t.weight);
  }
  q.phrase_words = PhraseWords(analysed, theme);
  for (double b : q.best) q.total += b;
  return q;
}

// How much of `q` the document terms `doc` (a team theme's) cover, 0..1: per
// word group the best weight found, a phrase's covering its words' groups.
double ThemeCoverage(const ThemeQuery& q, const std::vector<AnalyzedTerm>& doc) {
  if (q.total <= 0) return 0;
  std::vector<double> got(q.best.size(), 0.0);
  for (const AnalyzedTerm& t : doc) {
    auto it = q.terms.find(t.term);
    if (it == q.terms.end()) continue;
    for (const auto& [group, weight] : it->second) {
      // A compound part of the team's theme counts at its weight too.
      const double w = static_cast<double>(weight) * t.weight;
      got[group] = std::max(got[group], w);
      if (q.best[group] <= 0) continue;
      for (int word : q.phrase_words[group]) {
        got[word] = std::max(got[word], w / q.best[group] * q.best[word]);
      }
    }
  }
  double covered = 0;
  for (double x : got) covered += x;
  return std::min(1.0, covered / q.total);
}

// A team's theme shares a challenge's theme when it covers this much of it:
// "dike reinforcement" and "dijkversterking" (a synonym, 0.8), not "sociaal
// domein" and "fysiek domein" (one word of two).
constexpr double kSharedTheme = 0.75;

// Region proximity by RegionMatch::Kind.
constexpr double kRegionScore[] = {0.0, 0.3, 0.6, 1.0};
constexpr int kFullAvailabilityHours = 16;
// The lowest rank in the sample of bounds that Ranking::Select takes its
// first threshold from.
constexpr size_t kMinThresholdRank = 3;
// The fewest experts whose bounds Ranking::Scored samples for that.
constexpr uint32_t kMinSamples = 1024;
// The most experts in one range of the accumulation (see Ranking::Scored).
constexpr uint32_t kMaxDocsPerRange = 1 << 17;

struct QueryTerm {
  TermId id;
  std::string term;
  std::string source;
  float weight;
  int group;
  // For a term of a required skill's name: that skill, and the term's weight
  // within the skill (SkillQuery::terms); -1 and 0 otherwise.
  int skill = -1;
  float skill_weight = 0;
  // Whether it is the source word itself (its stem), not a part or synonym:
  // an explanation names the word alone then.
  bool exact = false;
};

struct SkillQuery {
  std::string name;
  int min_level;
  double weight;
  std::vector<QueryTerm> terms;
  // Total weight of the skill's groups (the best term weight of each).
  double group_weight = 0;
  // Its groups are numbered from first_group: per group (from 0), the best
  // term weight, and for a phrase's group the groups of the phrase's words.
  int first_group = 0;
  std::vector<double> group_best;
  std::vector<std::vector<int>> phrase_words;
};

// A term of a required skill: which skill, which of its word groups, weight.
struct SkillHit {
  int skill;
  int group;
  float weight;
};

struct Query {
  Challenge challenge;
  std::vector<QueryTerm> terms;  // sorted by group
  int groups = 0;
  std::vector<SkillQuery> skills;
  double skill_weight_sum = 0;
  // Every term of the required skills, for matching an expert's skill terms
  // with one lookup each.
  absl::flat_hash_map<TermId, std::vector<SkillHit>> skill_terms;
  std::vector<std::string> regions;  // the challenge's region codes
  uint32_t desired_layers = 0;       // bit per GovernmentLayer
  uint8_t desired_perspectives = 0;
};

// The words of a phrase the synonym file knows ("Natura 2000", "grid
// congestion") weigh this much each beside the phrase itself: a text with
// the phrase matched it three times, as the phrase and as each word ("Natura
// 2000" was 0.232 of an expert's 0.428 text score in a review). Half each:
// a two-word phrase's words together weigh what the phrase does. Labelled
// set (tests/matching/quality_test) nDCG@10 0.871 -> 0.876, recall@10 0.949
// -> 0.953 (1.0, 0.8, 0.6, 0.5, 0.4, 0.2 gave 0.871, 0.875, 0.875, 0.876,
// 0.878, 0.878; 0 lost the words, 0.642).
constexpr float kPhraseWordWeight = 0.5f;

// Adds the analysed `text` to `out` with its groups renumbered after the
// ones already there, each term weighted by `weight` (kPhraseWordWeight
// more for the words of a recognised phrase).
int AddQueryText(const Analyzer& analyzer, absl::string_view text, float weight,
                 int first_group, std::vector<QueryTerm>& out) {
  const std::vector<AnalyzedTerm> analysed = analyzer.AnalyzeQuery(text);
  std::vector<bool> in_phrase;
  for (const std::vector<int>& words : PhraseWords(analysed, text)) {
    for (int w : words) {
      if (in_phrase.size() <= static_cast<size_t>(w)) in_phrase.resize(w + 1, false);
      in_phrase[w] = true;
    }
  }
  auto phrase_word = [&](int group) {
    return group >= 0 && static_cast<size_t>(group) < in_phrase.size() &&
           in_phrase[group];
  };
  int groups = first_group;
  for (const AnalyzedTerm& t : analysed) {
    out.push_back(QueryTerm{
        HashTerm(t.term), t.term, std::string(t.source),
        t.weight * weight * (phrase_word(t.group) ? kPhraseWordWeight : 1.0f),
        first_group + t.group, -1, 0, t.origin == AnalyzedTerm::Origin::kExact});
    groups = std::max(groups, first_group + t.group + 1);
  }
  return groups;
}

Query BuildQuery(const Analyzer& analyzer, const Challenge& c) {
  Query q;
  q.challenge = c;
  int g = AddQueryText(analyzer, c.title(), 1.5f, 0, q.terms);
  g = AddQueryText(analyzer, c.description(), 1.0f, g, q.terms);
  for (const auto& theme : c.themes())
    g = AddQueryText(analyzer, theme, 1.5f, g, q.terms);
  for (const auto& s : c.required_skills()) {
    SkillQuery sq;
    sq.name = s.name();
    sq.min_level = std::max(1, s.min_level());
    sq.weight = s.weight() > 0 ? s.weight() : 1.0;
    const int first = g;
    const size_t start = q.terms.size();
    g = AddQueryText(analyzer, s.name(), static_cast<float>(1.0 + sq.weight), g, q.terms);
    AddQueryText(analyzer, s.name(), 1.0f, first, sq.terms);
    // The same analysis twice: the same terms in the same order.
    for (size_t i = 0; i < sq.terms.size() && start + i < q.terms.size(); ++i) {
      q.terms[start + i].skill = static_cast<int>(q.skills.size());
      q.terms[start + i].skill_weight = sq.terms[i].weight;
    }
    std::stable_sort(
        sq.terms.begin(), sq.terms.end(),
        [](const QueryTerm& a, const QueryTerm& b) { return a.group < b.group; });
    std::vector<double> best(g - first, 0.0);
    for (const QueryTerm& t : sq.terms) {
      best[t.group - first] = std::max<double>(best[t.group - first], t.weight);
    }
    for (double b : best) sq.group_weight += b;
    sq.first_group = first;
    sq.group_best = best;
    // A phrase's group spans the groups of its words (by where their
    // sources lie in the name): an expert skill that matches the phrase,
    // "netcongestie" for "grid congestion", covers its words too. It covered
    // the phrase's group only (27%), less than "grid flexibility" did by
    // the word "grid" (33%).
    sq.phrase_words = PhraseWords(analyzer.AnalyzeQuery(s.name()), s.name());
    sq.phrase_words.resize(best.size());
    q.skill_weight_sum += sq.weight;
    for (const QueryTerm& t : sq.terms) {
      q.skill_terms[t.id].push_back(
          SkillHit{static_cast<int>(q.skills.size()), t.group, t.weight});
    }
    q.skills.push_back(std::move(sq));
  }
  q.groups = g;
  // The same term may come from several parts: keep each (term, group) once.
  std::stable_sort(
      q.terms.begin(), q.terms.end(),
      [](const QueryTerm& a, const QueryTerm& b) { return a.group < b.group; });
  q.regions.assign(c.region_codes().begin(), c.region_codes().end());
  for (int layer : c.desired_layers()) q.desired_layers |= 1u << layer;
  for (int p : c.desired_perspectives()) {
    if (p > 0 && p < 8) q.desired_perspectives |= 1 << p;
  }
  return q;
}

double Idf(const IndexSnapshot& s, TermId term) {
  const double n = std::max<size_t>(1, s.live_docs);
  const double df = std::min<double>(n, s.DocFreq(term));
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

struct Candidate {
  uint32_t doc = 0;
  // The expert's resource name (a view into the snapshot): what breaks ties.
  absl::string_view name;
  double text_raw = 0;
  double text = 0, skills = 0, region = 0, availability = 0, diversity = 0;
  int free_hours = 0;
  double relevance() const { return text + skills + region + availability; }
  double score() const { return relevance() + diversity; }
};

// The order of candidates by relevance: the more relevant first, and of
// equally relevant ones the first by name. Names, not doc numbers: a doc
// number depends on the order the snapshot listed the experts in and on
// the updates since, so only names give every replica the same list.
bool MoreRelevant(const Candidate& a, const Candidate& b) {
  const double ra = a.relevance(), rb = b.relevance();
  return ra > rb || (ra == rb && a.name < b.name);
}

// A candidate's upper bound of relevance and its doc in one integer
// whose descending order is by bound, descending, then by doc: the sorts
// of Evaluate() compare integers. The bound is kept as the float at or
// above it, so it stays an upper bound.
struct Ub {
  uint64_t key;

  static Ub Of(double bound, uint32_t doc) {
    // Bounds are positive (they include the region and availability
    // maxima), so their float bits order as they do.
    float f = static_cast<float>(std::max(bound, 0.0));
    if (f < bound) f = std::nextafter(f, HUGE_VALF);
    return Ub{uint64_t{std::bit_cast<uint32_t>(f)} << 32 | (UINT32_MAX - doc)};
  }
  float bound() const { return std::bit_cast<float>(static_cast<uint32_t>(key >> 32)); }
  uint32_t doc() const { return UINT32_MAX - static_cast<uint32_t>(key); }
  bool operator>(const Ub& other) const { return key > other.key; }
};

// A range of experts after the accumulation, seen by its own thread
// while the range's scores are in that thread's cache: the best text
// score, the first expert with it, how many have a text score, and the
// text and skills scores of the touched experts at multiples of a step.
struct RangeStats {
  float max_text = 0;
  uint32_t first_max = 0;
  size_t touched = 0;
  std::vector<std::pair<float, float>> samples;
};

}  // namespace

// Scratch space for accumulating one query's scores over all docs: sized to
// the largest index seen and reused. Between queries every entry is zero
// (Ranking::Score zeroes the text and skill arrays after use; the group
// arrays are zeroed as they are used); a text score is never zero once a
// posting added to it (impacts are at least 1), so zero means "not
// touched". Dense arrays, not a list of touched docs: a challenge-sized query
// touches most experts. A query's threads write disjoint ranges of docs.
struct Scratch {
  std::vector<float> text;   // per doc: text score so far
  std::vector<float> skill;  // per doc: upper bound of the skills component so far
  // Per doc: the best term so far of one word group.
  std::vector<float> group_text, group_skill;
  // A query's lists, kept for the next query with their capacity, so that
  // a query allocates none of them: an allocation this large after many
  // small frees (an explanation's strings) makes glibc consolidate its
  // free chunks, which took ~4% of a thread at 100k experts, in the middle
  // of the accumulation.
  std::vector<RangeStats> stats;          // per range of the accumulation
  std::vector<std::vector<Ub>> part_ubs;  // per part of a collection
  std::vector<Ub> ubs;                    // collected candidates
  std::vector<double> sample;             // sampled bounds

  void Prepare(size_t n) {
    if (text.size() < n) {
      for (auto* v : {&text, &skill, &group_text, &group_skill}) v->resize(n, 0);
    }
  }
};

// Scratch spaces for queries in flight: the most recently returned is handed
// out first (its arrays are likely still in cache), and there are only as
// many as queries ran at once, whatever the number of serving threads.
// Thread-safe.
class ScratchPool {
 public:
  std::unique_ptr<Scratch> Acquire() {
    absl::MutexLock lock(&mu_);
    if (free_.empty()) return std::make_unique<Scratch>();
    std::unique_ptr<Scratch> s = std::move(free_.back());
    free_.pop_back();
    return s;
  }
  void Release(std::unique_ptr<Scratch> s) {
    absl::MutexLock lock(&mu_);
    free_.push_back(std::move(s));
  }

 private:
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Scratch>> free_ ABSL_GUARDED_BY(mu_);
};

namespace {

// Ranks experts for one query on one state. Cheap to construct; not shared
// between threads.
class Ranking {
 public:
  // `pool` (may be null) runs parts of a query on other threads; `scratch`
  // (may be null) lends Score() its arrays. With `spread` false (other
  // queries keep the cores busy), only the accumulation is split between
  // threads, not the shorter passes after it.
  Ranking(const MatcherState& state, const RegionTable& regions,
          const MatcherOptions& options, const Query& query, WorkerPool* pool = nullptr,
          ScratchPool* scratch = nullptr, bool spread = true)
      : pool_(pool),
        scratch_(scratch),
        spread_(spread),
        state_(state),
        s_(*state.index),
        vocabulary_(*state.index->vocabulary),
        regions_(regions),
        o_(options),
        q_(query),
        formula_(s_.avg_length) {
    owner_ = vocabulary_.organisations.Find(q_.challenge.owner_organisation())
                 .value_or(UINT32_MAX);
    region_kind_.assign(vocabulary_.regions.size(), -1);
    organisation_region_kind_.assign(vocabulary_.organisations.size(), -1);
    national_kind_ = regions_.Match(q_.regions, {}, true).kind;
    regional_ = RegionTable::SetsApart(q_.regions);
    // A term in several word groups (a third of a challenge's terms) is
    // looked up once.
    const size_t n = q_.terms.size();
    first_of_.resize(n);
    absl::flat_hash_map<TermId, uint32_t> first;
    first.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      first_of_[i] = first.try_emplace(q_.terms[i].id, i).first->second;
    }
    std::vector<double> idf(n);
    term_weight_.reserve(n);
    term_lists_.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const QueryTerm& t = q_.terms[i];
      const uint32_t j = first_of_[i];
      if (j == i) {
        idf[i] = Idf(s_, t.id);
        term_lists_.emplace_back(s_.base->Postings(t.id), s_.delta->Postings(t.id));
      } else {
        idf[i] = idf[j];
        term_lists_.push_back(term_lists_[j]);
      }
      term_weight_.push_back(static_cast<float>(idf[i] * t.weight));
    }
  }

  // The `keep` most relevant experts (relevance without diversity; ties by
  // name, see MoreRelevant) that pass the filters, each with every component
  // computed; in no particular order.
  //
  // Exact, and cheap per posting: text scores are accumulated term at a time
  // into flat arrays from each posting's precomputed impact, together with an
  // upper bound of the skills component; the other components are computed
  // only for candidates in the order of an upper bound of their relevance,
  // until the `keep`-th best relevance found beats every remaining bound.
  std::vector<Candidate> Score(const v1::MatchFilters& filters, size_t keep) {
    std::vector<Candidate> top;
    Scored(filters, keep, [&](SelectFn select) { select(keep, top); });
    return top;
  }

  // What Rerank(Score(filters, max(rerank_pool, k)), k) returns, usually from
  // far fewer than rerank_pool candidates: a pick of the greedy re-ranking
  // is certain once no candidate outside the most relevant ones scored can
  // beat it (see RerankProven), and only when one could is the whole pool
  // scored. Scoring the pool's components is a quarter of a query at 100k
  // experts, and without bonuses the picks rarely reach far down. A query
  // that desires layers or perspectives scores the pool at once: a bonus
  // for a layer the most relevant lack can lift any expert of the pool (in
  // a benchmark of such queries, 70% needed the pool).
  std::vector<Candidate> Match(const v1::MatchFilters& filters, size_t k) {
    const size_t pool = std::max<size_t>(o_.rerank_pool, k);
    const bool lazy =
        o_.lazy_rerank && q_.desired_layers == 0 && q_.desired_perspectives == 0;
    size_t m = lazy ? std::min(pool, std::max<size_t>(2 * k, 20)) : pool;
    std::vector<Candidate> picked;
    Scored(filters, m, [&](SelectFn select) {
      std::vector<Candidate> top;
      for (;;) {
        select(m, top);
        // With fewer than m, every candidate is in top.
        if (m >= pool || top.size() < m) {
          picked = Rerank(std::move(top), k);
          return;
        }
        if (RerankProven(std::move(top), k, picked)) return;
        ++lazy_retries_;
        m = pool;
      }
    });
    return picked;
  }

  // Times Match() needed more candidates than it first scored (Matcher adds
  // them up for tests and benchmarks).
  int lazy_retries() const { return lazy_retries_; }
  // See caller_sees_every_bio_.
  void set_caller_sees_every_bio(bool sees) { caller_sees_every_bio_ = sees; }

  // select(keep, top): the `keep` most relevant experts into `top`, as
  // Score() returns them; may be called again with another `keep`.
  using SelectFn = absl::FunctionRef<void(size_t, std::vector<Candidate>&)>;

  // Accumulates the query's text and skills bounds over every expert, calls
  // use(select) and clears the scratch arrays. `sample_keep`: the smallest
  // `keep` that select will be given (its threshold sample is sized for it).
  void Scored(const v1::MatchFilters& filters, size_t sample_keep,
              absl::FunctionRef<void(SelectFn)> use) {
    PrepareFilters(filters);
    if (!Plan()) {
      use([](size_t, std::vector<Candidate>& top) { top.clear(); });
      return;
    }
    ScratchPool local;
    ScratchPool& pool = scratch_ != nullptr ? *scratch_ : local;
    std::unique_ptr<Scratch> lease = pool.Acquire();
    Scratch& sc = *lease;
    const uint32_t docs = s_.doc_count();
    sc.Prepare(docs);
    // Ranges of experts, at least one per thread; each accumulates every
    // term into its range and finds its range's best text score and touched
    // count. A large index gets more ranges than threads, of at most
    // kMaxDocsPerRange experts: a range's score arrays then stay in its
    // thread's cache, and the threads take the ranges in turn, so a worker
    // that wakes late (a fraction of a millisecond is not rare on a busy or
    // virtual machine) leaves more of them to the caller instead of
    // delaying the query by its lateness. (At 1M experts: server-side p50
    // 6.8-7.0 against 7.5-7.8 ms with one range per thread; at 100k more
    // ranges only cost.)
    const int threads =
        pool_ == nullptr
            ? 1
            : std::clamp<int>(docs / std::max(1, o_.min_docs_per_query_thread), 1,
                              pool_->parallelism());
    const int parts =
        threads == 1
            ? 1
            : std::max<int>(threads, (docs + kMaxDocsPerRange - 1) / kMaxDocsPerRange);
    ranges_.resize(parts + 1);
    for (int p = 0; p <= parts; ++p) ranges_[p] = uint64_t{docs} * p / parts;
    std::vector<RangeStats>& stats = sc.stats;
    stats.resize(parts);
    // Select() samples the bounds of about 16 * keep experts, and at least
    // kMinSamples (its threshold's rank would be too coarse).
    const uint32_t sample_step = std::max<uint32_t>(
        1, std::min<uint32_t>(docs / (16 * std::max<size_t>(1, sample_keep)),
                              docs / kMinSamples));
    Run(parts, [&](int p) {
      for (const GroupPlan& g : groups_) {
        AccumulateTerms(sc,
                        absl::MakeConstSpan(plan_.data() + g.begin, plan_.data() + g.end),
                        ranges_[p], ranges_[p + 1]);
      }
      StatsOf(sc, ranges_[p], ranges_[p + 1], sample_step, stats[p]);
    });
    pass_ranges_ = spread_ ? ranges_ : std::vector<uint32_t>{0, docs};
    use([&](size_t keep, std::vector<Candidate>& top) { Select(sc, keep, stats, top); });
    Run(pass_parts(), [&](int p) {
      const uint32_t lo = pass_ranges_[p], hi = pass_ranges_[p + 1];
      std::fill(sc.text.begin() + lo, sc.text.begin() + hi, 0.0f);
      std::fill(sc.skill.begin() + lo, sc.skill.begin() + hi, 0.0f);
    });
    pool.Release(std::move(lease));
  }

  // Runs part(0 .. parts - 1), on the pool when there is more than one.
  void Run(int parts, absl::FunctionRef<void(int)> part) const {
    if (parts == 1) {
      part(0);
    } else {
      pool_->Run(parts, part);
    }
  }

  // Sets `r` to the stats of [lo, hi).
  static void StatsOf(const Scratch& sc, uint32_t lo, uint32_t hi, uint32_t sample_step,
                      RangeStats& r) {
    // Scores are never negative, so their bits order as they do: integer
    // operations, which the compiler vectorises.
    const float* const text = sc.text.data();
    uint32_t max_bits = 0;
    size_t touched = 0;
    for (uint32_t doc = lo; doc < hi; ++doc) {
      const uint32_t bits = std::bit_cast<uint32_t>(text[doc]);
      max_bits = std::max(max_bits, bits);
      touched += bits != 0;
    }
    r.max_text = std::bit_cast<float>(max_bits);
    r.first_max = 0;
    r.touched = touched;
    r.samples.clear();
    if (touched == 0) return;
    r.first_max = lo + FindScore(text + lo, hi - lo, r.max_text);
    r.samples.reserve((hi - lo) / sample_step + 1);
    for (uint32_t doc = (lo + sample_step - 1) / sample_step * sample_step; doc < hi;
         doc += sample_step) {
      if (text[doc] != 0) r.samples.emplace_back(text[doc], sc.skill[doc]);
    }
  }

  void Components(Candidate& c) const {
    const ExpertFacts f = s_.facts(c.doc);
    c.name = f.name;
    c.text = c.text_raw * text_scale_;
    c.skills = 0;
    thread_local std::vector<SkillMatch> best;
    BestSkills(f, best);
    for (const SkillMatch& m : best) c.skills += m.contribution;
    c.region = o_.region_weight * kRegionScore[RegionKind(f)];
    c.free_hours = FreeHours(f);
    c.availability = o_.availability_weight *
                     std::clamp(c.free_hours, 0, kFullAvailabilityHours) /
                     kFullAvailabilityHours;
  }

  int FreeHours(const ExpertFacts& f) const {
    const auto& committed = state_.catalog->committed_hours;
    if (committed.empty()) return f.info.available_hours;
    auto it = committed.find(f.name);
    return f.info.available_hours - (it == committed.end() ? 0 : it->second);
  }

  // The region codes of organisation `org` (a Vocabulary id): the working
  // area of its experts who give none of their own (a municipality's expert
  // works there). Empty when it has none, or is not (yet) known.
  std::vector<std::string> OrganisationRegions(uint32_t org) const {
    const auto& organisations = state_.catalog->organisations;
    auto it = organisations.find(vocabulary_.organisations.key(org));
    if (it == organisations.end()) return {};
    return {it->second->region_codes().begin(), it->second->region_codes().end()};
  }

  // The region codes that stand for the expert's working area, from
  // `f.regions` or else their organisation's; `inherited` says which.
  std::vector<std::string> WorkingArea(const ExpertFacts& f, bool* inherited) const {
    std::vector<std::string> codes;
    for (uint32_t id : f.regions) codes.emplace_back(vocabulary_.regions.key(id));
    *inherited = codes.empty();
    return codes.empty() ? OrganisationRegions(f.info.organisation) : codes;
  }

  // RegionTable::Match of the challenge's codes with the expert's (or, when
  // they give none, their organisation's: WorkingArea), from per-query
  // tables of the region codes and organisations seen.
  RegionMatch::Kind RegionKind(const ExpertFacts& f) const {
    if (!regional_) return RegionMatch::kNone;
    int kind = f.info.layer == type::GOVERNMENT_LAYER_NATIONAL ? national_kind_ : 0;
    if (f.regions.empty()) {
      const uint32_t org = f.info.organisation;
      if (org >= organisation_region_kind_.size())
        organisation_region_kind_.resize(org + 1, -1);
      int8_t& k = organisation_region_kind_[org];
      if (k < 0) k = regions_.Match(q_.regions, OrganisationRegions(org), false).kind;
      return static_cast<RegionMatch::Kind>(std::max<int>(kind, k));
    }
    for (uint32_t id : f.regions) {
      if (id >= region_kind_.size()) region_kind_.resize(id + 1, -1);
      int8_t& k = region_kind_[id];
      if (k < 0) {
        k = regions_.Match(q_.regions, {std::string(vocabulary_.regions.key(id))}, false)
                .kind;
      }
      kind = std::max<int>(kind, k);
    }
    return static_cast<RegionMatch::Kind>(kind);
  }

  struct SkillMatch {
    int expert_skill = -1;
    double coverage = 0;
    double contribution = 0;
  };

  // For every required skill, the expert's skill that covers it best: the
  // share of its word groups found among that skill's terms, times the level
  // factor. Coverage depends on the skill name only, so it is worked out once
  // per query for each skill of the vocabulary that comes up.
  std::vector<SkillMatch> BestSkills(const ExpertFacts& f) const {
    std::vector<SkillMatch> best;
    BestSkills(f, best);
    return best;
  }
  // The same into `best` (one per required skill), reusing its memory.
  void BestSkills(const ExpertFacts& f, std::vector<SkillMatch>& best) const {
    best.assign(q_.skills.size(), SkillMatch{});
    if (q_.skill_weight_sum <= 0) return;
    for (int s = 0; s < static_cast<int>(f.skills.size()); ++s) {
      const int level = SkillLevel(f.skills[s]);
      for (const SkillCoverage& c : CoverageOf(SkillId(f.skills[s]))) {
        const SkillQuery& sq = q_.skills[c.skill];
        const double factor =
            level >= sq.min_level
                ? 0.85 + 0.15 * (level - sq.min_level) / std::max(1, 5 - sq.min_level)
                : 0.85 * std::pow(0.5, sq.min_level - level);
        const double contribution =
            o_.skills_weight * sq.weight / q_.skill_weight_sum * c.coverage * factor;
        if (contribution > best[c.skill].contribution)
          best[c.skill] = SkillMatch{s, c.coverage, contribution};
      }
    }
  }

  struct SkillCoverage {
    int skill;        // index into q_.skills
    double coverage;  // 0..1
  };

  // The required skills that the vocabulary's skill `id` covers at all, each
  // with its coverage: the share of the required skill's word groups (by
  // weight) that the skill's terms contain, a compound's head part at half
  // (SkillTerms::coverage): "projectmanagement" or "congestiemanagement" at
  // level 5 covered "stakeholder management" by the part "management" (a
  // review: SuggestTeam said so, and left the skill off the missing list).
  absl::Span<const SkillCoverage> CoverageOf(uint32_t id) const {
    if (id >= coverage_range_.size()) coverage_range_.resize(id + 1, {-1, -1});
    std::pair<int, int>& range = coverage_range_[id];
    if (range.first < 0) {
      struct Hit {
        int skill, group;
        float weight;
      };
      std::vector<Hit> hits;
      const SkillTerms& skill = vocabulary_.skills.value(id);
      for (size_t t = 0; t < skill.terms.size(); ++t) {
        auto it = q_.skill_terms.find(skill.terms[t].first);
        if (it == q_.skill_terms.end()) continue;
        const float covers = t < skill.coverage.size() ? skill.coverage[t] : 1.0f;
        for (const SkillHit& h : it->second) {
          hits.push_back({h.skill, h.group, h.weight * covers});
        }
      }
      std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
        return std::tie(a.skill, a.group, b.weight) <
               std::tie(b.skill, b.group, a.weight);
      });
      range.first = static_cast<int>(coverage_.size());
      std::vector<double> got;
      for (size_t i = 0; i < hits.size();) {
        const int j = hits[i].skill;
        const SkillQuery& sq = q_.skills[j];
        // Per word group, the best weight among its terms that this skill
        // has; a phrase's weight covers its words' groups in proportion.
        got.assign(sq.group_best.size(), 0.0);
        for (; i < hits.size() && hits[i].skill == j; ++i) {
          const size_t local = hits[i].group - sq.first_group;
          if (local >= got.size()) continue;
          got[local] = std::max<double>(got[local], hits[i].weight);
          if (sq.group_best[local] <= 0) continue;
          const double share = hits[i].weight / sq.group_best[local];
          for (int w : sq.phrase_words[local]) {
            if (static_cast<size_t>(w) < got.size()) {
              got[w] = std::max(got[w], share * sq.group_best[w]);
            }
          }
        }
        if (sq.group_weight <= 0) continue;
        double covered = 0;
        for (double x : got) covered += x;
        coverage_.push_back({j, std::min(1.0, covered / sq.group_weight)});
      }
      range.second = static_cast<int>(coverage_.size());
    }
    return absl::MakeConstSpan(coverage_.data() + range.first,
                               coverage_.data() + range.second);
  }

  // The `k` best by relevance plus diversity, greedily: each pick maximises
  // its relevance plus the bonus for a desired layer/perspective not yet in
  // the list, minus a penalty per earlier pick of the same organisation.
  // Scores come out non-increasing (bonuses only shrink as the list grows).
  std::vector<Candidate> Rerank(std::vector<Candidate> pool, size_t k) const {
    std::vector<Candidate> picked;
    RerankFrom(std::move(pool), k, /*complete=*/true, picked);
    return picked;
  }

  // Rerank(all, k) into `picked`, given `top`, the top.size() most relevant
  // of `all` (as Score() returns them), when that is certain from them:
  // every pick beats what any other candidate could score at its step.
  // False when that is not shown (then `picked` is incomplete).
  bool RerankProven(std::vector<Candidate> top, size_t k,
                    std::vector<Candidate>& picked) const {
    return RerankFrom(std::move(top), k, /*complete=*/false, picked);
  }

  // Rerank's greedy picks from `pool`. Unless `complete`, there are more
  // candidates, each after all of `pool` in MoreRelevant's order (the order
  // the greedy breaks ties by).
  // Such a candidate's score is its relevance, at most the last of `pool`'s
  // (rounding is monotonic), plus its diversity, at most the bonuses still
  // open (a penalty only lowers it); it wins a step only by beating the
  // pick strictly. Returns false as soon as a pick is not above that.
  bool RerankFrom(std::vector<Candidate> pool, size_t k, bool complete,
                  std::vector<Candidate>& picked) const {
    const size_t m = std::min(pool.size(), std::max<size_t>(o_.rerank_pool, k));
    std::partial_sort(pool.begin(), pool.begin() + m, pool.end(), MoreRelevant);
    pool.resize(m);
    picked.clear();
    const double least = pool.empty() ? 0 : pool.back().relevance();
    diversity_floor_ =
        pool.empty() ? 0 : o_.diversity_min_share * pool.front().relevance();
    // Of a challenge with a region, a layer other than NATIONAL is brought by
    // someone from the region when the pool has anyone relevant enough from
    // there of that layer, as in SuggestTeam (a relevance review: a
    // Zuid-Limburg flooding challenge's list opened with Drenthe's province,
    // a Brabant water board and Ede, Limburg's own experts 5th to 9th).
    local_layers_ = 0;
    if (regional_ && LocalRegion() > 0 && q_.desired_layers != 0) {
      // A candidate beyond `pool` relevant enough, from the region, would
      // change that; the complete rerank knows.
      if (!complete && pool.size() < std::max<size_t>(o_.rerank_pool, k) &&
          least >= diversity_floor_) {
        return false;
      }
      for (const Candidate& c : pool) {
        // Only who could take the bonus (see Diversity): a local expert
        // without free hours took it from everyone of the layer.
        if (c.relevance() >= diversity_floor_ && c.free_hours > 0 && Local(c)) {
          local_layers_ |= 1u << s_.info(c.doc).layer;
        }
      }
    }
    uint32_t layers = 0;
    uint8_t perspectives = 0;
    absl::flat_hash_map<uint32_t, int> per_org;
    std::vector<bool> used(pool.size(), false);
    while (picked.size() < k && picked.size() < pool.size()) {
      int best = -1;
      double best_score = 0;
      for (size_t i = 0; i < pool.size(); ++i) {
        if (used[i]) continue;
        Candidate& c = pool[i];
        c.diversity = Diversity(c, layers, perspectives, per_org);
        if (best < 0 || c.score() > best_score) {
          best = i;
          best_score = c.score();
        }
      }
      if (!complete) {
        double open = 0;
        if (q_.desired_layers & ~layers) open += o_.new_layer_bonus;
        if (q_.desired_perspectives & ~perspectives) open += o_.new_perspective_bonus;
        if (least + open > best_score) return false;
      }
      used[best] = true;
      const DocInfo& info = s_.info(pool[best].doc);
      layers |= 1u << info.layer;
      perspectives |= info.perspectives;
      ++per_org[info.organisation];
      picked.push_back(pool[best]);
    }
    return complete || picked.size() == k;
  }

  // The region part of someone from the challenge's region: the same
  // municipality or province (0 when regions are not weighed). SuggestTeam
  // fills a layer's place by the same rule.
  double LocalRegion() const {
    return o_.region_weight * kRegionScore[RegionMatch::kSameProvince];
  }
  bool Local(const Candidate& c) const { return c.region >= LocalRegion() * 0.999; }

  // A desired layer or perspective new to the list is a bonus for someone
  // relevant enough, with hours free (without, they cannot join a team: the
  // bonus put a provincial expert with none at #2), and for a layer other
  // than NATIONAL from the challenge's region when the pool has someone
  // relevant enough from there of that layer (local_layers_).
  double Diversity(const Candidate& c, uint32_t layers, uint8_t perspectives,
                   const absl::flat_hash_map<uint32_t, int>& per_org) const {
    const DocInfo& info = s_.info(c.doc);
    double d = 0;
    if (c.relevance() >= diversity_floor_ && c.free_hours > 0) {
      const uint32_t layer_bit = 1u << info.layer;
      if ((q_.desired_layers & layer_bit) && !(layers & layer_bit) &&
          (info.layer == type::GOVERNMENT_LAYER_NATIONAL ||
           !(local_layers_ & layer_bit) || Local(c))) {
        d += o_.new_layer_bonus;
      }
      if (info.perspectives & q_.desired_perspectives & ~perspectives)
        d += o_.new_perspective_bonus;
    }
    auto it = per_org.find(info.organisation);
    if (it != per_org.end()) d -= o_.same_organisation_penalty * it->second;
    return d;
  }

  // Explain() of each of `picked`, after Score(): split between as many
  // threads as scored (each explanation looks up every query term in the
  // expert's postings, and builds a few dozen strings).
  std::vector<v1::ExpertMatch> ExplainAll(const std::vector<Candidate>& picked) const {
    // The skills first, on this thread: BestSkills() fills per-query memos.
    std::vector<std::vector<SkillMatch>> skills;
    skills.reserve(picked.size());
    for (const Candidate& c : picked) skills.push_back(BestSkills(s_.facts(c.doc)));
    std::vector<v1::ExpertMatch> out(picked.size());
    const int parts = std::clamp<int>(picked.size(), 1, pass_parts());
    Run(parts, [&](int p) {
      for (size_t i = p; i < picked.size(); i += parts) {
        out[i] = Explain(picked[i], skills[i]);
      }
    });
    return out;
  }

  v1::ExpertMatch Explain(const Candidate& c) const {
    return Explain(c, BestSkills(s_.facts(c.doc)));
  }

  // The explanation of `c`, whose BestSkills() are `skill_matches`. Reads
  // no per-query memo: several threads may explain at once.
  v1::ExpertMatch Explain(const Candidate& c,
                          const std::vector<SkillMatch>& skill_matches) const {
    const ExpertFacts f = s_.facts(c.doc);
    v1::ExpertMatch m;
    m.set_expert(std::string(f.name));
    m.set_display_name(std::string(f.display_name));
    m.set_organisation(std::string(vocabulary_.organisations.key(f.info.organisation)));
    m.set_layer(static_cast<type::GovernmentLayer>(f.info.layer));
    m.set_score(c.score());
    for (int p = 1; p < 8; ++p) {
      if (f.info.perspectives & (1 << p))
        m.add_perspectives(static_cast<type::Perspective>(p));
    }
    // Never below 0: an expert whose teams take more than their hours has
    // none free (the explanation says by how much they are over).
    m.set_available_hours_per_week(std::max(c.free_hours, 0));
    v1::Explanation* e = m.mutable_explanation();

    // Text: per query word group, its best term, split over the fields. A
    // word the challenge repeats is one entry per field, its contributions
    // summed (the score counts each occurrence). The bio of an expert who
    // does not share it with other organisations is scored, but its words are
    // not named to them (admins, who may read every bio, excepted): one entry
    // without a term, and no query word that only the bio matched.
    const bool hide_bio = !caller_sees_every_bio_ && !f.info.shares_contact &&
                          f.info.organisation != owner_;
    const size_t n = q_.terms.size();
    // Per distinct term (first_of_): its tf and impact in this expert,
    // looked up once; its entry per field in matched_terms (the hidden bio
    // entry at n); whether it is in `words` yet. Reused by the thread's
    // next explanation.
    struct Memo {
      std::vector<int8_t> found;  // -1: not looked up yet
      std::vector<FieldTf> tf;
      std::vector<uint16_t> impact;
      std::vector<int> entry;  // (term * kNumFields + field) -> index, or -1
      std::vector<bool> word;
    };
    thread_local Memo memo;
    memo.found.assign(n, -1);
    memo.tf.resize(n);
    memo.impact.resize(n);
    memo.entry.assign((n + 1) * kNumFields, -1);
    memo.word.assign(n, false);
    // The query words named in the text component: their count, and the
    // first eight.
    size_t word_count = 0;
    absl::InlinedVector<const QueryTerm*, 8> words;
    const bool in_base = c.doc < s_.base->size();
    const uint32_t seg_doc = in_base ? c.doc : c.doc - s_.base->size();
    const FieldLengths& lengths = s_.lengths(c.doc);
    size_t i = 0;
    while (i < n) {
      const int group = q_.terms[i].group;
      const QueryTerm* best = nullptr;
      float best_score = 0;
      float best_parts[kNumFields] = {};
      for (; i < n && q_.terms[i].group == group; ++i) {
        const QueryTerm& t = q_.terms[i];
        const uint32_t j = first_of_[i];
        if (memo.found[j] < 0) {
          const PostingList& list =
              in_base ? term_lists_[j].first : term_lists_[j].second;
          memo.found[j] = list.Find(seg_doc, &memo.tf[j], &memo.impact[j]);
        }
        if (!memo.found[j]) continue;
        const uint16_t impact = memo.impact[j];
        float parts[kNumFields];
        formula_.Parts(memo.tf[j], lengths, parts);
        // The same value the scoring loop added (see AccumulateTerms).
        const float score = TermWeight(t) * TextFormula::kImpactUnit *
                            static_cast<float>(impact & TextFormula::kImpactMask);
        if (score > best_score) {
          best = &t;
          best_score = score;
          std::copy(parts, parts + kNumFields, best_parts);
        }
      }
      if (!best) continue;
      const uint32_t best_first = first_of_[best - q_.terms.data()];
      const double total = best_parts[0] + best_parts[1] + best_parts[2] + best_parts[3];
      for (int fi = 0; fi < kNumFields; ++fi) {
        if (best_parts[fi] <= 0) continue;
        const double contribution = best_score * text_scale_ * best_parts[fi] / total;
        const bool hidden = hide_bio && fi == kBio;
        int& entry = memo.entry[(hidden ? n : best_first) * kNumFields + fi];
        if (entry >= 0) {
          v1::MatchedTerm* mt = e->mutable_matched_terms(entry);
          mt->set_contribution(mt->contribution() + contribution);
          continue;
        }
        entry = e->matched_terms_size();
        auto* mt = e->add_matched_terms();
        if (!hidden) {
          mt->set_term(best->term);
          mt->set_query_word(best->source);
        }
        mt->set_field(kFieldNames[fi]);
        mt->set_contribution(contribution);
      }
      if (hide_bio && best_parts[kSkills] <= 0 && best_parts[kThemes] <= 0 &&
          best_parts[kJobTitle] <= 0) {
        continue;  // only the bio has it
      }
      if (memo.word[best_first]) continue;
      memo.word[best_first] = true;
      if (words.size() < 8) words.push_back(best);
      ++word_count;
    }
    // A query word as its term matched it: "gemeenten" by its own stem (a
    // domain review: "gemeenten~gemeent", "Peel~pel" read as noise to policy
    // staff), "sponswerking~sponswerk" by a part or a synonym.
    auto format_word = [](std::string* out, const QueryTerm* t) {
      absl::StrAppend(out, t->source);
      if (!t->exact && t->source != t->term) absl::StrAppend(out, "~", t->term);
    };
    auto add = [&](const char* name, double value, std::string detail) {
      auto* comp = e->add_components();
      comp->set_name(name);
      comp->set_value(value);
      comp->set_detail(std::move(detail));
    };
    add("text", c.text,
        absl::StrCat("matched ", word_count,
                     word_count == 1 ? " query word: " : " query words: ",
                     absl::StrJoin(words, ", ", format_word),
                     word_count > words.size()
                         ? absl::StrCat(" and ", word_count - words.size(), " more")
                         : ""));
    std::vector<std::string> skill_notes;
    for (size_t j = 0; j < q_.skills.size(); ++j) {
      const SkillQuery& sq = q_.skills[j];
      const SkillMatch& sm = skill_matches[j];
      if (sm.expert_skill < 0) continue;
      const uint32_t skill = f.skills[sm.expert_skill];
      auto* ms = e->add_matched_skills();
      ms->set_name(sq.name);
      ms->set_required_level(sq.min_level);
      ms->set_expert_skill(std::string(vocabulary_.skills.key(SkillId(skill))));
      ms->set_expert_level(SkillLevel(skill));
      ms->set_coverage(sm.coverage);
      ms->set_contribution(sm.contribution);
      skill_notes.push_back(absl::StrCat(sq.name, " <- ", ms->expert_skill(), " (level ",
                                         ms->expert_level(), "/", sq.min_level, ")"));
    }
    add("skills", c.skills,
        skill_notes.empty() ? "no required skill covered"
                            : absl::StrJoin(skill_notes, "; "));
    bool inherited = false;
    const std::vector<std::string> codes = WorkingArea(f, &inherited);
    const RegionMatch rm = regions_.Match(
        q_.regions, codes, f.info.layer == type::GOVERNMENT_LAYER_NATIONAL);
    static constexpr const char* kRegionText[] = {"no regional link", "national scope",
                                                  "same province", "same region"};
    // A match through the organisation's area says so (the expert gave none);
    // a national expert's national scope needs no area.
    const bool through_organisation = inherited && !rm.expert_code.empty();
    add("region", c.region,
        !regional_ ? NotWeighed(q_.regions)
        : rm.kind == RegionMatch::kNone
            ? kRegionText[0]
            : absl::StrCat(
                  rm.kind == RegionMatch::kSame && rm.expert_code != rm.challenge_code
                      ? "in the region"
                      : kRegionText[rm.kind],
                  " (", regions_.NameOf(rm.expert_code),
                  rm.kind == RegionMatch::kSame && rm.expert_code != rm.challenge_code
                      ? " in "
                      : " for ",
                  regions_.NameOf(rm.challenge_code),
                  through_organisation
                      ? "; the organisation's area: the expert gives no region"
                      : "",
                  ")"));
    add("availability", c.availability,
        c.free_hours >= 0
            ? absl::StrCat(c.free_hours, " h/week free of ", f.info.available_hours)
            : absl::StrCat("0 h/week free: active teams take ", -c.free_hours,
                           " h/week more than the ", f.info.available_hours,
                           " available"));
    add("diversity", c.diversity,
        c.diversity > 0   ? "adds a desired layer or perspective to the list"
        : c.diversity < 0 ? "organisation already in the list"
                          : "no adjustment");
    e->set_summary(absl::StrCat(
        f.display_name, ": ",
        absl::StrJoin(words.begin(), words.begin() + std::min<size_t>(5, words.size()),
                      ", ", format_word),
        skill_notes.empty() ? "" : "; skills ", absl::StrJoin(skill_notes, "; ")));
    return m;
  }

  const IndexSnapshot& snapshot() const { return s_; }

 private:
  // `t` is one of q_.terms.
  float TermWeight(const QueryTerm& t) const {
    return term_weight_[&t - q_.terms.data()];
  }

  // A query term as scoring uses it.
  struct TermPlan {
    TermId id;
    float weight;  // per impact unit: TermWeight * TextFormula::kImpactUnit
    float skill;   // SkillBoundWeight
    // The term's postings in the base and in the delta (looked up once per
    // query, not once per range of the accumulation).
    const std::pair<PostingList, PostingList>* lists;
  };
  // A word group: its terms, plan_[begin, end).
  struct GroupPlan {
    size_t begin, end;
  };

  // The query's word groups with their terms' weights, in plan_ and groups_.
  // A group that repeats another's terms with proportional weights (a word
  // in both the title and the description, say) is folded into it, its
  // weights added: the best term of both is the same term, so the sum of
  // their contributions is one contribution with the summed weight. False
  // when the query has no terms.
  bool Plan() {
    plan_.clear();
    groups_.clear();
    // Whether group `b` is group `a` scaled (text and skills weights, each
    // by its own factor); the factors then.
    auto proportional = [&](const GroupPlan& a, const std::vector<TermPlan>& b,
                            float* text_factor, float* skill_factor) {
      if (a.end - a.begin != b.size()) return false;
      *text_factor = b[0].weight / plan_[a.begin].weight;
      *skill_factor = plan_[a.begin].skill > 0 ? b[0].skill / plan_[a.begin].skill : 0;
      for (size_t i = 0; i < b.size(); ++i) {
        const TermPlan& t = plan_[a.begin + i];
        if (t.id != b[i].id) return false;
        if (std::abs(t.weight * *text_factor - b[i].weight) > 1e-6f * b[i].weight)
          return false;
        if (std::abs(t.skill * *skill_factor - b[i].skill) > 1e-6f * b[i].skill)
          return false;
      }
      return true;
    };
    absl::flat_hash_map<TermId, size_t> by_first_term;  // -> index into groups_
    std::vector<TermPlan> terms;
    for (size_t i = 0; i < q_.terms.size();) {
      const int group = q_.terms[i].group;
      terms.clear();
      for (; i < q_.terms.size() && q_.terms[i].group == group; ++i) {
        const QueryTerm& t = q_.terms[i];
        terms.push_back(TermPlan{t.id, TermWeight(t) * TextFormula::kImpactUnit,
                                 SkillBoundWeight(t), &term_lists_[i]});
      }
      std::sort(terms.begin(), terms.end(),
                [](const TermPlan& a, const TermPlan& b) { return a.id < b.id; });
      auto [it, added] = by_first_term.try_emplace(terms[0].id, groups_.size());
      float text_factor, skill_factor;
      if (!added &&
          proportional(groups_[it->second], terms, &text_factor, &skill_factor)) {
        const GroupPlan& g = groups_[it->second];
        for (size_t j = g.begin; j < g.end; ++j) {
          plan_[j].weight *= 1 + text_factor;  // a + b = a (1 + b / a)
          plan_[j].skill *= 1 + skill_factor;
        }
        continue;
      }
      groups_.push_back(GroupPlan{plan_.size(), plan_.size() + terms.size()});
      plan_.insert(plan_.end(), terms.begin(), terms.end());
    }
    return !plan_.empty();
  }

  // Adds the best of `terms` (one word group's) for each doc in [lo, hi)
  // to sc.text: a term's impact (its saturated pseudo tf, precomputed per
  // posting) times the term's weight; likewise the skills bound to
  // sc.skill. Branch-free per posting.
  void AccumulateTerms(Scratch& sc, absl::Span<const TermPlan> terms, uint32_t lo,
                       uint32_t hi) const {
    for (const Segment* seg : {s_.base.get(), s_.delta.get()}) {
      const uint32_t offset = seg == s_.base.get() ? 0 : s_.base->size();
      const uint32_t end = offset + seg->size();
      if (lo >= end || hi <= offset) continue;
      AccumulateTerms(sc, terms, *seg, std::max(lo, offset) - offset,
                      std::min(hi, end) - offset);
    }
  }
  // The same for one segment, its docs in [lo, hi).
  void AccumulateTerms(Scratch& sc, absl::Span<const TermPlan> terms, const Segment& seg,
                       uint32_t lo, uint32_t hi) const {
    const bool in_base = &seg == s_.base.get();
    const uint32_t offset = in_base ? 0 : s_.base->size();
    // A term's postings in [lo, hi).
    auto postings = [&](const TermPlan& t) {
      const PostingList& list = in_base ? t.lists->first : t.lists->second;
      return lo > 0 || hi < seg.size() ? list.Slice(lo, hi) : list;
    };
    float* const text = sc.text.data() + offset;
    float* const skill = sc.skill.data() + offset;
    constexpr uint16_t kMask = TextFormula::kImpactMask;
    // Only a term of a required skill touches the skills bound, and only
    // in the experts that have it in their skills field (the skill bit of
    // its impact): visit(doc) for each of those, gathered a block at a time
    // without a branch per posting (adding zero to the others changed
    // nothing).
    static_assert(TextFormula::kSkillBit == 1 << 15);
    auto for_skill_docs = [](const PostingList& list, auto&& visit) {
      constexpr uint32_t kBlock = 512;
      uint32_t block[kBlock];
      for (uint32_t start = 0; start < list.size; start += kBlock) {
        const uint32_t end = std::min(list.size, start + kBlock);
        uint32_t n = 0;
        for (uint32_t i = start; i < end; ++i) {
          block[n] = list.docs[i];
          n += list.impacts[i] >> 15;  // 1 with the skill bit
        }
        for (uint32_t i = 0; i < n; ++i) visit(block[i]);
      }
    };
    if (terms.size() == 1) {
      const TermPlan& t = terms[0];
      const PostingList list = postings(t);
      for (uint32_t i = 0; i < list.size; ++i) {
        text[list.docs[i]] += t.weight * static_cast<float>(list.impacts[i] & kMask);
      }
      if (t.skill > 0) for_skill_docs(list, [&](uint32_t doc) { skill[doc] += t.skill; });
      return;
    }
    // Several terms (a word with its synonyms, stems, compound parts): each
    // doc's best term into the group arrays, then that best added once. The
    // longest list is visited once, last, adding each of its docs' best as
    // it goes and zeroing it; then the other lists are visited again for
    // their docs' best (zero when the longest took it already). The best of
    // a group is the same in any order: the scores are identical to those of
    // two visits of every list.
    float* const group_text = sc.group_text.data() + offset;
    float* const group_skill = sc.group_skill.data() + offset;
    // Each term's postings, found once for both visits.
    absl::InlinedVector<PostingList, 16> lists;
    lists.reserve(terms.size());
    size_t longest = 0;
    for (size_t j = 0; j < terms.size(); ++j) {
      lists.push_back(postings(terms[j]));
      if (lists[j].size > lists[longest].size) longest = j;
    }
    for (size_t j = 0; j < terms.size(); ++j) {
      if (j == longest) continue;
      const TermPlan& t = terms[j];
      const PostingList& list = lists[j];
      for (uint32_t i = 0; i < list.size; ++i) {
        float& best = group_text[list.docs[i]];
        best = std::max(best, t.weight * static_cast<float>(list.impacts[i] & kMask));
      }
      if (t.skill > 0) {
        for_skill_docs(list, [&](uint32_t doc) {
          group_skill[doc] = std::max(group_skill[doc], t.skill);
        });
      }
    }
    {
      const TermPlan& t = terms[longest];
      const PostingList& list = lists[longest];
      for (uint32_t i = 0; i < list.size; ++i) {
        const uint32_t doc = list.docs[i];
        text[doc] += std::max(group_text[doc],
                              t.weight * static_cast<float>(list.impacts[i] & kMask));
        group_text[doc] = 0;
      }
      if (t.skill > 0) {
        for_skill_docs(list, [&](uint32_t doc) {
          skill[doc] += std::max(group_skill[doc], t.skill);
          group_skill[doc] = 0;
        });
      }
    }
    for (size_t j = 0; j < terms.size(); ++j) {
      if (j == longest) continue;
      const PostingList& list = lists[j];
      for (uint32_t i = 0; i < list.size; ++i) {
        const uint32_t doc = list.docs[i];
        text[doc] += group_text[doc];
        group_text[doc] = 0;
      }
      if (terms[j].skill > 0) {
        for_skill_docs(list, [&](uint32_t doc) {
          skill[doc] += group_skill[doc];
          group_skill[doc] = 0;
        });
      }
    }
  }

  bool Passes(uint32_t doc) const {
    return s_.alive(doc) && PassesCheap(doc) && PassesHours(doc);
  }

  // Exact components of the candidates in `ubs` in the order of their
  // bounds, a chunk at a time, into `top` (a heap with the keep-th best in
  // front) until the keep-th best relevance beats every bound left. True
  // when it did. Every candidate when not o_.prune_candidates.
  bool Evaluate(const Scratch& sc, std::vector<Ub>& ubs, size_t keep,
                std::vector<Candidate>& top) const {
    const float* const text = sc.text.data();
    const float* const skill = sc.skill.data();
    const double skills_cap = SkillsCap();
    // A tighter bound from flat facts before the full components: the
    // expert's region and available hours (before the hours of its teams,
    // which only lower them) in place of their maxima.
    const int max_free_hours_bonus = -state_.catalog->min_committed_hours;
    auto tight_bound_of = [&](uint32_t doc) {
      const ExpertFacts f = s_.facts(doc);
      const int hours = std::clamp(f.info.available_hours + max_free_hours_bonus, 0,
                                   kFullAvailabilityHours);
      return text[doc] * text_scale_ +
             std::min(skills_cap, skill[doc] * (1 + 1e-6) + 1e-9) +
             o_.region_weight * kRegionScore[RegionKind(f)] +
             o_.availability_weight * hours / kFullAvailabilityHours + 1e-9;
    };
    const std::greater<Ub> ub_order;
    for (size_t done = 0; done < ubs.size();) {
      // Chunks grow with the candidates done, so that a query whose bounds
      // stay above the keep-th relevance for thousands of candidates
      // (a small keep) does not select among all of them at every chunk.
      const size_t chunk =
          std::min(ubs.size() - done, std::max<size_t>({64, 2 * keep, done}));
      auto first = ubs.begin() + done, mid = first + chunk;
      if (mid != ubs.end()) std::nth_element(first, mid, ubs.end(), ub_order);
      std::sort(first, mid, ub_order);
      // Experts are scattered in memory: fetch a few ahead.
      constexpr int kAhead = 8;
      for (auto it = first; it != mid && it != first + kAhead; ++it)
        s_.Prefetch(it->doc());
      for (auto it = first; it != mid; ++it) {
        if (mid - it > kAhead) s_.Prefetch((it + kAhead)->doc());
        const uint32_t doc = it->doc();
        if (top.size() == keep && o_.prune_candidates) {
          if (it->bound() < top.front().relevance()) return true;
          if (tight_bound_of(doc) < top.front().relevance()) continue;
        }
        if (!Passes(doc)) continue;
        Candidate c;
        c.doc = doc;
        c.text_raw = text[doc];
        Components(c);
        if (top.size() < keep) {
          top.push_back(c);
          std::push_heap(top.begin(), top.end(), MoreRelevant);
        } else if (MoreRelevant(c, top.front())) {
          std::pop_heap(top.begin(), top.end(), MoreRelevant);
          top.back() = c;
          std::push_heap(top.begin(), top.end(), MoreRelevant);
        }
      }
      done += chunk;
    }
    return false;
  }

  double TextWeight() const {
    return q_.skills.empty() ? o_.text_weight + o_.skills_weight : o_.text_weight;
  }
  double SkillsCap() const { return q_.skills.empty() ? 0.0 : o_.skills_weight; }

  // Picks the `keep` most relevant of the accumulated experts into `top`,
  // given each range's stats.
  void Select(Scratch& sc, size_t keep, const std::vector<RangeStats>& stats,
              std::vector<Candidate>& top) {
    top.clear();
    const float* const text = sc.text.data();
    const float* const skill = sc.skill.data();
    const uint32_t docs = s_.doc_count();
    float max_text = 0;
    uint32_t best = 0;  // the first expert with max_text
    size_t touched = 0;
    for (const RangeStats& r : stats) {
      if (r.max_text > max_text) {
        max_text = r.max_text;
        best = r.first_max;
      }
      touched += r.touched;
    }
    if (touched == 0) return;
    // The text scale: the best text score among experts that pass every
    // filter. The best usually passes; else take them in order.
    double max_raw = -1;
    {
      if (Passes(best)) {
        max_raw = max_text;
      } else {
        // The best that passes: the experts above a cutoff, best first,
        // the cutoff halved until one passes (then none below it can beat
        // it), and finally every touched expert.
        std::vector<std::pair<float, uint32_t>> above;
        for (float cutoff = max_text / 2;; cutoff /= 2) {
          if (cutoff < max_text / 64) cutoff = 0;
          above.clear();
          for (uint32_t doc = 0; doc < docs; ++doc) {
            if (text[doc] != 0 && text[doc] >= cutoff) [[unlikely]] {
              above.emplace_back(text[doc], doc);
            }
          }
          std::sort(above.begin(), above.end(), [](const auto& a, const auto& b) {
            return a.first > b.first || (a.first == b.first && a.second < b.second);
          });
          for (const auto& [t, doc] : above) {
            if (Passes(doc)) {
              max_raw = t;
              break;
            }
          }
          if (max_raw > 0 || cutoff == 0) break;
        }
      }
    }
    if (max_raw <= 0) return;  // no candidate passes
    text_scale_ = TextWeight() / max_raw;

    // Upper bounds of relevance: the text, the skills bound, and the most
    // region (nothing when the challenge's region sets no expert apart) and
    // availability can add.
    const double skills_cap = SkillsCap();
    const double rest =
        (regional_ ? o_.region_weight : 0.0) + o_.availability_weight + 1e-9;
    auto bound_from = [&](float t, float k) {
      return t * text_scale_ + std::min(skills_cap, k * (1 + 1e-6) + 1e-9) + rest;
    };
    auto bound_of = [&](uint32_t doc) { return bound_from(text[doc], skill[doc]); };
    // Collects the touched experts whose bound is in [lo, hi): a float
    // filter (with a margin for its rounding) before the exact bound; each
    // range on its thread.
    std::vector<Ub>& ubs = sc.ubs;
    std::vector<std::vector<Ub>>& part_ubs = sc.part_ubs;
    part_ubs.resize(pass_parts());
    auto collect = [&](double lo, double hi) {
      const float scale = static_cast<float>(text_scale_);
      const float cap = static_cast<float>(skills_cap);
      const float rest_f = static_cast<float>(rest);
      const float lo_f = static_cast<float>(lo - 1e-5);
      Run(static_cast<int>(part_ubs.size()), [&](int p) {
        std::vector<Ub>& out = part_ubs[p];
        out.clear();
        const BoundFilter filter{scale, cap, rest_f, lo_f};
        uint32_t hits[kScanBlock + 16];
        for (uint32_t doc = pass_ranges_[p], end = pass_ranges_[p + 1]; doc < end;
             doc += kScanBlock) {
          const size_t n =
              ScanBounds(text, skill, doc, std::min(end, doc + kScanBlock), filter, hits);
          for (size_t i = 0; i < n; ++i) {
            const double bound = bound_of(hits[i]);
            if (bound >= lo && bound < hi) out.push_back(Ub::Of(bound, hits[i]));
          }
        }
      });
      ubs.clear();
      for (const std::vector<Ub>& out : part_ubs)
        ubs.insert(ubs.end(), out.begin(), out.end());
    };
    if (!o_.prune_candidates) {
      collect(-HUGE_VAL, HUGE_VAL);
      Evaluate(sc, ubs, keep, top);
      return;
    }
    // Most candidates cannot make it: a threshold that about 16 * keep reach
    // (the bounds are loose: about 2 * keep get evaluated to find the keep
    // best), from the bounds of the touched experts StatsOf sampled, leaves
    // them out of the sort; they are taken after all if the result is
    // weaker. The threshold is at least the sample's 4th best bound: the
    // best alone can be an outlier that only a handful of experts reach.
    std::vector<double>& sample = sc.sample;
    sample.clear();
    size_t rank = 0;
    if (touched > 32 * keep) {
      for (const RangeStats& r : stats) {
        for (const auto& [t, k] : r.samples) sample.push_back(bound_from(t, k));
      }
      rank = std::max<size_t>(kMinThresholdRank, 16 * keep * sample.size() / touched);
    }
    // The sample's bound at `rank`, or -inf past its end; the sample's
    // entries after `from` are at most the bound at `from - 1` (nth_element
    // keeps them so), so ranks go down from there.
    auto threshold_at = [&](size_t from) {
      if (rank >= sample.size()) return -HUGE_VAL;
      std::nth_element(sample.begin() + from, sample.begin() + rank, sample.end(),
                       std::greater<double>());
      return sample[rank];
    };
    double threshold = threshold_at(0);
    double hi = HUGE_VAL;
    for (;;) {
      collect(threshold, hi);
      if (Evaluate(sc, ubs, keep, top) ||
          (top.size() == keep && top.front().relevance() >= threshold) ||
          threshold == -HUGE_VAL) {
        return;
      }
      if (top.size() == keep) break;
      // Fewer than keep candidates pass above the threshold (filters, or
      // bounds far above the relevance): lower it to a rank 4 times as far
      // down the sample, not at once to every touched expert.
      hi = threshold;
      const size_t from = rank + 1;
      rank = 4 * rank + 3;
      threshold = threshold_at(from);
    }
    // The rest, down to the keep-th best relevance found.
    collect(top.front().relevance(), threshold);
    Evaluate(sc, ubs, keep, top);
  }

  // What a term of a required skill found in an expert's skills can add to
  // the skills component at most: its share of the skill's word groups times
  // the skill's share of the component (level factors are at most 1).
  float SkillBoundWeight(const QueryTerm& t) const {
    if (t.skill < 0 || q_.skill_weight_sum <= 0) return 0;
    const SkillQuery& sq = q_.skills[t.skill];
    if (sq.group_weight <= 0) return 0;
    // A term of a phrase's group covers the phrase's words too (CoverageOf):
    // its share of them counts here, or the bound falls below the score and
    // pruning drops the expert.
    double covered = t.skill_weight;
    const size_t local = t.group - sq.first_group;
    if (local < sq.phrase_words.size() && local < sq.group_best.size() &&
        sq.group_best[local] > 0) {
      const double share = t.skill_weight / sq.group_best[local];
      for (int w : sq.phrase_words[local]) {
        if (static_cast<size_t>(w) < sq.group_best.size())
          covered += share * sq.group_best[w];
      }
    }
    // Rounded up: a bound.
    return std::nextafter(
        static_cast<float>(o_.skills_weight * sq.weight / q_.skill_weight_sum * covered /
                           sq.group_weight),
        std::numeric_limits<float>::infinity());
  }

  void PrepareFilters(const v1::MatchFilters& filters) {
    filters_ = &filters;
    layer_filter_ = 0;
    for (int layer : filters.layers()) layer_filter_ |= uint64_t{1} << (layer & 63);
    excluded_.clear();
    for (const auto& org : filters.exclude_organisations()) {
      if (auto id = vocabulary_.organisations.Find(org)) excluded_.push_back(*id);
    }
    region_filter_.assign(vocabulary_.regions.size(), -1);
    organisation_in_filter_.assign(vocabulary_.organisations.size(), -1);
  }

  // Every filter but available hours, from flat per-expert facts.
  bool PassesCheap(uint32_t doc) const {
    const DocInfo& info = s_.info(doc);
    if (!info.consent && info.organisation != owner_) return false;
    if (layer_filter_ != 0 && !(layer_filter_ >> (info.layer & 63) & 1)) return false;
    for (uint32_t org : excluded_) {
      if (org == info.organisation) return false;
    }
    if (filters_->region_codes_size() > 0) {
      bool in_region = false;
      const ExpertFacts f = s_.facts(doc);
      if (f.regions.empty()) {
        // Their organisation's area (see WorkingArea).
        const uint32_t org = info.organisation;
        if (org >= organisation_in_filter_.size())
          organisation_in_filter_.resize(org + 1, -1);
        int8_t& in = organisation_in_filter_[org];
        if (in < 0) {
          in = 0;
          for (const std::string& code : OrganisationRegions(org))
            in = in || InFilter(code);
        }
        return in;
      }
      for (uint32_t id : f.regions) {
        if (id >= region_filter_.size()) region_filter_.resize(id + 1, -1);
        int8_t& in = region_filter_[id];
        if (in < 0) in = InFilter(vocabulary_.regions.key(id));
        in_region = in_region || in;
      }
      if (!in_region) return false;
    }
    return true;
  }

  // Whether region `code` is one of filters.region_codes or in one of its
  // provinces.
  bool InFilter(absl::string_view code) const {
    for (const auto& want : filters_->region_codes()) {
      if (code == want || regions_.ProvinceOf(code) == want) return true;
    }
    return false;
  }

  bool PassesHours(uint32_t doc) const {
    const int min_hours = filters_->min_available_hours();
    if (min_hours <= 0) return true;
    const ExpertFacts f = s_.facts(doc);
    if (f.info.available_hours - state_.catalog->min_committed_hours < min_hours) {
      return false;
    }
    return FreeHours(f) >= min_hours;
  }

  WorkerPool* const pool_;
  ScratchPool* const scratch_;
  const bool spread_;
  const MatcherState& state_;
  const IndexSnapshot& s_;
  const Vocabulary& vocabulary_;
  const RegionTable& regions_;
  const MatcherOptions& o_;
  const Query& q_;
  const TextFormula formula_;
  uint32_t owner_ = UINT32_MAX;  // the challenge's organisation, if any expert has it
  // The caller may read every expert's bio (an admin, or a service without
  // credentials): explanations name bio words for every expert.
  bool caller_sees_every_bio_ = false;
  int national_kind_ = 0;  // RegionMatch::Kind of national scope for the query
  bool regional_ = false;  // whether the challenge's region sets experts apart
  mutable std::vector<int8_t> region_kind_;    // per region id, -1: not yet known
  const v1::MatchFilters* filters_ = nullptr;  // set by Score
  uint64_t layer_filter_ = 0;
  std::vector<uint32_t> excluded_;
  mutable std::vector<int8_t> region_filter_;  // per region id, -1: not yet known
  // Per organisation id, for experts without region codes; -1: not yet known.
  mutable std::vector<int8_t> organisation_region_kind_;
  mutable std::vector<int8_t> organisation_in_filter_;
  // CoverageOf(): per skill id, its range in coverage_ ({-1, -1}: not yet).
  mutable std::vector<std::pair<int, int>> coverage_range_;
  mutable std::vector<SkillCoverage> coverage_;
  // The least relevance that earns diversity bonuses (set by RerankFrom).
  mutable double diversity_floor_ = 0;
  // Layers someone relevant enough from the challenge's region has (Rerank).
  mutable uint32_t local_layers_ = 0;
  double text_scale_ = 0;
  int lazy_retries_ = 0;  // see Match()
  // Per term of q_.terms: its weight (idf times query weight) and its
  // postings in the base and the delta.
  std::vector<float> term_weight_;
  std::vector<std::pair<PostingList, PostingList>> term_lists_;
  // Per query term: the index of the first query term with its id.
  std::vector<uint32_t> first_of_;
  // Set by Score(): the experts of part p are [ranges_[p], ranges_[p + 1])
  // in the accumulation, [pass_ranges_[p], pass_ranges_[p + 1]) in the
  // passes over every expert after it (and the explanations have as many
  // parts).
  std::vector<uint32_t> ranges_;
  std::vector<uint32_t> pass_ranges_{0, 0};
  int pass_parts() const { return static_cast<int>(pass_ranges_.size()) - 1; }
  // Set by Plan().
  std::vector<TermPlan> plan_;
  std::vector<GroupPlan> groups_;
};

// Adds to `v` what is wrong with the form of `ref`: a name that cannot name
// a challenge (as the registry checks names), an inline challenge beyond
// the registry's limits or without any text, or neither given.
void ValidateRef(const v1::ChallengeRef& ref, FieldViolations& v) {
  switch (ref.challenge_case()) {
    case v1::ChallengeRef::kName:
      v.AddFrom(
          registry::ParseName(registry::Kind::kChallenge, ref.name(), "challenge.name")
              .status());
      return;
    case v1::ChallengeRef::kInline: {
      const Challenge& c = ref.inline_();
      if (c.title().empty() && c.description().empty() && c.required_skills_size() == 0 &&
          c.themes_size() == 0) {
        v.Add("challenge.inline",
              "give at least a title, description, theme or required skill");
        return;
      }
      // The registry's limits for a stored challenge (lengths, counts,
      // levels, weights, codes, enum values) hold for one given inline too.
      registry::ValidateInlineChallenge(c, "challenge.inline", v);
      return;
    }
    default:
      v.Add("challenge", "give a challenge name or an inline challenge");
  }
}

// INVALID_ARGUMENT for a challenge given inline whose every word is a stop
// word: it would match no one, and an empty answer would not say why.
absl::Status Matchable(const v1::ChallengeRef& ref, const Query& query) {
  if (ref.challenge_case() != v1::ChallengeRef::kInline || !query.terms.empty()) {
    return absl::OkStatus();
  }
  for (const SkillQuery& skill : query.skills) {
    if (!skill.terms.empty()) return absl::OkStatus();
  }
  FieldViolations v;
  v.Add("challenge.inline",
        "has only stop words (such as de, het, van, the, of): nothing to match on; "
        "describe the challenge in words of its own");
  return v.ToStatus();
}

// Adds each bad field of `filters` to `v`.
void ValidateFilters(const v1::MatchFilters& filters, FieldViolations& v) {
  for (int i = 0; i < filters.layers_size(); ++i) {
    const int layer = filters.layers(i);
    if (layer == 0 || !type::GovernmentLayer_IsValid(layer)) {
      v.Add(absl::StrCat("filters.layers[", i, "]"), "not a valid GovernmentLayer value");
    }
  }
  if (filters.region_codes_size() > registry::kMaxRegionCodes) {
    v.Add("filters.region_codes",
          absl::StrCat("at most ", registry::kMaxRegionCodes, " entries"));
  } else {
    for (int i = 0; i < filters.region_codes_size(); ++i) {
      if (!registry::IsValidRegionCode(filters.region_codes(i))) {
        v.Add(absl::StrCat("filters.region_codes[", i, "]"),
              std::string(registry::kRegionCodeRule));
      }
    }
  }
  if (filters.exclude_organisations_size() > registry::kMaxListItems) {
    v.Add("filters.exclude_organisations",
          absl::StrCat("at most ", registry::kMaxListItems, " entries"));
  } else {
    // A malformed name would exclude nobody, silently.
    for (int i = 0; i < filters.exclude_organisations_size(); ++i) {
      v.AddFrom(registry::ParseName(
                    registry::Kind::kOrganisation, filters.exclude_organisations(i),
                    absl::StrCat("filters.exclude_organisations[", i, "]"))
                    .status());
    }
  }
  if (filters.min_available_hours() < 0 ||
      filters.min_available_hours() > registry::kMaxHoursPerWeek) {
    v.Add("filters.min_available_hours",
          absl::StrCat("must be between 0 and ", registry::kMaxHoursPerWeek));
  }
}

// Adds a violation of min_revision to `v` when it is negative.
void ValidateMinRevision(int64_t min_revision, FieldViolations& v) {
  if (min_revision < 0) v.Add("min_revision", "must not be negative");
}

// The challenge `ref` names, or NOT_FOUND.
// REQUIRES: `ref` passed ValidateRef.
absl::StatusOr<Challenge> ResolveRef(const MatcherState& state,
                                     const v1::ChallengeRef& ref) {
  if (ref.has_inline_()) return ref.inline_();
  auto it = state.catalog->challenges.find(ref.name());
  if (it == state.catalog->challenges.end()) return NotFoundError(ref.name());
  return *it->second;
}

// The challenge `ref` names. With `on_behalf_of` (an organisation's name),
// the challenge is treated as that organisation's: consent exceptions apply
// to its own experts only, whoever owns the challenge.
// REQUIRES: `ref` passed ValidateRef.
absl::StatusOr<Challenge> Resolve(const MatcherState& state, const v1::ChallengeRef& ref,
                                  absl::string_view on_behalf_of) {
  absl::StatusOr<Challenge> c = ResolveRef(state, ref);
  if (c.ok() && !on_behalf_of.empty())
    c->set_owner_organisation(std::string(on_behalf_of));
  return c;
}

}  // namespace

Matcher::Matcher(const Analyzer* analyzer, RegionTable regions, MatcherOptions options)
    : analyzer_(analyzer),
      regions_(std::move(regions)),
      options_(options),
      index_(analyzer, options.index),
      pool_(std::make_unique<WorkerPool>(
          (options.query_threads > 0
               ? options.query_threads
               : std::max<int>(1, std::thread::hardware_concurrency())) -
          1)),
      scratch_(std::make_unique<ScratchPool>()),
      catalog_(std::make_shared<const Catalog>()) {
  Publish(catalog_, 0);
}

Matcher::~Matcher() = default;

std::shared_ptr<const TeamEntry> Matcher::AnalyzeTeam(
    const registry::v1::TaskTeam& team) const {
  auto entry = std::make_shared<TeamEntry>();
  entry->team = team;
  std::vector<AnalyzedTerm> terms;
  auto add = [&](absl::string_view text, float weight) {
    terms.clear();
    analyzer_->AnalyzeDocument(text, &terms);
    for (const AnalyzedTerm& t : terms) {
      entry->terms[HashTerm(t.term)] += t.weight * weight;
      entry->length += t.weight * weight;
    }
  };
  add(team.display_name(), 2.0f);
  add(team.description(), 1.0f);
  for (const auto& theme : team.themes()) add(theme, 2.0f);
  add(team.lessons_learned(), 0.5f);
  return entry;
}

Matcher::SnapshotLoader::SnapshotLoader(const ExpertIndex* index) : index_(index) {
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  for (size_t t = 0; t < threads; ++t) workers_.emplace_back([this] { Work(); });
}

Matcher::SnapshotLoader::~SnapshotLoader() { JoinWorkers(); }

void Matcher::SnapshotLoader::AddExperts(std::vector<registry::v1::Expert> page) {
  auto experts =
      std::make_shared<google::protobuf::RepeatedPtrField<registry::v1::Expert>>();
  experts->Reserve(static_cast<int>(page.size()));
  for (registry::v1::Expert& e : page) *experts->Add() = std::move(e);
  AddExperts(std::move(experts));
}

void Matcher::SnapshotLoader::AddExperts(ExpertPage page) {
  absl::MutexLock lock(&mu_);
  experts_ += page->size();
  // At most two pages per worker wait or are being analysed.
  const uint64_t limit = 2 * workers_.size();
  auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return next_page_ - next_append_ < limit;
  };
  mu_.Await(absl::Condition(&room));
  pages_.emplace_back(next_page_++, std::move(page));
}

void Matcher::SnapshotLoader::AddOrganisations(
    std::vector<registry::v1::Organisation> page) {
  std::move(page.begin(), page.end(), std::back_inserter(organisations_));
}

void Matcher::SnapshotLoader::AddTeams(std::vector<registry::v1::TaskTeam> page) {
  std::move(page.begin(), page.end(), std::back_inserter(teams_));
}

void Matcher::SnapshotLoader::AddChallenges(std::vector<registry::v1::Challenge> page) {
  std::move(page.begin(), page.end(), std::back_inserter(challenges_));
}

void Matcher::SnapshotLoader::Work() {
  for (;;) {
    uint64_t seq;
    ExpertPage page;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return closing_ || !pages_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (pages_.empty()) return;  // closing, and nothing left
      seq = pages_.front().first;
      page = std::move(pages_.front().second);
      pages_.pop_front();
    }
    std::vector<Segment::Doc> docs;
    docs.reserve(page->size());
    for (const auto& e : *page) docs.push_back(index_->Analyze(e));
    page.reset();
    // Pages go into the index in the order they were added.
    absl::MutexLock lock(&mu_);
    auto turn = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return next_append_ == seq; };
    mu_.Await(absl::Condition(&turn));
    for (Segment::Doc& d : docs) builder_.Add(std::move(d));
    ++next_append_;
  }
}

void Matcher::SnapshotLoader::JoinWorkers() {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

std::shared_ptr<const Segment> Matcher::SnapshotLoader::Finish() {
  JoinWorkers();
  absl::MutexLock lock(&mu_);
  return builder_.Finish();
}

std::unique_ptr<Matcher::SnapshotLoader> Matcher::StartLoad() const {
  return std::unique_ptr<SnapshotLoader>(new SnapshotLoader(&index_));
}

void Matcher::FinishLoad(std::unique_ptr<SnapshotLoader> loader, int64_t revision) {
  index_.Load(loader->Finish(), revision);
  auto catalog = std::make_shared<Catalog>();
  for (auto& o : loader->organisations_) {
    const std::string name = o.name();
    catalog->organisations[name] =
        std::make_shared<const registry::v1::Organisation>(std::move(o));
  }
  for (const auto& t : loader->teams_) catalog->teams[t.name()] = AnalyzeTeam(t);
  for (auto& c : loader->challenges_) {
    const std::string name = c.name();
    catalog->challenges[name] = std::make_shared<const Challenge>(std::move(c));
  }
  catalog->RecomputeCommittedHours();
  loader.reset();
  catalog_ = catalog;
  Publish(catalog_, revision);
}

void Matcher::Load(const std::vector<registry::v1::Organisation>& organisations,
                   const std::vector<registry::v1::Expert>& experts,
                   const std::vector<registry::v1::TaskTeam>& teams,
                   const std::vector<registry::v1::Challenge>& challenges,
                   int64_t revision) {
  std::unique_ptr<SnapshotLoader> loader = StartLoad();
  loader->AddOrganisations(organisations);
  constexpr size_t kPage = 1000;
  for (size_t i = 0; i < experts.size(); i += kPage) {
    loader->AddExperts(
        {experts.begin() + i, experts.begin() + std::min(experts.size(), i + kPage)});
  }
  loader->AddTeams(teams);
  loader->AddChallenges(challenges);
  FinishLoad(std::move(loader), revision);
}

void Matcher::Apply(const std::vector<registry::v1::Change>& changes) {
  const int64_t current = State()->revision;
  std::vector<ExpertIndex::Update> updates;
  std::shared_ptr<Catalog> catalog;  // copied on the first catalog change
  auto mutable_catalog = [&]() -> Catalog& {
    if (!catalog) catalog = std::make_shared<Catalog>(*catalog_);
    return *catalog;
  };
  int64_t revision = current;
  bool teams_changed = false;
  for (const auto& ch : changes) {
    if (ch.revision() <= revision) continue;
    revision = ch.revision();
    const bool deleted = ch.type() == registry::v1::Change::DELETED;
    switch (ch.resource_case()) {
      case registry::v1::Change::kExpert:
        updates.push_back({ch.name(), index_.Analyze(ch.expert())});
        break;
      case registry::v1::Change::kOrganisation:
        mutable_catalog().organisations[ch.name()] =
            std::make_shared<const registry::v1::Organisation>(ch.organisation());
        break;
      case registry::v1::Change::kTeam:
        mutable_catalog().teams[ch.name()] = AnalyzeTeam(ch.team());
        teams_changed = true;
        break;
      case registry::v1::Change::kChallenge:
        mutable_catalog().challenges[ch.name()] =
            std::make_shared<const Challenge>(ch.challenge());
        break;
      case registry::v1::Change::RESOURCE_NOT_SET:
        if (!deleted) break;
        // A delete names the resource only: its collection says which.
        if (ch.name().rfind("experts/", 0) == 0) {
          updates.push_back({ch.name(), std::nullopt});
        } else if (ch.name().rfind("organisations/", 0) == 0) {
          mutable_catalog().organisations.erase(ch.name());
        } else if (ch.name().rfind("teams/", 0) == 0) {
          mutable_catalog().teams.erase(ch.name());
          teams_changed = true;
        } else if (ch.name().rfind("challenges/", 0) == 0) {
          mutable_catalog().challenges.erase(ch.name());
        }
        break;
    }
  }
  if (revision == current) return;
  if (teams_changed) mutable_catalog().RecomputeCommittedHours();
  index_.Apply(std::move(updates), revision);
  if (catalog) catalog_ = catalog;
  Publish(catalog_, revision);
}

void Matcher::Publish(std::shared_ptr<const Catalog> catalog, int64_t revision) {
  auto state = std::make_shared<MatcherState>();
  state->index = index_.Snapshot();
  state->catalog = std::move(catalog);
  state->revision = revision;
  absl::MutexLock lock(&mu_);
  state_ = std::move(state);
}

Matcher::QueryScope::QueryScope(const Matcher& matcher, const MatcherState& state)
    : matcher_(matcher), alone_(matcher.queries_in_flight_.fetch_add(1) == 0) {
  // Ranking::Score uses the pool from two parts of min_docs_per_query_thread.
  if (matcher.pool_ != nullptr &&
      state.index->doc_count() >=
          2 * static_cast<size_t>(matcher.options_.min_docs_per_query_thread)) {
    if (alone_) {
      hold_ = matcher.pool_->KeepAwake();
    } else {
      matcher.pool_->Wake();
    }
  }
}

Matcher::QueryScope::~QueryScope() { matcher_.queries_in_flight_.fetch_sub(1); }

std::shared_ptr<const MatcherState> Matcher::State() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

absl::Status Matcher::WaitForRevision(int64_t revision, absl::Time deadline,
                                      const std::function<bool()>& cancelled) const {
  absl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return state_->revision >= revision;
  };
  // In slices, to see a cancellation and a StopWaitingBy() made meanwhile.
  for (;;) {
    const absl::Time end = std::min(deadline, waits_end_);
    const absl::Time until = std::min(end, absl::Now() + absl::Milliseconds(100));
    if (mu_.AwaitWithDeadline(absl::Condition(&reached), until)) return absl::OkStatus();
    if (absl::Now() >= std::min(deadline, waits_end_)) break;
    if (cancelled && cancelled()) {
      return absl::CancelledError("the caller cancelled the call");
    }
  }
  if (absl::Now() >= waits_end_) {
    return absl::UnavailableError(absl::StrCat(
        "the matching service is stopping; it has applied revision ", state_->revision,
        ", not yet ", revision, ": retry (another replica answers)"));
  }
  // A reason of its own, as INDEX_LOADING has: a client can tell "not there
  // yet" from other unavailability.
  return WithReason(absl::UnavailableError(absl::StrCat(
                        "the matching index has applied revision ", state_->revision,
                        ", not yet ", revision, "; retry shortly")),
                    "REVISION_NOT_YET_APPLIED",
                    {{"applied_revision", absl::StrCat(state_->revision)}});
}

void Matcher::StopWaitingBy(absl::Time by) {
  absl::MutexLock lock(&mu_);
  waits_end_ = std::min(waits_end_, by);
}

absl::Status Matcher::Validate(const v1::MatchExpertsRequest& r) {
  FieldViolations v;
  ValidateRef(r.challenge(), v);
  // Over 200 is 200, as the registry's lists lower theirs (AIP-158).
  if (r.page_size() < 0) v.Add("page_size", "must not be negative (0 means 10)");
  ValidateFilters(r.filters(), v);
  ValidateMinRevision(r.min_revision(), v);
  return v.ToStatus();
}

absl::Status Matcher::Validate(const v1::SuggestTeamRequest& r) {
  FieldViolations v;
  ValidateRef(r.challenge(), v);
  if (r.team_size() < 0 || r.team_size() > 50) {
    v.Add("team_size", "must be between 0 and 50 (0: the challenge's, else 5)");
  }
  if (r.max_per_organisation() < 0) {
    v.Add("max_per_organisation", "must not be negative (0 means 1)");
  }
  ValidateFilters(r.filters(), v);
  ValidateMinRevision(r.min_revision(), v);
  return v.ToStatus();
}

absl::Status Matcher::Validate(const v1::MatchTeamsRequest& r) {
  FieldViolations v;
  ValidateRef(r.challenge(), v);
  // Over 100 is 100 (AIP-158).
  if (r.page_size() < 0) v.Add("page_size", "must not be negative (0 means 5)");
  ValidateMinRevision(r.min_revision(), v);
  return v.ToStatus();
}

absl::StatusOr<v1::MatchExpertsResponse> Matcher::MatchExperts(
    const v1::MatchExpertsRequest& r, absl::string_view on_behalf_of) const {
  if (absl::Status s = Validate(r); !s.ok()) return s;
  const std::shared_ptr<const MatcherState> state = State();
  const QueryScope scope(*this, *state);
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge(), on_behalf_of);
  if (!challenge.ok()) return challenge.status();
  const Query query = BuildQuery(*analyzer_, *challenge);
  if (absl::Status s = Matchable(r.challenge(), query); !s.ok()) return s;
  Ranking ranking(*state, regions_, options_, query, pool_.get(), scratch_.get(),
                  scope.alone());
  ranking.set_caller_sees_every_bio(on_behalf_of.empty());
  const size_t k = r.page_size() == 0 ? 10 : std::min(r.page_size(), 200);
  std::vector<Candidate> picked = ranking.Match(r.filters(), k);
  if (ranking.lazy_retries() > 0) {
    rerank_retries_.fetch_add(ranking.lazy_retries(), std::memory_order_relaxed);
  }
  v1::MatchExpertsResponse response;
  for (v1::ExpertMatch& m : ranking.ExplainAll(picked)) {
    *response.add_matches() = std::move(m);
  }
  response.set_revision(state->revision);
  return response;
}

absl::StatusOr<v1::SuggestTeamResponse> Matcher::SuggestTeam(
    const v1::SuggestTeamRequest& r, absl::string_view on_behalf_of) const {
  if (absl::Status s = Validate(r); !s.ok()) return s;
  const std::shared_ptr<const MatcherState> state = State();
  const QueryScope scope(*this, *state);
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge(), on_behalf_of);
  if (!challenge.ok()) return challenge.status();
  const int team_size = r.team_size() > 0
                            ? r.team_size()
                            : (challenge->team_size() > 0 ? challenge->team_size() : 5);
  const int max_per_org = r.max_per_organisation() > 0 ? r.max_per_organisation() : 1;
  const Query query = BuildQuery(*analyzer_, *challenge);
  if (absl::Status s = Matchable(r.challenge(), query); !s.ok()) return s;
  Ranking ranking(*state, regions_, options_, query, pool_.get(), scratch_.get(),
                  scope.alone());
  ranking.set_caller_sees_every_bio(on_behalf_of.empty());
  v1::MatchFilters filters = r.filters();
  // A member must have time for the team.
  filters.set_min_available_hours(std::max(1, filters.min_available_hours()));
  const size_t pool_size = std::max(options_.rerank_pool, 20 * team_size);
  std::vector<Candidate> pool = ranking.Score(filters, pool_size);
  const size_t m = std::min<size_t>(pool.size(), pool_size);
  std::partial_sort(pool.begin(), pool.begin() + m, pool.end(), MoreRelevant);
  pool.resize(m);
  const IndexSnapshot& snap = *state->index;

  // How well each candidate covers each required skill (0..1).
  const size_t nskills = query.skills.size();
  std::vector<std::vector<double>> cover(pool.size(), std::vector<double>(nskills));
  for (size_t i = 0; i < pool.size(); ++i) {
    const auto matches = ranking.BestSkills(snap.facts(pool[i].doc));
    for (size_t j = 0; j < nskills; ++j) {
      const double share =
          options_.skills_weight * query.skills[j].weight / query.skill_weight_sum;
      cover[i][j] = share > 0 ? matches[j].contribution / share : 0;
    }
  }
  constexpr double kSkillGain = 0.6, kLayerGain = 0.2, kPerspectiveGain = 0.12;
  constexpr double kCovered = 0.5;

  std::vector<double> covered(nskills, 0.0);
  uint32_t layers = 0;
  uint8_t perspectives = 0;
  absl::flat_hash_map<uint32_t, int> per_org;
  std::vector<bool> used(pool.size(), false);
  v1::SuggestTeamResponse response;
  // Who is relevant enough to bring a layer or perspective to the team.
  const double floor =
      pool.empty() ? 0 : options_.diversity_min_share * pool.front().relevance();
  auto brings = [&](size_t i) { return pool[i].relevance() >= floor; };
  // Of a challenge with a region, a layer other than NATIONAL is brought by
  // someone from the region (the same municipality or province, as the
  // region part scores it) when the pool has anyone relevant enough from
  // there of that layer; only else by anyone of it. (A peat-colony nitrogen
  // challenge in Noord-Brabant got Provincie Fryslân as its province, while
  // Noord-Brabant's own expert was an alternate.)
  auto local = [&](size_t i) { return ranking.Local(pool[i]); };
  uint32_t local_layers = 0;  // layers someone relevant enough from the region has
  if (ranking.LocalRegion() > 0) {
    for (size_t i = 0; i < pool.size(); ++i) {
      if (brings(i) && local(i)) local_layers |= 1u << snap.info(pool[i].doc).layer;
    }
  }
  // Whether `i`, as a member, counts for its layer (coverage, needs).
  auto counts_for_layer = [&](size_t i) {
    const uint32_t layer = snap.info(pool[i].doc).layer;
    return layer == type::GOVERNMENT_LAYER_NATIONAL || !(local_layers & (1u << layer)) ||
           local(i);
  };
  auto brings_layer = [&](size_t i) { return brings(i) && counts_for_layer(i); };

  auto gain = [&](size_t i, std::vector<std::string>* why) {
    const DocInfo& f = snap.info(pool[i].doc);
    double g = pool[i].relevance();
    for (size_t j = 0; j < nskills; ++j) {
      const double add = std::max(0.0, cover[i][j] - covered[j]);
      if (add <= 0) continue;
      g += kSkillGain * query.skills[j].weight / query.skill_weight_sum * add;
      if (why && cover[i][j] >= kCovered && covered[j] < kCovered) {
        why->push_back(absl::StrCat("covers ", query.skills[j].name));
      }
    }
    if (!brings(i)) return g;
    const uint32_t layer_bit = 1u << f.layer;
    if ((query.desired_layers & layer_bit) && !(layers & layer_bit) && brings_layer(i)) {
      g += kLayerGain;
      if (why)
        why->push_back(absl::StrCat(
            "adds the ",
            type::GovernmentLayer_Name(static_cast<type::GovernmentLayer>(f.layer))
                .substr(strlen("GOVERNMENT_LAYER_")),
            " layer"));
    }
    const uint8_t new_persp = f.perspectives & query.desired_perspectives & ~perspectives;
    if (new_persp) {
      g += kPerspectiveGain;
      if (why) {
        for (int p = 1; p < 8; ++p) {
          if (new_persp & (1 << p)) {
            why->push_back(absl::StrCat(
                "adds ", type::Perspective_Name(p).substr(strlen("PERSPECTIVE_")),
                " perspective"));
          }
        }
      }
    }
    return g;
  };
  // What the team still lacks that only specific people can bring: a
  // desired layer, a desired perspective (it was the execution perspective
  // only: a youth-care challenge that asked for the frontline got none, and
  // the region's wijkteam consultant was left out), a required skill no
  // member covers yet. (A required skill is one: a stronger overall match that
  // covers nothing new took the last places while the alternate beside it
  // covered the missing skill.)
  // How many of them `i` fills: when places are few, whoever fills the most
  // goes first (a province from elsewhere that covered the skill took a
  // place that the region's own province, covering the skill and the layer,
  // should have had).
  auto needs_filled = [&](size_t i) {
    if (!brings(i)) return 0;
    const DocInfo& f = snap.info(pool[i].doc);
    const uint32_t layer_bit = 1u << f.layer;
    int n = 0;
    if ((query.desired_layers & layer_bit) && !(layers & layer_bit) && brings_layer(i))
      ++n;
    for (size_t j = 0; j < nskills; ++j) {
      if (covered[j] < kCovered && cover[i][j] >= kCovered) ++n;
    }
    n += __builtin_popcount(f.perspectives & query.desired_perspectives & ~perspectives);
    return n;
  };
  // Whose organisation has max_per_org members already.
  auto at_limit = [&](size_t i) {
    auto it = per_org.find(snap.info(pool[i].doc).organisation);
    return it != per_org.end() && it->second >= max_per_org;
  };
  // Needs someone in the pool can fill (a missing skill nobody covers, or
  // only people of organisations at their limit, would only keep every
  // later place forced).
  auto open_needs = [&] {
    int needs = __builtin_popcount(query.desired_layers & ~layers);
    for (int p = 1; p < 8; ++p) {
      if (!(query.desired_perspectives & ~perspectives & (1 << p))) continue;
      for (size_t i = 0; i < pool.size(); ++i) {
        if (!used[i] && (snap.info(pool[i].doc).perspectives & (1 << p)) && brings(i) &&
            !at_limit(i)) {
          ++needs;
          break;
        }
      }
    }
    for (size_t j = 0; j < nskills; ++j) {
      if (covered[j] >= kCovered) continue;
      for (size_t i = 0; i < pool.size(); ++i) {
        if (!used[i] && cover[i][j] >= kCovered && brings(i) && !at_limit(i)) {
          ++needs;
          break;
        }
      }
    }
    return needs;
  };

  // A candidate as a team member or alternate: its relevance as the score
  // (no diversity component; the reason says what it adds to the team).
  auto as_member = [&](size_t i) {
    v1::ExpertMatch m = ranking.Explain(pool[i]);
    m.set_score(pool[i].relevance());
    m.mutable_explanation()->mutable_components(4)->set_value(0);
    return m;
  };
  // Per slot, the candidates that came after its pick, best first (all of
  // them: any number may be of organisations a later slot fills): its
  // alternates are the first of them not in the team, preferring those not
  // from an organisation the finished team already has max_per_org of
  // (besides the slot's own member), known once the team is complete (a
  // later slot may pick them or fill their organisation).
  std::vector<std::vector<size_t>> runners_up;
  std::vector<size_t> chosen_of;  // per slot, its member's place in `pool`
  // Per slot, what its member brought the team that it lacked: a layer, the
  // perspectives, the required skills it covered (see fits_slot).
  struct Brought {
    uint32_t layer = 0;
    uint8_t perspectives = 0;
    std::vector<size_t> skills;
  };
  std::vector<Brought> brought;
  for (int slot = 0; slot < team_size; ++slot) {
    const bool must_fill = open_needs() >= team_size - slot;
    std::vector<std::pair<double, size_t>> ranked;
    for (size_t i = 0; i < pool.size(); ++i) {
      if (used[i]) continue;
      auto it = per_org.find(snap.info(pool[i].doc).organisation);
      if (it != per_org.end() && it->second >= max_per_org) continue;
      ranked.emplace_back(gain(i, nullptr), i);
    }
    if (ranked.empty()) break;
    // Equal gains by pool position: by relevance, then name.
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    if (must_fill) {
      // Too few slots left for what is missing: take whoever fills the most
      // needs (of those, the first by gain).
      auto best = ranked.end();
      int most = 0;
      for (auto it = ranked.begin(); it != ranked.end(); ++it) {
        const int n = needs_filled(it->second);
        if (n > most) most = n, best = it;
      }
      if (best != ranked.end()) std::rotate(ranked.begin(), best, best + 1);
    }
    const size_t chosen = ranked.front().second;
    std::vector<std::string> why;
    gain(chosen, &why);
    if (why.empty()) why.push_back("strongest remaining match for the challenge");
    v1::TeamSlot* team_slot = response.add_slots();
    *team_slot->mutable_member() = as_member(chosen);
    team_slot->set_reason(absl::StrJoin(why, "; "));
    std::vector<size_t>& next = runners_up.emplace_back();
    next.reserve(ranked.size() - 1);
    for (size_t a = 1; a < ranked.size(); ++a) next.push_back(ranked[a].second);
    used[chosen] = true;
    chosen_of.push_back(chosen);
    const DocInfo& f = snap.info(pool[chosen].doc);
    Brought& b = brought.emplace_back();
    if ((query.desired_layers & (1u << f.layer)) && !(layers & (1u << f.layer)) &&
        brings_layer(chosen)) {
      b.layer = 1u << f.layer;
    }
    if (brings(chosen))
      b.perspectives = f.perspectives & query.desired_perspectives & ~perspectives;
    for (size_t j = 0; j < nskills; ++j) {
      if (covered[j] < kCovered && cover[chosen][j] >= kCovered) b.skills.push_back(j);
    }
    for (size_t j = 0; j < nskills; ++j)
      covered[j] = std::max(covered[j], cover[chosen][j]);
    if (counts_for_layer(chosen)) layers |= 1u << f.layer;
    perspectives |= f.perspectives;
    ++per_org[f.organisation];
  }
  for (int slot = 0; slot < response.slots_size(); ++slot) {
    v1::TeamSlot* team_slot = response.mutable_slots(slot);
    const uint32_t member_org = snap.info(pool[chosen_of[slot]].doc).organisation;
    // In the member's place, would `i` put its organisation over the limit?
    auto stacks = [&](size_t i) {
      const uint32_t org = snap.info(pool[i].doc).organisation;
      auto it = per_org.find(org);
      return (it == per_org.end() ? 0 : it->second) - (org == member_org ? 1 : 0) >=
             max_per_org;
    };
    // Would `i` bring what the member brought (the layer, perspectives and
    // skills the slot was given for)? A domain review found a slot that
    // "adds the REGIONAL layer" offered a province and a municipality as
    // alternates: no drop-in replacements.
    const Brought& b = brought[slot];
    auto fits_slot = [&](size_t i) {
      const DocInfo& f = snap.info(pool[i].doc);
      if (b.layer != 0 && !((1u << f.layer) == b.layer && brings_layer(i))) return false;
      if (b.perspectives != 0 &&
          ((f.perspectives & b.perspectives) != b.perspectives || !brings(i))) {
        return false;
      }
      for (size_t j : b.skills) {
        if (cover[i][j] < kCovered) return false;
      }
      return true;
    };
    // Alternates that keep the limit and bring what the member brought
    // first, then those that keep the limit; only when there are fewer than
    // two of those, the best others (a slot gets one or two alternates).
    for (const bool allow_stacking : {false, true}) {
      for (const bool fitting : {true, false}) {
        for (size_t i : runners_up[slot]) {
          if (team_slot->alternates_size() == 2) break;
          if (used[i] || stacks(i) != allow_stacking || fits_slot(i) != fitting) continue;
          *team_slot->add_alternates() = as_member(i);
        }
      }
    }
  }

  v1::Coverage* coverage = response.mutable_coverage();
  for (size_t j = 0; j < nskills; ++j) {
    (covered[j] >= kCovered ? coverage->add_skills_covered()
                            : coverage->add_skills_missing())
        ->assign(query.skills[j].name);
  }
  for (int layer : challenge->desired_layers()) {
    if (layers & (1u << layer)) {
      coverage->add_layers_covered(static_cast<type::GovernmentLayer>(layer));
    } else {
      coverage->add_layers_missing(static_cast<type::GovernmentLayer>(layer));
    }
  }
  for (int p : challenge->desired_perspectives()) {
    if (perspectives & (1 << p)) {
      coverage->add_perspectives_covered(static_cast<type::Perspective>(p));
    } else {
      coverage->add_perspectives_missing(static_cast<type::Perspective>(p));
    }
  }
  if (response.slots_size() < team_size) {
    // Why: too few experts match at all, or those left are of organisations
    // at the limit (an empty team said the latter for a challenge whose
    // words no expert has).
    const bool filtered = r.filters().ByteSizeLong() > 0;
    if (pool.size() <= static_cast<size_t>(response.slots_size())) {
      const size_t n = pool.size();
      response.add_notes(absl::StrCat(
          "only ", response.slots_size(), " of ", team_size, " places filled: ",
          n == 0 ? "no expert"
                 : absl::StrCat("only ", n, n == 1 ? " expert" : " experts"),
          " with free hours", filtered ? " and within the filters" : "",
          n > 1 ? " match" : " matches", " the challenge's words and skills"));
    } else {
      response.add_notes(
          absl::StrCat("only ", response.slots_size(), " of ", team_size,
                       " places filled: no more matching experts with free hours "
                       "within the limit of ",
                       max_per_org, " per organisation"));
    }
  }
  // Why something is missing: nobody among the candidates (with free hours,
  // within the filters) brings it, or some do but ranked below the members
  // (the team is full), or the caller's layers filter leaves it out.
  // A team short of places stopped because everyone left was of an
  // organisation at the limit; a full one had better candidates.
  const std::string no_place =
      response.slots_size() < team_size
          ? absl::StrCat(
                "candidates who would bring it are of organisations the team "
                "already has ",
                max_per_org, " of (a higher max_per_organisation may take one in)")
          : absl::StrCat("candidates who would bring it ranked below the ",
                         response.slots_size(),
                         " members (a larger team_size or max_per_organisation may take "
                         "one in)");
  std::vector<std::string> nobody_covers, not_taken;
  for (size_t j = 0; j < nskills; ++j) {
    if (covered[j] >= kCovered) continue;
    bool someone = false;
    for (size_t i = 0; i < pool.size() && !someone; ++i)
      someone = cover[i][j] >= kCovered;
    (someone ? not_taken : nobody_covers).push_back(query.skills[j].name);
  }
  if (!nobody_covers.empty()) {
    response.add_notes(absl::StrCat("no suitable expert found for: ",
                                    absl::StrJoin(nobody_covers, ", ")));
  }
  if (!not_taken.empty()) {
    response.add_notes(absl::StrCat("no member covers ", absl::StrJoin(not_taken, ", "),
                                    ": ", no_place));
  }
  auto in_pool = [&](auto has) {
    for (const Candidate& candidate : pool) {
      if (has(snap.info(candidate.doc))) return true;
    }
    return false;
  };
  for (int layer : coverage->layers_missing()) {
    // "REGIONAL", as the coverage lines name it.
    const std::string name =
        type::GovernmentLayer_Name(layer).substr(strlen("GOVERNMENT_LAYER_"));
    std::string elsewhere;  // a member of the layer not from the region
    for (size_t member : chosen_of) {
      if (static_cast<int>(snap.info(pool[member].doc).layer) == layer) {
        elsewhere = std::string(pool[member].name);
        break;
      }
    }
    if (filters.layers_size() > 0 &&
        std::find(filters.layers().begin(), filters.layers().end(), layer) ==
            filters.layers().end()) {
      response.add_notes(
          absl::StrCat("the ", name, " layer is left out by filters.layers"));
    } else if (!elsewhere.empty()) {
      response.add_notes(absl::StrCat("no member from the ", name,
                                      " layer of the challenge's region (", elsewhere,
                                      " is of that layer, from elsewhere): ", no_place));
    } else if (in_pool([&](const DocInfo& f) { return f.layer == layer; })) {
      bool relevant = false;
      for (size_t i = 0; i < pool.size() && !relevant; ++i) {
        relevant = brings(i) && static_cast<int>(snap.info(pool[i].doc).layer) == layer;
      }
      response.add_notes(
          relevant ? absl::StrCat("no member from the ", name, " layer: ", no_place)
                   : absl::StrCat("no member from the ", name,
                                  " layer: its candidates match the challenge too little "
                                  "(under ",
                                  std::lround(100 * options_.diversity_min_share),
                                  "% of the best match's relevance)"));
    } else {
      response.add_notes(
          absl::StrCat("no matching expert with free hours from the ", name, " layer"));
    }
  }
  for (int p : coverage->perspectives_missing()) {
    const std::string name = type::Perspective_Name(p);
    if (in_pool([&](const DocInfo& f) { return (f.perspectives & (1 << p)) != 0; })) {
      response.add_notes(
          absl::StrCat("no member with the ", name, " perspective: ", no_place));
    } else {
      response.add_notes(
          absl::StrCat("no matching expert with the ", name, " perspective"));
    }
  }
  response.set_revision(state->revision);
  return response;
}

absl::StatusOr<v1::MatchTeamsResponse> Matcher::MatchTeams(
    const v1::MatchTeamsRequest& r, absl::string_view on_behalf_of) const {
  if (absl::Status s = Validate(r); !s.ok()) return s;
  const std::shared_ptr<const MatcherState> state = State();
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge(), on_behalf_of);
  if (!challenge.ok()) return challenge.status();
  const Query query = BuildQuery(*analyzer_, *challenge);
  if (absl::Status s = Matchable(r.challenge(), query); !s.ok()) return s;
  const auto& teams = state->catalog->teams;
  if (teams.empty()) {
    v1::MatchTeamsResponse empty;
    empty.set_revision(state->revision);
    return empty;
  }
  double avg_len = 0;
  absl::flat_hash_map<TermId, int> df;
  for (const auto& [name, entry] : teams) {
    avg_len += entry->length;
    for (const auto& [term, tf] : entry->terms) ++df[term];
  }
  avg_len = std::max(1.0, avg_len / teams.size());
  const double n = teams.size();
  // Themes are compared as text is, not as strings: "dike reinforcement"
  // shares a team's "dijkversterking", "wonen" its "volkshuisvesting" (an
  // exact, case-insensitive comparison gave both 0).
  std::vector<ThemeQuery> themes;
  {
    absl::flat_hash_set<std::string> seen;
    for (const auto& t : challenge->themes()) {
      if (seen.insert(absl::AsciiStrToLower(t)).second) {
        themes.push_back(MakeThemeQuery(*analyzer_, t));
      }
    }
  }
  // Each team theme analysed once per call (teams share themes).
  absl::flat_hash_map<std::string, std::vector<AnalyzedTerm>> analysed_themes;
  auto team_theme = [&](const std::string& t) -> const std::vector<AnalyzedTerm>& {
    auto it = analysed_themes.find(t);
    if (it == analysed_themes.end()) {
      it = analysed_themes.emplace(t, analyzer_->AnalyzeDocument(t)).first;
    }
    return it->second;
  };
  const std::vector<std::string> regions(challenge->region_codes().begin(),
                                         challenge->region_codes().end());

  // Members' skills: per required skill, the best cover among a team's
  // members (as MatchExperts scores an expert's skills), scaled to
  // kTeamSkillsWeight.
  constexpr double kTeamSkillsWeight = 0.15;
  const double text_weight = query.skills.empty() ? 0.7 : 0.7 - kTeamSkillsWeight;
  Ranking ranking(*state, regions_, options_, query);
  ranking.set_caller_sees_every_bio(on_behalf_of.empty());
  const IndexSnapshot& index = *state->index;
  struct Cover {
    Ranking::SkillMatch match;
    uint32_t doc = 0;
  };
  // Members without consent_to_matching count only for a challenge of their
  // own organisation, as in MatchExperts: their skills neither score a team
  // nor are named in its explanation.
  const uint32_t owner =
      index.vocabulary->organisations.Find(challenge->owner_organisation())
          .value_or(UINT32_MAX);
  auto members_skills = [&](const registry::v1::TaskTeam& team,
                            std::vector<Cover>& best) {
    best.assign(query.skills.size(), Cover{});
    thread_local std::vector<Ranking::SkillMatch> matches;
    for (const auto& member : team.members()) {
      const std::optional<uint32_t> doc = index.FindName(member.expert());
      if (!doc) continue;
      const DocInfo& info = index.info(*doc);
      if (!info.consent && info.organisation != owner) continue;
      ranking.BestSkills(index.facts(*doc), matches);
      for (size_t j = 0; j < matches.size(); ++j) {
        if (matches[j].contribution > best[j].match.contribution)
          best[j] = {matches[j], *doc};
      }
    }
    double sum = 0;
    for (const Cover& c : best) sum += c.match.contribution;
    return options_.skills_weight > 0 ? sum * kTeamSkillsWeight / options_.skills_weight
                                      : 0.0;
  };

  struct Scored {
    const TeamEntry* team = nullptr;
    double text_raw = 0, themes = 0, region = 0, skills = 0;
    std::vector<Cover> covers;
    std::vector<std::pair<const QueryTerm*, double>> terms;
    std::vector<std::string> shared_themes;
    RegionMatch region_match;
  };
  std::vector<Scored> scored;
  double max_raw = 0;
  for (const auto& [name, entry] : teams) {
    Scored sc;
    sc.team = entry.get();
    // A word the challenge says twice (in its title and its description)
    // counts once, as in MatchExperts.
    absl::flat_hash_set<TermId> counted;
    size_t i = 0;
    while (i < query.terms.size()) {
      const int group = query.terms[i].group;
      const QueryTerm* best = nullptr;
      double best_score = 0;
      for (; i < query.terms.size() && query.terms[i].group == group; ++i) {
        const QueryTerm& t = query.terms[i];
        auto it = entry->terms.find(t.id);
        if (it == entry->terms.end()) continue;
        const double d = df[t.id];
        const double idf = std::log(1.0 + (n - d + 0.5) / (d + 0.5));
        const double tf = it->second;
        const double score = t.weight * idf * tf * (kK1 + 1) /
                             (tf + kK1 * (0.25 + 0.75 * entry->length / avg_len));
        if (score > best_score) {
          best = &t;
          best_score = score;
        }
      }
      if (best && counted.insert(best->id).second) {
        sc.text_raw += best_score;
        sc.terms.emplace_back(best, best_score);
      }
    }
    // Per challenge theme, the team theme that shares it (named once).
    int shared = 0;
    for (const ThemeQuery& q : themes) {
      for (const auto& t : entry->team.themes()) {
        if (ThemeCoverage(q, team_theme(t)) < kSharedTheme) continue;
        ++shared;
        if (std::find(sc.shared_themes.begin(), sc.shared_themes.end(), t) ==
            sc.shared_themes.end()) {
          sc.shared_themes.push_back(t);
        }
        break;
      }
    }
    if (!themes.empty()) sc.themes = 0.15 * shared / themes.size();
    sc.region_match = regions_.Match(
        regions, {entry->team.region_codes().begin(), entry->team.region_codes().end()},
        false);
    sc.region = 0.15 * kRegionScore[sc.region_match.kind];
    if (!query.skills.empty()) sc.skills = members_skills(entry->team, sc.covers);
    if (sc.text_raw <= 0 && sc.themes <= 0 && sc.skills <= 0) continue;
    max_raw = std::max(max_raw, sc.text_raw);
    scored.push_back(std::move(sc));
  }
  const double scale = max_raw > 0 ? text_weight / max_raw : 0;
  auto total = [&](const Scored& sc) {
    return sc.text_raw * scale + sc.skills + sc.themes + sc.region;
  };
  std::sort(scored.begin(), scored.end(), [&](const Scored& a, const Scored& b) {
    return total(a) > total(b) ||
           (total(a) == total(b) && a.team->team.name() < b.team->team.name());
  });
  const size_t k = std::min<size_t>(
      scored.size(), r.page_size() == 0 ? 5 : std::min(r.page_size(), 100));
  v1::MatchTeamsResponse response;
  for (size_t i = 0; i < k; ++i) {
    const Scored& sc = scored[i];
    v1::TeamMatch* m = response.add_matches();
    m->set_team(sc.team->team.name());
    m->set_display_name(sc.team->team.display_name());
    m->set_state(sc.team->team.state());
    m->set_lessons_learned(sc.team->team.lessons_learned());
    m->set_score(total(sc));
    v1::Explanation* e = m->mutable_explanation();
    std::vector<std::string> words;
    for (const auto& [t, score] : sc.terms) {
      auto* mt = e->add_matched_terms();
      mt->set_term(t->term);
      mt->set_query_word(t->source);
      mt->set_field("team");
      mt->set_contribution(score * scale);
      words.push_back(t->source);
    }
    auto add = [&](const char* name, double value, std::string detail) {
      auto* c = e->add_components();
      c->set_name(name);
      c->set_value(value);
      c->set_detail(std::move(detail));
    };
    add("text", sc.text_raw * scale,
        words.empty() ? std::string("no word in common")
                      : absl::StrCat("shares ", absl::StrJoin(words, ", ")));
    // What the summary names when no word is shared (a review: "shares "
    // and a summary ending in ": " for a team found by a member's skill).
    std::string found_by;
    if (!query.skills.empty()) {
      std::vector<std::string> notes;
      const double factor =
          options_.skills_weight > 0 ? kTeamSkillsWeight / options_.skills_weight : 0;
      for (size_t j = 0; j < sc.covers.size(); ++j) {
        const Cover& c = sc.covers[j];
        if (c.match.expert_skill < 0) continue;
        const ExpertFacts f = index.facts(c.doc);
        const uint32_t skill = f.skills[c.match.expert_skill];
        auto* ms = e->add_matched_skills();
        ms->set_name(query.skills[j].name);
        ms->set_required_level(query.skills[j].min_level);
        ms->set_expert_skill(std::string(index.vocabulary->skills.key(SkillId(skill))));
        ms->set_expert_level(SkillLevel(skill));
        ms->set_coverage(c.match.coverage);
        ms->set_contribution(c.match.contribution * factor);
        ms->set_expert(std::string(f.name));
        notes.push_back(absl::StrCat(query.skills[j].name, " <- ", f.display_name, " (",
                                     ms->expert_skill(), ", level ", ms->expert_level(),
                                     ")"));
      }
      add("skills", sc.skills,
          notes.empty() ? "no member covers a required skill"
                        : absl::StrJoin(notes, "; "));
      if (!notes.empty()) found_by = absl::StrCat("skills ", absl::StrJoin(notes, "; "));
    }
    if (!sc.shared_themes.empty()) {
      found_by = absl::StrCat("themes ", absl::StrJoin(sc.shared_themes, ", "));
    }
    add("themes", sc.themes,
        !sc.shared_themes.empty()
            ? absl::StrCat("shares ", absl::StrJoin(sc.shared_themes, ", "))
        : themes.empty() ? std::string("the challenge names no theme")
                         : std::string("no theme in common"));
    add("region", sc.region,
        !RegionTable::SetsApart(query.regions) ? NotWeighed(query.regions)
        : sc.region_match.kind == RegionMatch::kNone
            ? "no regional link"
            : absl::StrCat(regions_.NameOf(sc.region_match.expert_code), " for ",
                           regions_.NameOf(sc.region_match.challenge_code)));
    e->set_summary(absl::StrCat(sc.team->team.display_name(), ": ",
                                words.empty() ? found_by : absl::StrJoin(words, ", ")));
  }
  response.set_revision(state->revision);
  return response;
}

}  // namespace samenspel::matching
