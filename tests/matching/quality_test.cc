// Ranking quality on the labelled set in tests/quality: nDCG@10 and
// recall@10 of MatchExperts, next to a plain BM25 (lower-cased words, no
// stemming, compounds or synonyms) over the same fields as the baseline.
// Fails when the service falls below the thresholds set from measurement.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "matching-service/core/matcher.h"

namespace samenspel::matching {
namespace {

namespace rv1 = ::samenspel::registry::v1;

// Thresholds from measurement: on 2026-11-28 the service scored nDCG@10
// 0.857 and recall@10 0.931 (plain BM25: 0.773 and 0.853). They sit a few
// points below, to catch real regressions, not noise from tuning.
constexpr double kMinNdcgAt10 = 0.82;
constexpr double kMinRecallAt10 = 0.88;

template <typename Message>
std::vector<Message> ReadJsonl(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<Message> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Message m;
    auto s = google::protobuf::util::JsonStringToMessage(line, &m);
    EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
    out.push_back(std::move(m));
  }
  return out;
}

struct Judged {
  std::map<std::string, std::map<std::string, int>>
      grades;  // challenge -> expert -> grade
};

Judged ReadJudgements(const std::string& path) {
  std::ifstream in(path);
  Judged j;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() == 3) j.grades[cols[0]][cols[1]] = std::stoi(cols[2]);
  }
  return j;
}

struct Scores {
  double ndcg = 0;
  double recall = 0;
};

Scores Evaluate(const std::vector<std::string>& ranked,
                const std::map<std::string, int>& grades) {
  double dcg = 0;
  for (size_t i = 0; i < ranked.size() && i < 10; ++i) {
    auto it = grades.find(ranked[i]);
    if (it != grades.end()) dcg += (std::pow(2.0, it->second) - 1) / std::log2(i + 2.0);
  }
  std::vector<int> ideal;
  for (const auto& [e, g] : grades) ideal.push_back(g);
  std::sort(ideal.rbegin(), ideal.rend());
  double idcg = 0;
  for (size_t i = 0; i < ideal.size() && i < 10; ++i) {
    idcg += (std::pow(2.0, ideal[i]) - 1) / std::log2(i + 2.0);
  }
  int relevant = 0, found = 0;
  for (const auto& [e, g] : grades) relevant += g >= 2;
  for (size_t i = 0; i < ranked.size() && i < 10; ++i) {
    auto it = grades.find(ranked[i]);
    found += it != grades.end() && it->second >= 2;
  }
  Scores s;
  s.ndcg = idcg > 0 ? dcg / idcg : 0;
  s.recall = relevant > 0 ? static_cast<double>(found) / std::min(10, relevant) : 0;
  return s;
}

std::vector<std::string> Words(absl::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || (c & 0x80)) {
      word += absl::ascii_tolower(static_cast<unsigned char>(c));
    } else if (!word.empty()) {
      out.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

// Plain BM25 over skills, themes, job title and bio as one field.
class PlainBm25 {
 public:
  explicit PlainBm25(const std::vector<rv1::Expert>& experts) : experts_(experts) {
    for (size_t d = 0; d < experts.size(); ++d) {
      const auto& e = experts[d];
      std::string text = e.job_title() + " " + e.bio();
      for (const auto& s : e.skills()) text += " " + s.name();
      for (const auto& t : e.themes()) text += " " + t;
      std::vector<std::string> words = Words(text);
      lengths_.push_back(words.size());
      absl::flat_hash_map<std::string, int> tf;
      for (const auto& w : words) ++tf[w];
      for (const auto& [w, n] : tf) postings_[w].push_back({static_cast<uint32_t>(d), n});
    }
    double total = 0;
    for (int l : lengths_) total += l;
    avg_ = total / std::max<size_t>(1, lengths_.size());
  }

  std::vector<std::string> Search(const rv1::Challenge& c) const {
    std::string text = c.title() + " " + c.description();
    for (const auto& s : c.required_skills()) text += " " + s.name();
    for (const auto& t : c.themes()) text += " " + t;
    std::set<std::string> terms;
    for (const auto& w : Words(text)) terms.insert(w);
    std::vector<double> score(experts_.size(), 0);
    const double n = experts_.size();
    for (const auto& t : terms) {
      auto it = postings_.find(t);
      if (it == postings_.end()) continue;
      const double df = it->second.size();
      const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
      for (const auto& [d, tf] : it->second) {
        score[d] += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * lengths_[d] / avg_));
      }
    }
    std::vector<std::pair<double, uint32_t>> ranked;
    for (uint32_t d = 0; d < score.size(); ++d) {
      const auto& e = experts_[d];
      if (score[d] > 0 &&
          (e.consent_to_matching() || e.organisation() == c.owner_organisation())) {
        ranked.push_back({score[d], d});
      }
    }
    std::sort(ranked.begin(), ranked.end(), [](auto a, auto b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    std::vector<std::string> out;
    for (size_t i = 0; i < ranked.size() && i < 10; ++i) {
      out.push_back(experts_[ranked[i].second].name());
    }
    return out;
  }

 private:
  const std::vector<rv1::Expert>& experts_;
  absl::flat_hash_map<std::string, std::vector<std::pair<uint32_t, int>>> postings_;
  std::vector<int> lengths_;
  double avg_ = 1;
};

TEST(QualityTest, NdcgAndRecallAt10OnTheLabelledSet) {
  const std::string dir = SAMENSPEL_QUALITY_DIR;
  auto orgs = ReadJsonl<rv1::Organisation>(dir + "/organisations.jsonl");
  auto experts = ReadJsonl<rv1::Expert>(dir + "/experts.jsonl");
  auto challenges = ReadJsonl<rv1::Challenge>(dir + "/challenges.jsonl");
  const Judged judged = ReadJudgements(dir + "/judgements.tsv");
  ASSERT_GE(experts.size(), 1000u);
  ASSERT_GE(challenges.size(), 40u);
  absl::flat_hash_map<std::string, samenspel::type::v1::GovernmentLayer> layer;
  for (const auto& o : orgs) layer[o.name()] = o.layer();
  for (auto& e : experts) e.set_layer(layer[e.organisation()]);

  auto analyzer = Analyzer::Create({});
  ASSERT_TRUE(analyzer.ok()) << analyzer.status();
  auto regions = RegionTable::Load(AnalyzerOptions::DefaultDataDir() + "/regions.tsv");
  ASSERT_TRUE(regions.ok());
  Matcher matcher(analyzer->get(), *regions, MatcherOptions{});
  matcher.Load(orgs, experts, {}, challenges, 1);
  PlainBm25 baseline(experts);

  Scores service_sum, baseline_sum;
  for (const auto& c : challenges) {
    const auto& grades = judged.grades.at(c.name());
    v1::MatchExpertsRequest req;
    req.mutable_challenge()->set_name(c.name());
    req.set_page_size(10);
    auto r = matcher.MatchExperts(req);
    ASSERT_TRUE(r.ok()) << r.status();
    std::vector<std::string> ranked;
    for (const auto& m : r->matches()) ranked.push_back(m.expert());
    const Scores s = Evaluate(ranked, grades);
    const Scores b = Evaluate(baseline.Search(c), grades);
    std::printf(
        "%-48s service nDCG %.3f recall %.3f | plain BM25 nDCG %.3f recall %.3f\n",
        c.name().c_str(), s.ndcg, s.recall, b.ndcg, b.recall);
    service_sum.ndcg += s.ndcg;
    service_sum.recall += s.recall;
    baseline_sum.ndcg += b.ndcg;
    baseline_sum.recall += b.recall;
  }
  const double n = challenges.size();
  std::printf(
      "\nMEAN over %zu challenges: service nDCG@10 %.3f recall@10 %.3f | "
      "plain BM25 nDCG@10 %.3f recall@10 %.3f\n",
      challenges.size(), service_sum.ndcg / n, service_sum.recall / n,
      baseline_sum.ndcg / n, baseline_sum.recall / n);
  EXPECT_GE(service_sum.ndcg / n, kMinNdcgAt10);
  EXPECT_GE(service_sum.recall / n, kMinRecallAt10);
  EXPECT_GT(service_sum.ndcg, baseline_sum.ndcg);
}

}  // namespace
}  // namespace samenspel::matching
