#include "matching-service/core/matcher.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"

namespace samenspel::matching {
namespace {

namespace type = ::samenspel::type::v1;
using registry::v1::Challenge;

// BM25F parameters per field: skills, themes, job title, bio.
constexpr double kFieldWeight[kNumFields] = {3.0, 2.0, 1.5, 1.0};
constexpr double kFieldB[kNumFields] = {0.5, 0.5, 0.5, 0.75};
constexpr double kK1 = 1.2;
// Region proximity by RegionMatch::Kind.
constexpr double kRegionScore[] = {0.0, 0.3, 0.6, 1.0};
constexpr int kFullAvailabilityHours = 16;

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
};

struct SkillQuery {
  std::string name;
  int min_level;
  double weight;
  std::vector<QueryTerm> terms;
  // Total weight of the skill's groups (the best term weight of each).
  double group_weight = 0;
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

// Adds the analysed `text` to `out` with its groups renumbered after the
// ones already there, each term weighted by `weight`.
int AddQueryText(const Analyzer& analyzer, absl::string_view text, float weight,
                 int first_group, std::vector<QueryTerm>& out) {
  int groups = first_group;
  for (const AnalyzedTerm& t : analyzer.AnalyzeQuery(text)) {
    out.push_back(QueryTerm{HashTerm(t.term), t.term, std::string(t.source),
                            t.weight * weight, first_group + t.group});
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

// BM25F's pseudo term frequency, per field and summed, and its saturation:
// the one formula both the scoring loop and the explanations use. A field's
// weight over its length normalisation is looked up per length, from a table
// made per query (lengths are small integers: quarter words).
class TextFormula {
 public:
  explicit TextFormula(const IndexSnapshot& s) {
    for (int f = 0; f < kNumFields; ++f) {
      const float weight = static_cast<float>(kFieldWeight[f] / 4.0);  // tf in quarters
      const float a = static_cast<float>(1.0 - kFieldB[f]);
      const float b = static_cast<float>(kFieldB[f] / s.avg_length[f]);
      table_[f].resize(s.max_length[f] + 1);
      for (size_t len = 0; len < table_[f].size(); ++len)
        table_[f][len] = weight / (a + b * len);
    }
  }
  // Fills parts[f] (zero where tf is) and returns their sum.
  float Parts(const FieldTf& tf, const FieldLengths& len, float* parts) const {
    float sum = 0;
    for (int f = 0; f < kNumFields; ++f) {
      parts[f] = tf[f] * table_[f][len[f]];
      sum += parts[f];
    }
    return sum;
  }
  float Sum(const FieldTf& tf, const FieldLengths& len) const {
    return tf[0] * table_[0][len[0]] + tf[1] * table_[1][len[1]] +
           tf[2] * table_[2][len[2]] + tf[3] * table_[3][len[3]];
  }
  static float Saturate(float tfw) {
    return tfw * static_cast<float>(kK1 + 1) / (static_cast<float>(kK1) + tfw);
  }
  // Saturate() never reaches this.
  static constexpr float kMaxSaturated = static_cast<float>(kK1 + 1);

 private:
  std::vector<float> table_[kNumFields];
};

struct Candidate {
  uint32_t doc = 0;
  double text_raw = 0;
  double text = 0, skills = 0, region = 0, availability = 0, diversity = 0;
  int free_hours = 0;
  double relevance() const { return text + skills + region + availability; }
  double score() const { return relevance() + diversity; }
};

// Per-thread scratch space for accumulating scores over all docs: sized to
// the largest index seen and reused. Between queries every entry is zero
// (Clear() resets the ones a query touched); a text score is never zero once
// a posting added to it, so zero means "not a candidate yet". Four bytes per
// doc in the array every posting visits keeps it in cache.
struct Scratch {
  std::vector<float> text;         // per doc: text score so far
  std::vector<float> skill_bound;  // per doc: upper bound of the skills component
  std::vector<uint32_t> touched;   // docs with text > 0

  void Prepare(size_t n) {
    if (text.size() < n) {
      text.resize(n, 0);
      skill_bound.resize(n, 0);
    }
  }
  void Clear() {
    for (uint32_t doc : touched) text[doc] = skill_bound[doc] = 0;
    touched.clear();
  }
};

// Ranks experts for one query on one state. Cheap to construct; not shared
// between threads.
class Ranking {
 public:
  Ranking(const MatcherState& state, const RegionTable& regions,
          const MatcherOptions& options, const Query& query)
      : state_(state),
        s_(*state.index),
        vocabulary_(*state.index->vocabulary),
        regions_(regions),
        o_(options),
        q_(query),
        formula_(s_) {
    owner_ = vocabulary_.organisations.Find(q_.challenge.owner_organisation())
                 .value_or(UINT32_MAX);
    region_kind_.assign(vocabulary_.regions.size(), -1);
    national_kind_ = regions_.Match(q_.regions, {}, true).kind;
  }

  // The `keep` most relevant experts (relevance without diversity; ties by
  // doc) that pass the filters, each with every component computed; in no
  // particular order.
  //
  // Exact, and cheap per posting: the text score of every expert the query
  // touches is accumulated term at a time into flat arrays, together with an
  // upper bound of its skills component; the other components are computed
  // only for candidates in the order of an upper bound of their relevance,
  // until the `keep`-th best relevance found beats every remaining bound.
  std::vector<Candidate> Score(const v1::MatchFilters& filters, size_t keep) {
    PrepareFilters(filters);
    thread_local Scratch scratch;
    Scratch& sc = scratch;
    // First with the groups that can add little left out of candidate
    // generation; if the result cannot be proven exact that way, again with
    // every group generating candidates.
    std::vector<Candidate> top;
    const bool exact = o_.prune_candidates && Accumulate(sc, kNonEssentialShare) &&
                       Select(sc, keep, top);
    sc.Clear();
    if (exact) return top;
    Accumulate(sc, 0);
    Select(sc, keep, top);
    sc.Clear();
    return top;
  }

  void Components(Candidate& c) const {
    const ExpertFacts f = s_.facts(c.doc);
    c.text = c.text_raw * text_scale_;
    c.skills = 0;
    for (const SkillMatch& m : BestSkills(f)) c.skills += m.contribution;
    c.region = o_.region_weight * kRegionScore[RegionKind(f)];
    c.free_hours = FreeHours(f);
    c.availability = o_.availability_weight *
                     std::clamp(c.free_hours, 0, kFullAvailabilityHours) /
                     kFullAvailabilityHours;
  }

  int FreeHours(const ExpertFacts& f) const {
    const auto& committed = state_.catalog->committed_hours;
    auto it = committed.find(f.name);
    return f.info.available_hours - (it == committed.end() ? 0 : it->second);
  }

  // RegionTable::Match of the challenge's codes with the expert's, from a
  // per-query table of the region codes seen.
  RegionMatch::Kind RegionKind(const ExpertFacts& f) const {
    int kind = f.info.layer == type::GOVERNMENT_LAYER_NATIONAL ? national_kind_ : 0;
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
  // factor. One hash lookup per term of the expert's skills.
  std::vector<SkillMatch> BestSkills(const ExpertFacts& f) const {
    std::vector<SkillMatch> best(q_.skills.size());
    if (q_.skill_weight_sum <= 0) return best;
    struct Hit {
      int skill, expert_skill, group;
      float weight;
    };
    thread_local std::vector<Hit> hits;
    hits.clear();
    for (int s = 0; s < static_cast<int>(f.skills.size()); ++s) {
      for (const auto& [term, quarters] :
           vocabulary_.skills.value(SkillId(f.skills[s])).terms) {
        auto it = q_.skill_terms.find(term);
        if (it == q_.skill_terms.end()) continue;
        for (const SkillHit& h : it->second)
          hits.push_back({h.skill, s, h.group, h.weight});
      }
    }
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
      return std::tie(a.skill, a.expert_skill, a.group, b.weight) <
             std::tie(b.skill, b.expert_skill, b.group, a.weight);
    });
    for (size_t i = 0; i < hits.size();) {
      const int j = hits[i].skill, s = hits[i].expert_skill;
      // Per word group, the best weight among its terms that this skill has.
      double covered = 0;
      for (int group = -1;
           i < hits.size() && hits[i].skill == j && hits[i].expert_skill == s; ++i) {
        if (hits[i].group != group) covered += hits[i].weight;
        group = hits[i].group;
      }
      const SkillQuery& sq = q_.skills[j];
      if (sq.group_weight <= 0) continue;
      const double coverage = std::min(1.0, covered / sq.group_weight);
      const int level = SkillLevel(f.skills[s]);
      const double factor =
          level >= sq.min_level
              ? 0.85 + 0.15 * (level - sq.min_level) / std::max(1, 5 - sq.min_level)
              : 0.85 * std::pow(0.5, sq.min_level - level);
      const double contribution =
          o_.skills_weight * sq.weight / q_.skill_weight_sum * coverage * factor;
      if (contribution > best[j].contribution)
        best[j] = SkillMatch{s, coverage, contribution};
    }
    return best;
  }

  // The `k` best by relevance plus diversity, greedily: each pick maximises
  // its relevance plus the bonus for a desired layer/perspective not yet in
  // the list, minus a penalty per earlier pick of the same organisation.
  // Scores come out non-increasing (bonuses only shrink as the list grows).
  std::vector<Candidate> Rerank(std::vector<Candidate> pool, size_t k) const {
    const size_t m = std::min(pool.size(), std::max<size_t>(o_.rerank_pool, k));
    std::partial_sort(pool.begin(), pool.begin() + m, pool.end(),
                      [](const Candidate& a, const Candidate& b) {
                        return a.relevance() > b.relevance() ||
                               (a.relevance() == b.relevance() && a.doc < b.doc);
                      });
    pool.resize(m);
    std::vector<Candidate> picked;
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
      used[best] = true;
      const DocInfo& info = s_.info(pool[best].doc);
      layers |= 1u << info.layer;
      perspectives |= info.perspectives;
      ++per_org[info.organisation];
      picked.push_back(pool[best]);
    }
    return picked;
  }

  double Diversity(const Candidate& c, uint32_t layers, uint8_t perspectives,
                   const absl::flat_hash_map<uint32_t, int>& per_org) const {
    const DocInfo& info = s_.info(c.doc);
    double d = 0;
    const uint32_t layer_bit = 1u << info.layer;
    if ((q_.desired_layers & layer_bit) && !(layers & layer_bit)) d += o_.new_layer_bonus;
    if (info.perspectives & q_.desired_perspectives & ~perspectives)
      d += o_.new_perspective_bonus;
    auto it = per_org.find(info.organisation);
    if (it != per_org.end()) d -= o_.same_organisation_penalty * it->second;
    return d;
  }

  v1::ExpertMatch Explain(const Candidate& c) const {
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
    m.set_available_hours_per_week(c.free_hours);
    v1::Explanation* e = m.mutable_explanation();

    // Text: per query word group, its best term, split over the fields.
    size_t i = 0;
    std::vector<std::string> words;
    const FieldLengths& lengths = s_.lengths(c.doc);
    while (i < q_.terms.size()) {
      const int group = q_.terms[i].group;
      const QueryTerm* best = nullptr;
      float best_score = 0;
      float best_parts[kNumFields] = {};
      for (; i < q_.terms.size() && q_.terms[i].group == group; ++i) {
        const QueryTerm& t = q_.terms[i];
        const FieldTf* tf = s_.Find(t.id, c.doc);
        if (!tf) continue;
        float parts[kNumFields];
        const float tfw = formula_.Parts(*tf, lengths, parts);
        const float score = TermWeight(t) * TextFormula::Saturate(tfw);
        if (score > best_score) {
          best = &t;
          best_score = score;
          std::copy(parts, parts + kNumFields, best_parts);
        }
      }
      if (!best) continue;
      const double total = best_parts[0] + best_parts[1] + best_parts[2] + best_parts[3];
      for (int fi = 0; fi < kNumFields; ++fi) {
        if (best_parts[fi] <= 0) continue;
        auto* mt = e->add_matched_terms();
        mt->set_term(best->term);
        mt->set_query_word(best->source);
        mt->set_field(kFieldNames[fi]);
        mt->set_contribution(best_score * text_scale_ * best_parts[fi] / total);
      }
      words.push_back(best->source == best->term
                          ? best->source
                          : absl::StrCat(best->source, "~", best->term));
    }
    auto add = [&](const char* name, double value, std::string detail) {
      auto* comp = e->add_components();
      comp->set_name(name);
      comp->set_value(value);
      comp->set_detail(std::move(detail));
    };
    add("text", c.text,
        absl::StrCat(
            "matched ", words.size(), " query words: ",
            absl::StrJoin(words.begin(),
                          words.begin() + std::min<size_t>(8, words.size()), ", ")));
    std::vector<std::string> skill_notes;
    const std::vector<SkillMatch> skill_matches = BestSkills(f);
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
    std::vector<std::string> codes;
    for (uint32_t id : f.regions) codes.emplace_back(vocabulary_.regions.key(id));
    const RegionMatch rm = regions_.Match(
        q_.regions, codes, f.info.layer == type::GOVERNMENT_LAYER_NATIONAL);
    static constexpr const char* kRegionText[] = {"no regional link", "national scope",
                                                  "same province", "same region"};
    add("region", c.region,
        rm.kind == RegionMatch::kNone
            ? kRegionText[0]
            : absl::StrCat(kRegionText[rm.kind], " (", regions_.NameOf(rm.expert_code),
                           " for ", regions_.NameOf(rm.challenge_code), ")"));
    add("availability", c.availability,
        absl::StrCat(c.free_hours, " h/week free of ", f.info.available_hours));
    add("diversity", c.diversity,
        c.diversity > 0   ? "adds a desired layer or perspective to the list"
        : c.diversity < 0 ? "organisation already in the list"
                          : "no adjustment");
    e->set_summary(absl::StrCat(
        f.display_name, ": ",
        absl::StrJoin(words.begin(), words.begin() + std::min<size_t>(5, words.size()),
                      ", "),
        skill_notes.empty() ? "" : "; skills ", absl::StrJoin(skill_notes, "; ")));
    return m;
  }

  const IndexSnapshot& snapshot() const { return s_; }

 private:
  float TermWeight(const QueryTerm& t) const {
    return static_cast<float>(Idf(s_, t.id) * t.weight);
  }

  // Share of the summed maximum text scores of the query's word groups that
  // the weakest groups may have and still be left out of candidate
  // generation (MaxScore); Select() checks that this lost nothing.
  static constexpr double kNonEssentialShare = 0.12;

  // Picks the `keep` most relevant of the accumulated candidates into `top`.
  // False when it cannot prove that no expert outside the candidates (only
  // touched by left-out groups) belongs there.
  bool Select(Scratch& sc, size_t keep, std::vector<Candidate>& top) {
    top.clear();
    // The text scale: the best text score among experts that pass every
    // filter. The best by text usually passes; else take them in order.
    struct ByText {
      float text;
      uint32_t doc;
      bool operator<(const ByText& o) const {
        return text < o.text || (text == o.text && doc > o.doc);
      }
    };
    auto passes = [&](uint32_t doc) {
      return s_.alive(doc) && PassesCheap(doc) && PassesHours(doc);
    };
    double max_raw = -1;
    {
      ByText best{-1, 0};
      for (uint32_t doc : sc.touched) best = std::max(best, ByText{sc.text[doc], doc});
      if (best.text >= 0 && passes(best.doc)) {
        max_raw = best.text;
      } else {
        std::vector<ByText> heap;
        heap.reserve(sc.touched.size());
        for (uint32_t doc : sc.touched) heap.push_back({sc.text[doc], doc});
        std::make_heap(heap.begin(), heap.end());
        while (!heap.empty() && !passes(heap.front().doc)) {
          std::pop_heap(heap.begin(), heap.end());
          heap.pop_back();
        }
        if (!heap.empty()) max_raw = heap.front().text;
      }
    }
    if (max_raw < 0) return left_out_max_ <= 0;  // no candidate passes
    // An expert outside the candidates has at most left_out_max_ text.
    if (max_raw < left_out_max_) return false;
    const double text_weight =
        q_.skills.empty() ? o_.text_weight + o_.skills_weight : o_.text_weight;
    text_scale_ = max_raw > 0 ? text_weight / max_raw : 0;

    // Upper bounds of relevance: the text, the skills bound, and the most
    // region and availability can add.
    const double skills_cap = q_.skills.empty() ? 0.0 : o_.skills_weight;
    const double rest = o_.region_weight + o_.availability_weight + 1e-9;
    auto bound_of = [&](uint32_t doc) {
      return sc.text[doc] * text_scale_ +
             std::min(skills_cap, sc.skill_bound[doc] * (1 + 1e-6) + 1e-9) + rest;
    };
    struct Ub {
      double bound;
      uint32_t doc;
    };
    auto ub_order = [](const Ub& a, const Ub& b) {
      return a.bound > b.bound || (a.bound == b.bound && a.doc < b.doc);
    };
    auto better = [](const Candidate& a, const Candidate& b) {
      return a.relevance() > b.relevance() ||
             (a.relevance() == b.relevance() && a.doc < b.doc);
    };
    // Exact components in the order of the bounds, a chunk at a time, until
    // the keep-th best relevance beats every bound left. True when it did.
    auto evaluate = [&](std::vector<Ub>& ubs) {
      for (size_t done = 0; done < ubs.size();) {
        const size_t chunk = std::min(ubs.size() - done, std::max<size_t>(64, 2 * keep));
        auto first = ubs.begin() + done, mid = first + chunk;
        if (mid != ubs.end()) std::nth_element(first, mid, ubs.end(), ub_order);
        std::sort(first, mid, ub_order);
        for (auto it = first; it != mid; ++it) {
          if (top.size() == keep && it->bound < top.front().relevance()) return true;
          if (!passes(it->doc)) continue;
          Candidate c;
          c.doc = it->doc;
          c.text_raw = sc.text[it->doc];
          Components(c);
          if (top.size() < keep) {
            top.push_back(c);
            std::push_heap(top.begin(), top.end(), better);
          } else if (better(c, top.front())) {
            std::pop_heap(top.begin(), top.end(), better);
            top.back() = c;
            std::push_heap(top.begin(), top.end(), better);
          }
        }
        done += chunk;
      }
      return false;
    };
    // Most candidates cannot make it: a threshold from a sample of the
    // bounds, set so that about 4 * keep candidates reach it, leaves them
    // out of the sort; they are taken after all if the result is weaker.
    const size_t n = sc.touched.size();
    double threshold = -std::numeric_limits<double>::infinity();
    if (n > 32 * keep) {
      const size_t step = n / (16 * keep);
      std::vector<double> sample;
      sample.reserve(n / step + 1);
      for (size_t i = 0; i < n; i += step) sample.push_back(bound_of(sc.touched[i]));
      const size_t rank = 4 * keep / step;
      std::nth_element(sample.begin(), sample.begin() + rank, sample.end(),
                       std::greater<double>());
      threshold = sample[rank];
    }
    std::vector<Ub> ubs;
    ubs.reserve(std::min(n, 8 * keep));
    for (uint32_t doc : sc.touched) {
      const double bound = bound_of(doc);
      if (bound >= threshold) ubs.push_back({bound, doc});
    }
    if (!evaluate(ubs) && !(top.size() == keep && top.front().relevance() >= threshold)) {
      ubs.clear();
      for (uint32_t doc : sc.touched) {
        const double bound = bound_of(doc);
        if (bound < threshold) ubs.push_back({bound, doc});
      }
      evaluate(ubs);
    }
    if (left_out_max_ <= 0 && left_out_skill_ <= 0) return true;
    // Experts outside the candidates: text from left-out groups only.
    const double outside = left_out_max_ * text_scale_ +
                           std::min(skills_cap, static_cast<double>(left_out_skill_)) +
                           rest;
    return top.size() == keep && top.front().relevance() > outside;
  }

  // Text scores of every expert a query term touches into sc.text (sc.touched
  // lists them), with an upper bound of the skills component: per word
  // group, the best of its terms, summed over groups. Groups whose maximum
  // text scores sum to at most `left_out_share` of all groups' (the weakest
  // first) only add to experts that other groups touched; their sums are
  // left_out_max_ and left_out_skill_. False when the query has no terms.
  bool Accumulate(Scratch& sc, double left_out_share) {
    sc.Prepare(s_.doc_count());
    std::vector<GroupRange> groups;
    float total = 0;
    for (size_t i = 0; i < q_.terms.size();) {
      GroupRange g{i, i, 0, 0};
      for (; g.end < q_.terms.size() && q_.terms[g.end].group == q_.terms[i].group;
           ++g.end) {
        g.max_text = std::max(g.max_text, TermWeight(q_.terms[g.end]));
        g.max_skill = std::max(g.max_skill, SkillBoundWeight(q_.terms[g.end]));
      }
      g.max_text *= TextFormula::kMaxSaturated;
      total += g.max_text;
      groups.push_back(g);
      i = g.end;
    }
    if (groups.empty()) return false;
    // The weakest groups last; they are left out while their sum allows.
    std::sort(groups.begin(), groups.end(), [](const GroupRange& a, const GroupRange& b) {
      return a.max_text > b.max_text;
    });
    left_out_max_ = 0;
    left_out_skill_ = 0;
    size_t essential = groups.size();
    while (essential > 1 &&
           left_out_max_ + groups[essential - 1].max_text <= left_out_share * total) {
      --essential;
      left_out_max_ += groups[essential].max_text;
      left_out_skill_ += groups[essential].max_skill;
    }
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      for (const Segment* seg : {s_.base.get(), s_.delta.get()}) {
        if (gi < essential) {
          AccumulateGroup<true>(sc, groups[gi], *seg);
        } else {
          AccumulateGroup<false>(sc, groups[gi], *seg);
        }
      }
    }
    return true;
  }

  struct GroupRange {
    size_t begin, end;  // its terms in q_.terms
    float max_text, max_skill;
  };

  // Adds one word group's scores in one segment: the postings of its terms
  // merged by doc, each doc credited with its best term. Only docs already
  // touched when not `kGenerates`.
  template <bool kGenerates>
  void AccumulateGroup(Scratch& sc, const GroupRange& g, const Segment& seg) const {
    struct Cursor {
      const Posting* p;
      const Posting* end;
      float weight, skill;
    };
    thread_local std::vector<Cursor> cursors;
    cursors.clear();
    for (size_t j = g.begin; j < g.end; ++j) {
      auto [begin, end] = seg.Postings(q_.terms[j].id);
      if (begin != end) {
        cursors.push_back(
            {begin, end, TermWeight(q_.terms[j]), SkillBoundWeight(q_.terms[j])});
      }
    }
    const uint32_t offset = &seg == s_.base.get() ? 0 : s_.base->size();
    const FieldLengths* lengths = seg.lengths();
    float* text = sc.text.data() + offset;
    float* skill_bound = sc.skill_bound.data() + offset;
    auto score = [&](const Cursor& c) {
      return c.weight * TextFormula::Saturate(formula_.Sum(c.p->tf, lengths[c.p->doc]));
    };
    auto add = [&](uint32_t doc, float t, float s) {
      if (kGenerates) {
        if (text[doc] == 0) sc.touched.push_back(doc + offset);
      } else if (text[doc] == 0) {
        return;
      }
      text[doc] += t;
      if (s > 0) skill_bound[doc] += s;
    };
    if (cursors.size() == 1) {
      const Cursor c = cursors[0];
      for (Cursor it = c; it.p != it.end; ++it.p) {
        if (!kGenerates && text[it.p->doc] == 0) continue;
        add(it.p->doc, score(it), it.p->tf[kSkills] ? it.skill : 0.0f);
      }
      return;
    }
    while (!cursors.empty()) {
      uint32_t doc = cursors[0].p->doc;
      for (size_t i = 1; i < cursors.size(); ++i) doc = std::min(doc, cursors[i].p->doc);
      const bool wanted = kGenerates || text[doc] != 0;
      float best = 0, best_skill = 0;
      for (size_t i = 0; i < cursors.size();) {
        Cursor& c = cursors[i];
        if (c.p->doc == doc) {
          if (wanted) {
            best = std::max(best, score(c));
            if (c.p->tf[kSkills]) best_skill = std::max(best_skill, c.skill);
          }
          if (++c.p == c.end) {
            c = cursors.back();
            cursors.pop_back();
            continue;
          }
        }
        ++i;
      }
      if (wanted) add(doc, best, best_skill);
    }
  }

  // What a term of a required skill found in an expert's skills can add to
  // the skills component at most: its share of the skill's word groups times
  // the skill's share of the component (level factors are at most 1).
  float SkillBoundWeight(const QueryTerm& t) const {
    if (t.skill < 0 || q_.skill_weight_sum <= 0) return 0;
    const SkillQuery& sq = q_.skills[t.skill];
    if (sq.group_weight <= 0) return 0;
    return static_cast<float>(o_.skills_weight * sq.weight / q_.skill_weight_sum *
                              t.skill_weight / sq.group_weight);
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
      for (uint32_t id : s_.facts(doc).regions) {
        if (id >= region_filter_.size()) region_filter_.resize(id + 1, -1);
        int8_t& in = region_filter_[id];
        if (in < 0) {
          const std::string code(vocabulary_.regions.key(id));
          in = 0;
          for (const auto& want : filters_->region_codes()) {
            in = in || code == want || regions_.ProvinceOf(code) == want;
          }
        }
        in_region = in_region || in;
      }
      if (!in_region) return false;
    }
    return true;
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

  const MatcherState& state_;
  const IndexSnapshot& s_;
  const Vocabulary& vocabulary_;
  const RegionTable& regions_;
  const MatcherOptions& o_;
  const Query& q_;
  const TextFormula formula_;
  uint32_t owner_ = UINT32_MAX;  // the challenge's organisation, if any expert has it
  int national_kind_ = 0;        // RegionMatch::Kind of national scope for the query
  mutable std::vector<int8_t> region_kind_;    // per region id, -1: not yet known
  const v1::MatchFilters* filters_ = nullptr;  // set by Score
  uint64_t layer_filter_ = 0;
  std::vector<uint32_t> excluded_;
  mutable std::vector<int8_t> region_filter_;  // per region id, -1: not yet known
  double text_scale_ = 0;
  // Set by Accumulate: the summed maxima of the groups left out of candidate
  // generation, text and skills bound.
  double left_out_max_ = 0;
  float left_out_skill_ = 0;
};

absl::StatusOr<Challenge> ResolveRef(const MatcherState& state,
                                     const v1::ChallengeRef& ref) {
  switch (ref.challenge_case()) {
    case v1::ChallengeRef::kName: {
      auto it = state.catalog->challenges.find(ref.name());
      if (it == state.catalog->challenges.end()) return NotFoundError(ref.name());
      return *it->second;
    }
    case v1::ChallengeRef::kInline: {
      const Challenge& c = ref.inline_();
      if (c.title().empty() && c.description().empty() && c.required_skills_size() == 0 &&
          c.themes_size() == 0) {
        return InvalidField(
            "challenge.inline",
            "give at least a title, description, theme or required skill");
      }
      return c;
    }
    default:
      return InvalidField("challenge", "give a challenge name or an inline challenge");
  }
}

// The challenge `ref` names. With `on_behalf_of` (an organisation's name),
// the challenge is treated as that organisation's: consent exceptions apply
// to its own experts only, whoever owns the challenge.
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
      catalog_(std::make_shared<const Catalog>()) {
  Publish(catalog_, 0);
}

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
  experts_ += page.size();
  absl::MutexLock lock(&mu_);
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
    std::vector<registry::v1::Expert> page;
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
    docs.reserve(page.size());
    for (const auto& e : page) docs.push_back(index_->Analyze(e));
    std::vector<registry::v1::Expert>().swap(page);
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

std::shared_ptr<const MatcherState> Matcher::State() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

absl::Status Matcher::WaitForRevision(int64_t revision, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return state_->revision >= revision;
  };
  if (mu_.AwaitWithDeadline(absl::Condition(&reached), deadline)) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("the matching index has applied revision ",
                                             state_->revision, ", not yet ", revision,
                                             "; retry shortly"));
}

absl::StatusOr<v1::MatchExpertsResponse> Matcher::MatchExperts(
    const v1::MatchExpertsRequest& r, absl::string_view on_behalf_of) const {
  if (r.page_size() < 0 || r.page_size() > 200) {
    return InvalidField("page_size", "must be between 0 and 200 (0 means 10)");
  }
  const std::shared_ptr<const MatcherState> state = State();
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge(), on_behalf_of);
  if (!challenge.ok()) return challenge.status();
  const Query query = BuildQuery(*analyzer_, *challenge);
  Ranking ranking(*state, regions_, options_, query);
  const size_t k = r.page_size() == 0 ? 10 : r.page_size();
  std::vector<Candidate> picked = ranking.Rerank(
      ranking.Score(r.filters(), std::max<size_t>(options_.rerank_pool, k)), k);
  v1::MatchExpertsResponse response;
  for (const Candidate& c : picked) *response.add_matches() = ranking.Explain(c);
  response.set_revision(state->revision);
  return response;
}

absl::StatusOr<v1::SuggestTeamResponse> Matcher::SuggestTeam(
    const v1::SuggestTeamRequest& r, absl::string_view on_behalf_of) const {
  if (r.team_size() < 0 || r.team_size() > 50) {
    return InvalidField("team_size",
                        "must be between 0 and 50 (0: the challenge's, else 5)");
  }
  if (r.max_per_organisation() < 0) {
    return InvalidField("max_per_organisation", "must not be negative (0 means 1)");
  }
  const std::shared_ptr<const MatcherState> state = State();
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge(), on_behalf_of);
  if (!challenge.ok()) return challenge.status();
  const int team_size = r.team_size() > 0
                            ? r.team_size()
                            : (challenge->team_size() > 0 ? challenge->team_size() : 5);
  const int max_per_org = r.max_per_organisation() > 0 ? r.max_per_organisation() : 1;
  const Query query = BuildQuery(*analyzer_, *challenge);
  Ranking ranking(*state, regions_, options_, query);
  v1::MatchFilters filters = r.filters();
  // A member must have time for the team.
  filters.set_min_available_hours(std::max(1, filters.min_available_hours()));
  const size_t pool_size = std::max(options_.rerank_pool, 20 * team_size);
  std::vector<Candidate> pool = ranking.Score(filters, pool_size);
  const size_t m = std::min<size_t>(pool.size(), pool_size);
  std::partial_sort(pool.begin(), pool.begin() + m, pool.end(),
                    [](const Candidate& a, const Candidate& b) {
                      return a.relevance() > b.relevance() ||
                             (a.relevance() == b.relevance() && a.doc < b.doc);
                    });
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
  const bool wants_execution =
      query.desired_perspectives & (1 << type::PERSPECTIVE_EXECUTION);

  std::vector<double> covered(nskills, 0.0);
  uint32_t layers = 0;
  uint8_t perspectives = 0;
  absl::flat_hash_map<uint32_t, int> per_org;
  std::vector<bool> used(pool.size(), false);
  v1::SuggestTeamResponse response;

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
    const uint32_t layer_bit = 1u << f.layer;
    if ((query.desired_layers & layer_bit) && !(layers & layer_bit)) {
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
  // What the team still lacks that only specific people can bring.
  auto fills_need = [&](size_t i) {
    const DocInfo& f = snap.info(pool[i].doc);
    const uint32_t layer_bit = 1u << f.layer;
    if ((query.desired_layers & layer_bit) && !(layers & layer_bit)) return true;
    return wants_execution && !(perspectives & (1 << type::PERSPECTIVE_EXECUTION)) &&
           (f.perspectives & (1 << type::PERSPECTIVE_EXECUTION));
  };
  auto open_needs = [&] {
    int needs = __builtin_popcount(query.desired_layers & ~layers);
    if (wants_execution && !(perspectives & (1 << type::PERSPECTIVE_EXECUTION))) ++needs;
    return needs;
  };

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
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    if (must_fill) {
      // Too few slots left for what is missing: take whoever fills a need.
      auto it = std::find_if(ranked.begin(), ranked.end(),
                             [&](const auto& e) { return fills_need(e.second); });
      if (it != ranked.end()) std::rotate(ranked.begin(), it, it + 1);
    }
    const size_t chosen = ranked.front().second;
    std::vector<std::string> why;
    gain(chosen, &why);
    if (why.empty()) why.push_back("strongest remaining match for the challenge");
    v1::TeamSlot* team_slot = response.add_slots();
    *team_slot->mutable_member() = ranking.Explain(pool[chosen]);
    team_slot->mutable_member()->set_score(pool[chosen].relevance());
    team_slot->mutable_member()->mutable_explanation()->mutable_components(4)->set_value(
        0);
    team_slot->set_reason(absl::StrJoin(why, "; "));
    for (size_t a = 1; a < ranked.size() && team_slot->alternates_size() < 2; ++a) {
      v1::ExpertMatch alt = ranking.Explain(pool[ranked[a].second]);
      alt.set_score(pool[ranked[a].second].relevance());
      alt.mutable_explanation()->mutable_components(4)->set_value(0);
      *team_slot->add_alternates() = std::move(alt);
    }
    used[chosen] = true;
    const DocInfo& f = snap.info(pool[chosen].doc);
    for (size_t j = 0; j < nskills; ++j)
      covered[j] = std::max(covered[j], cover[chosen][j]);
    layers |= 1u << f.layer;
    perspectives |= f.perspectives;
    ++per_org[f.organisation];
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
    response.add_notes(
        absl::StrCat("only ", response.slots_size(), " of ", team_size,
                     " places filled: no more matching experts with free hours "
                     "within the limit of ",
                     max_per_org, " per organisation"));
  }
  if (coverage->skills_missing_size() > 0) {
    response.add_notes(absl::StrCat("no suitable expert found for: ",
                                    absl::StrJoin(coverage->skills_missing(), ", ")));
  }
  for (int layer : coverage->layers_missing()) {
    response.add_notes(absl::StrCat("no matching expert with free hours from the ",
                                    type::GovernmentLayer_Name(layer), " layer"));
  }
  for (int p : coverage->perspectives_missing()) {
    response.add_notes(absl::StrCat("no matching expert with the ",
                                    type::Perspective_Name(p), " perspective"));
  }
  response.set_revision(state->revision);
  return response;
}

absl::StatusOr<v1::MatchTeamsResponse> Matcher::MatchTeams(
    const v1::MatchTeamsRequest& r, absl::string_view on_behalf_of) const {
  if (r.page_size() < 0 || r.page_size() > 100) {
    return InvalidField("page_size", "must be between 0 and 100 (0 means 5)");
  }
  const std::shared_ptr<const MatcherState> state = State();
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge(), on_behalf_of);
  if (!challenge.ok()) return challenge.status();
  const Query query = BuildQuery(*analyzer_, *challenge);
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
  absl::flat_hash_set<std::string> themes;
  for (const auto& t : challenge->themes()) themes.insert(absl::AsciiStrToLower(t));
  const std::vector<std::string> regions(challenge->region_codes().begin(),
                                         challenge->region_codes().end());

  struct Scored {
    const TeamEntry* team = nullptr;
    double text_raw = 0, themes = 0, region = 0;
    std::vector<std::pair<const QueryTerm*, double>> terms;
    std::vector<std::string> shared_themes;
    RegionMatch region_match;
  };
  std::vector<Scored> scored;
  double max_raw = 0;
  for (const auto& [name, entry] : teams) {
    Scored sc;
    sc.team = entry.get();
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
      if (best) {
        sc.text_raw += best_score;
        sc.terms.emplace_back(best, best_score);
      }
    }
    for (const auto& t : entry->team.themes()) {
      if (themes.contains(absl::AsciiStrToLower(t))) sc.shared_themes.push_back(t);
    }
    if (!themes.empty()) sc.themes = 0.15 * sc.shared_themes.size() / themes.size();
    sc.region_match = regions_.Match(
        regions, {entry->team.region_codes().begin(), entry->team.region_codes().end()},
        false);
    sc.region = 0.15 * kRegionScore[sc.region_match.kind];
    if (sc.text_raw <= 0 && sc.themes <= 0) continue;
    max_raw = std::max(max_raw, sc.text_raw);
    scored.push_back(std::move(sc));
  }
  const double scale = max_raw > 0 ? 0.7 / max_raw : 0;
  auto total = [&](const Scored& sc) {
    return sc.text_raw * scale + sc.themes + sc.region;
  };
  std::sort(scored.begin(), scored.end(), [&](const Scored& a, const Scored& b) {
    return total(a) > total(b) ||
           (total(a) == total(b) && a.team->team.name() < b.team->team.name());
  });
  const size_t k =
      std::min<size_t>(scored.size(), r.page_size() == 0 ? 5 : r.page_size());
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
    add("text", sc.text_raw * scale, absl::StrCat("shares ", absl::StrJoin(words, ", ")));
    add("themes", sc.themes, absl::StrJoin(sc.shared_themes, ", "));
    add("region", sc.region,
        sc.region_match.kind == RegionMatch::kNone
            ? "no regional link"
            : absl::StrCat(regions_.NameOf(sc.region_match.expert_code), " for ",
                           regions_.NameOf(sc.region_match.challenge_code)));
    e->set_summary(
        absl::StrCat(sc.team->team.display_name(), ": ", absl::StrJoin(words, ", ")));
  }
  response.set_revision(state->revision);
  return response;
}

}  // namespace samenspel::matching
