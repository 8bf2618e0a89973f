#include "matching-service/core/matcher.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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
    g = AddQueryText(analyzer, s.name(), static_cast<float>(1.0 + sq.weight), g, q.terms);
    AddQueryText(analyzer, s.name(), 1.0f, first, sq.terms);
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

// The pseudo term frequency of BM25F, split per field.
std::array<double, kNumFields> FieldParts(const FieldTf& tf, const ExpertFacts& f,
                                          const IndexSnapshot& s) {
  std::array<double, kNumFields> parts{};
  for (int i = 0; i < kNumFields; ++i) {
    if (tf[i] == 0) continue;
    const double norm =
        1.0 - kFieldB[i] + kFieldB[i] * f.field_length[i] / s.avg_length[i];
    parts[i] = kFieldWeight[i] * (tf[i] / 4.0) / norm;
  }
  return parts;
}

double Saturate(double tfw) { return tfw * (kK1 + 1) / (kK1 + tfw); }

struct Candidate {
  uint32_t doc = 0;
  double text_raw = 0;
  double text = 0, skills = 0, region = 0, availability = 0, diversity = 0;
  int free_hours = 0;
  double relevance() const { return text + skills + region + availability; }
  double score() const { return relevance() + diversity; }
};

// Per-thread scratch space for accumulating scores over all docs.
struct Scratch {
  std::vector<float> acc;
  std::vector<float> group_best;
  std::vector<uint32_t> group_stamp;
  std::vector<uint32_t> query_stamp;
  std::vector<uint32_t> touched;
  std::vector<uint32_t> group_touched;
  uint32_t stamp = 0;

  void Prepare(size_t n) {
    if (acc.size() < n) {
      acc.resize(n);
      group_best.resize(n);
      group_stamp.resize(n, 0);
      query_stamp.resize(n, 0);
    }
    touched.clear();
  }
};

class Ranking {
 public:
  Ranking(const MatcherState& state, const RegionTable& regions,
          const MatcherOptions& options, const Query& query)
      : state_(state), s_(*state.index), regions_(regions), o_(options), q_(query) {}

  // Scores every expert the query's text touches that passes the filters.
  // Scores every expert the query's text touches that passes the filters,
  // and returns those that can be among the `keep` most relevant: the
  // components besides text are computed for the `keep` best by text, and
  // then only for candidates whose text plus the most the other components
  // can add still beats the weakest of those (an exact cut).
  std::vector<Candidate> Score(const v1::MatchFilters& filters, size_t keep) {
    thread_local Scratch scratch;
    Scratch& sc = scratch;
    sc.Prepare(s_.doc_count());
    const uint32_t query_stamp = ++sc.stamp;
    size_t i = 0;
    while (i < q_.terms.size()) {
      const int group = q_.terms[i].group;
      const uint32_t group_stamp = ++sc.stamp;
      sc.group_touched.clear();
      for (; i < q_.terms.size() && q_.terms[i].group == group; ++i) {
        const QueryTerm& t = q_.terms[i];
        const double idf = Idf(s_, t.id) * t.weight;
        auto visit = [&](const Posting* begin, const Posting* end, uint32_t offset) {
          for (const Posting* p = begin; p != end; ++p) {
            const uint32_t doc = p->doc + offset;
            const auto parts = FieldParts(p->tf, s_.facts(doc), s_);
            const double score =
                idf * Saturate(parts[0] + parts[1] + parts[2] + parts[3]);
            if (sc.group_stamp[doc] != group_stamp) {
              sc.group_stamp[doc] = group_stamp;
              sc.group_best[doc] = static_cast<float>(score);
              sc.group_touched.push_back(doc);
            } else if (score > sc.group_best[doc]) {
              sc.group_best[doc] = static_cast<float>(score);
            }
          }
        };
        auto [b0, b1] = s_.base->Postings(t.id);
        if (b0) visit(b0, b1, 0);
        auto [d0, d1] = s_.delta->Postings(t.id);
        if (d0) visit(d0, d1, s_.base->size());
      }
      for (uint32_t doc : sc.group_touched) {
        if (sc.query_stamp[doc] != query_stamp) {
          sc.query_stamp[doc] = query_stamp;
          sc.acc[doc] = 0;
          sc.touched.push_back(doc);
        }
        sc.acc[doc] += sc.group_best[doc];
      }
    }
    std::vector<Candidate> out;
    double max_raw = 0;
    for (uint32_t doc : sc.touched) {
      if (!s_.alive(doc) || !Passes(doc, filters)) continue;
      Candidate c;
      c.doc = doc;
      c.text_raw = sc.acc[doc];
      max_raw = std::max(max_raw, c.text_raw);
      out.push_back(c);
    }
    max_text_raw_ = max_raw;
    const double text_weight =
        q_.skills.empty() ? o_.text_weight + o_.skills_weight : o_.text_weight;
    text_scale_ = max_raw > 0 ? text_weight / max_raw : 0;
    auto by_text = [](const Candidate& a, const Candidate& b) {
      return a.text_raw > b.text_raw || (a.text_raw == b.text_raw && a.doc < b.doc);
    };
    if (out.size() <= keep) {
      for (Candidate& c : out) Components(c);
      return out;
    }
    std::nth_element(out.begin(), out.begin() + keep, out.end(), by_text);
    double weakest = std::numeric_limits<double>::max();
    for (size_t i = 0; i < keep; ++i) {
      Components(out[i]);
      weakest = std::min(weakest, out[i].relevance());
    }
    const double other_max = (q_.skills.empty() ? 0 : o_.skills_weight) +
                             o_.region_weight + o_.availability_weight;
    size_t kept = keep;
    for (size_t i = keep; i < out.size(); ++i) {
      if (out[i].text_raw * text_scale_ + other_max < weakest) continue;
      Components(out[i]);
      out[kept++] = out[i];
    }
    out.resize(kept);
    return out;
  }

  void Components(Candidate& c) const {
    const ExpertFacts& f = s_.facts(c.doc);
    c.text = c.text_raw * text_scale_;
    c.skills = 0;
    for (const SkillMatch& m : BestSkills(f)) c.skills += m.contribution;
    const RegionMatch rm = regions_.Match(q_.regions, f.region_codes,
                                          f.layer == type::GOVERNMENT_LAYER_NATIONAL);
    c.region = o_.region_weight * kRegionScore[rm.kind];
    c.free_hours = FreeHours(f);
    c.availability = o_.availability_weight *
                     std::clamp(c.free_hours, 0, kFullAvailabilityHours) /
                     kFullAvailabilityHours;
  }

  int FreeHours(const ExpertFacts& f) const {
    auto it = state_.catalog->committed_hours.find(f.name);
    return f.available_hours -
           (it == state_.catalog->committed_hours.end() ? 0 : it->second);
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
    for (const auto& [term, index] : f.skill_terms) {
      auto it = q_.skill_terms.find(term);
      if (it == q_.skill_terms.end()) continue;
      for (const SkillHit& h : it->second)
        hits.push_back({h.skill, index, h.group, h.weight});
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
      const int level = f.skills[s].second;
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

  bool Passes(uint32_t doc, const v1::MatchFilters& filters) const {
    const ExpertFacts& f = s_.facts(doc);
    if (!f.consent && f.organisation != q_.challenge.owner_organisation()) return false;
    if (filters.layers_size() > 0 &&
        std::find(filters.layers().begin(), filters.layers().end(), f.layer) ==
            filters.layers().end()) {
      return false;
    }
    for (const auto& org : filters.exclude_organisations()) {
      if (org == f.organisation) return false;
    }
    if (filters.region_codes_size() > 0) {
      bool in_region = false;
      for (const auto& want : filters.region_codes()) {
        for (const auto& code : f.region_codes) {
          in_region = in_region || code == want || regions_.ProvinceOf(code) == want;
        }
      }
      if (!in_region) return false;
    }
    if (filters.min_available_hours() > 0 &&
        FreeHours(f) < filters.min_available_hours()) {
      return false;
    }
    return true;
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
    absl::flat_hash_map<std::string, int> per_org;
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
      const ExpertFacts& f = s_.facts(pool[best].doc);
      layers |= 1u << f.layer;
      perspectives |= f.perspectives;
      ++per_org[f.organisation];
      picked.push_back(pool[best]);
    }
    return picked;
  }

  double Diversity(const Candidate& c, uint32_t layers, uint8_t perspectives,
                   const absl::flat_hash_map<std::string, int>& per_org) const {
    const ExpertFacts& f = s_.facts(c.doc);
    double d = 0;
    const uint32_t layer_bit = 1u << f.layer;
    if ((q_.desired_layers & layer_bit) && !(layers & layer_bit)) d += o_.new_layer_bonus;
    if (f.perspectives & q_.desired_perspectives & ~perspectives)
      d += o_.new_perspective_bonus;
    auto it = per_org.find(f.organisation);
    if (it != per_org.end()) d -= o_.same_organisation_penalty * it->second;
    return d;
  }

  v1::ExpertMatch Explain(const Candidate& c) const {
    const ExpertFacts& f = s_.facts(c.doc);
    v1::ExpertMatch m;
    m.set_expert(f.name);
    m.set_display_name(f.display_name);
    m.set_organisation(f.organisation);
    m.set_layer(f.layer);
    m.set_score(c.score());
    for (int p = 1; p < 8; ++p) {
      if (f.perspectives & (1 << p))
        m.add_perspectives(static_cast<type::Perspective>(p));
    }
    m.set_available_hours_per_week(c.free_hours);
    v1::Explanation* e = m.mutable_explanation();

    // Text: per query word group, its best term, split over the fields.
    size_t i = 0;
    std::vector<std::string> words;
    while (i < q_.terms.size()) {
      const int group = q_.terms[i].group;
      const QueryTerm* best = nullptr;
      double best_score = 0;
      std::array<double, kNumFields> best_parts{};
      for (; i < q_.terms.size() && q_.terms[i].group == group; ++i) {
        const QueryTerm& t = q_.terms[i];
        const FieldTf* tf = s_.Find(t.id, c.doc);
        if (!tf) continue;
        const auto parts = FieldParts(*tf, f, s_);
        const double score = Idf(s_, t.id) * t.weight *
                             Saturate(parts[0] + parts[1] + parts[2] + parts[3]);
        if (score > best_score) {
          best = &t;
          best_score = score;
          best_parts = parts;
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
      auto* ms = e->add_matched_skills();
      ms->set_name(sq.name);
      ms->set_required_level(sq.min_level);
      ms->set_expert_skill(f.skills[sm.expert_skill].first);
      ms->set_expert_level(f.skills[sm.expert_skill].second);
      ms->set_coverage(sm.coverage);
      ms->set_contribution(sm.contribution);
      skill_notes.push_back(absl::StrCat(sq.name, " <- ", ms->expert_skill(), " (level ",
                                         ms->expert_level(), "/", sq.min_level, ")"));
    }
    add("skills", c.skills,
        skill_notes.empty() ? "no required skill covered"
                            : absl::StrJoin(skill_notes, "; "));
    const RegionMatch rm = regions_.Match(q_.regions, f.region_codes,
                                          f.layer == type::GOVERNMENT_LAYER_NATIONAL);
    static constexpr const char* kRegionText[] = {"no regional link", "national scope",
                                                  "same province", "same region"};
    add("region", c.region,
        rm.kind == RegionMatch::kNone
            ? kRegionText[0]
            : absl::StrCat(kRegionText[rm.kind], " (", regions_.NameOf(rm.expert_code),
                           " for ", regions_.NameOf(rm.challenge_code), ")"));
    add("availability", c.availability,
        absl::StrCat(c.free_hours, " h/week free of ", f.available_hours));
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
  const MatcherState& state_;
  const IndexSnapshot& s_;
  const RegionTable& regions_;
  const MatcherOptions& o_;
  const Query& q_;
  double max_text_raw_ = 0;
  double text_scale_ = 0;
};

absl::StatusOr<Challenge> Resolve(const MatcherState& state,
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

void Matcher::Load(const std::vector<registry::v1::Organisation>& organisations,
                   const std::vector<registry::v1::Expert>& experts,
                   const std::vector<registry::v1::TaskTeam>& teams,
                   const std::vector<registry::v1::Challenge>& challenges,
                   int64_t revision) {
  // Analysis dominates a cold start: spread it over the cores.
  std::vector<Segment::Doc> docs(experts.size());
  const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1,
                                            1 + experts.size() / 1000);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < experts.size(); i += threads)
        docs[i] = index_.Analyze(experts[i]);
    });
  }
  for (auto& th : pool) th.join();
  index_.Load(std::move(docs), revision);
  auto catalog = std::make_shared<Catalog>();
  for (const auto& o : organisations) {
    catalog->organisations[o.name()] =
        std::make_shared<const registry::v1::Organisation>(o);
  }
  for (const auto& t : teams) catalog->teams[t.name()] = AnalyzeTeam(t);
  for (const auto& c : challenges) {
    catalog->challenges[c.name()] = std::make_shared<const Challenge>(c);
  }
  catalog->RecomputeCommittedHours();
  catalog_ = catalog;
  Publish(catalog_, revision);
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
    const v1::MatchExpertsRequest& r) const {
  if (r.page_size() < 0 || r.page_size() > 200) {
    return InvalidField("page_size", "must be between 0 and 200 (0 means 10)");
  }
  const std::shared_ptr<const MatcherState> state = State();
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge());
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
    const v1::SuggestTeamRequest& r) const {
  if (r.team_size() < 0 || r.team_size() > 50) {
    return InvalidField("team_size",
                        "must be between 0 and 50 (0: the challenge's, else 5)");
  }
  if (r.max_per_organisation() < 0) {
    return InvalidField("max_per_organisation", "must not be negative (0 means 1)");
  }
  const std::shared_ptr<const MatcherState> state = State();
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge());
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
  absl::flat_hash_map<std::string, int> per_org;
  std::vector<bool> used(pool.size(), false);
  v1::SuggestTeamResponse response;

  auto gain = [&](size_t i, std::vector<std::string>* why) {
    const ExpertFacts& f = snap.facts(pool[i].doc);
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
            type::GovernmentLayer_Name(f.layer).substr(strlen("GOVERNMENT_LAYER_")),
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
    const ExpertFacts& f = snap.facts(pool[i].doc);
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
      auto it = per_org.find(snap.facts(pool[i].doc).organisation);
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
    const ExpertFacts& f = snap.facts(pool[chosen].doc);
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
    const v1::MatchTeamsRequest& r) const {
  if (r.page_size() < 0 || r.page_size() > 100) {
    return InvalidField("page_size", "must be between 0 and 100 (0 means 5)");
  }
  const std::shared_ptr<const MatcherState> state = State();
  absl::StatusOr<Challenge> challenge = Resolve(*state, r.challenge());
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
