#include "matching-service/core/expert_index.h"

#include <algorithm>
#include <cmath>

#include "absl/hash/hash.h"

namespace samenspel::matching {
namespace {

uint8_t AddTf(uint8_t tf, float weight) {
  const int quarters = static_cast<int>(std::lround(weight * 4));
  return static_cast<uint8_t>(std::min(255, tf + std::max(1, quarters)));
}

}  // namespace

TermId HashTerm(absl::string_view term) { return absl::HashOf(term); }

Segment::Segment(std::vector<Doc> docs) {
  facts_.reserve(docs.size());
  // Count postings per term, then place them (two passes keep it one array).
  absl::flat_hash_map<TermId, uint32_t> counts;
  size_t total = 0;
  for (const Doc& d : docs) {
    for (const auto& [term, tf] : d.terms) ++counts[term];
    total += d.terms.size();
  }
  postings_.resize(total);
  uint32_t offset = 0;
  ranges_.reserve(counts.size());
  for (const auto& [term, n] : counts) {
    ranges_[term] = {offset, offset};
    offset += n;
  }
  for (uint32_t doc = 0; doc < docs.size(); ++doc) {
    for (const auto& [term, tf] : docs[doc].terms) {
      auto& range = ranges_[term];
      postings_[range.second++] = Posting{doc, tf};
    }
    for (int f = 0; f < kNumFields; ++f)
      total_length_[f] += docs[doc].facts.field_length[f];
    facts_.push_back(std::move(docs[doc].facts));
  }
}

std::shared_ptr<const Segment> Segment::Merge(const Segment& a,
                                              const std::vector<bool>& a_dead,
                                              const Segment& b) {
  std::vector<Doc> docs;
  docs.reserve(a.size() + b.size());
  // Rebuild term lists from postings: one pass over each segment's postings.
  std::vector<uint32_t> new_id(a.size(), UINT32_MAX);
  for (uint32_t d = 0; d < a.size(); ++d) {
    if (a_dead[d]) continue;
    new_id[d] = docs.size();
    docs.push_back(Doc{a.facts_[d], {}});
  }
  const uint32_t b_offset = docs.size();
  for (uint32_t d = 0; d < b.size(); ++d) docs.push_back(Doc{b.facts_[d], {}});
  for (const auto& [term, range] : a.ranges_) {
    for (uint32_t i = range.first; i < range.second; ++i) {
      const Posting& p = a.postings_[i];
      if (new_id[p.doc] != UINT32_MAX) docs[new_id[p.doc]].terms.emplace_back(term, p.tf);
    }
  }
  for (const auto& [term, range] : b.ranges_) {
    for (uint32_t i = range.first; i < range.second; ++i) {
      const Posting& p = b.postings_[i];
      docs[b_offset + p.doc].terms.emplace_back(term, p.tf);
    }
  }
  return std::make_shared<const Segment>(std::move(docs));
}

std::pair<const Posting*, const Posting*> Segment::Postings(TermId term) const {
  auto it = ranges_.find(term);
  if (it == ranges_.end()) return {nullptr, nullptr};
  return {postings_.data() + it->second.first, postings_.data() + it->second.second};
}

const FieldTf* Segment::Find(TermId term, uint32_t doc) const {
  auto [begin, end] = Postings(term);
  if (begin == nullptr) return nullptr;
  const Posting* p = std::lower_bound(
      begin, end, doc, [](const Posting& p, uint32_t d) { return p.doc < d; });
  return p != end && p->doc == doc ? &p->tf : nullptr;
}

std::vector<std::pair<TermId, FieldTf>> Segment::TermsOf(uint32_t doc) const {
  std::vector<std::pair<TermId, FieldTf>> out;
  for (const auto& [term, range] : ranges_) {
    if (const FieldTf* tf = Find(term, doc)) out.emplace_back(term, *tf);
  }
  return out;
}

size_t IndexSnapshot::DocFreq(TermId term) const {
  auto [b0, b1] = base->Postings(term);
  auto [d0, d1] = delta->Postings(term);
  return (b1 - b0) + (d1 - d0);
}

const FieldTf* IndexSnapshot::Find(TermId term, uint32_t doc) const {
  return doc < base->size() ? base->Find(term, doc)
                            : delta->Find(term, doc - base->size());
}

ExpertIndex::ExpertIndex(const Analyzer* analyzer, ExpertIndexOptions options)
    : analyzer_(analyzer),
      options_(options),
      base_(std::make_shared<const Segment>()),
      base_dead_(std::make_shared<std::vector<bool>>()) {
  Publish(0);
}

Segment::Doc ExpertIndex::Analyze(const registry::v1::Expert& e) const {
  Segment::Doc doc;
  ExpertFacts& f = doc.facts;
  f.name = e.name();
  f.display_name = e.display_name();
  f.organisation = e.organisation();
  f.layer = e.layer();
  for (int p : e.perspectives()) {
    if (p > 0 && p < 8) f.perspectives |= 1 << p;
  }
  f.consent = e.consent_to_matching();
  f.available_hours = e.available_hours_per_week();
  f.region_codes.assign(e.region_codes().begin(), e.region_codes().end());

  absl::flat_hash_map<TermId, FieldTf> terms;
  thread_local std::vector<AnalyzedTerm> analyzed;
  auto add = [&](Field field, absl::string_view text, int skill_index) {
    analyzed.clear();
    analyzer_->AnalyzeDocument(text, &analyzed);
    for (const AnalyzedTerm& t : analyzed) {
      const TermId id = HashTerm(t.term);
      FieldTf& tf = terms[id];
      tf[field] = AddTf(tf[field], t.weight);
      f.field_length[field] += std::max(1, static_cast<int>(std::lround(t.weight * 4)));
      if (skill_index >= 0) f.skill_terms.emplace_back(id, skill_index);
    }
  };
  for (int i = 0; i < e.skills_size() && i < 255; ++i) {
    f.skills.emplace_back(e.skills(i).name(), e.skills(i).level());
    add(kSkills, e.skills(i).name(), i);
  }
  for (const auto& theme : e.themes()) add(kThemes, theme, -1);
  add(kJobTitle, e.job_title(), -1);
  add(kBio, e.bio(), -1);
  doc.terms.assign(terms.begin(), terms.end());
  return doc;
}

void ExpertIndex::Load(std::vector<Segment::Doc> docs, int64_t revision) {
  base_docs_.clear();
  for (uint32_t i = 0; i < docs.size(); ++i) base_docs_[docs[i].facts.name] = i;
  base_ = std::make_shared<const Segment>(std::move(docs));
  base_dead_ = std::make_shared<std::vector<bool>>(base_->size(), false);
  delta_docs_.clear();
  dead_count_ = 0;
  Publish(revision);
}

void ExpertIndex::Apply(std::vector<Update> updates, int64_t revision) {
  bool dead_copied = false;
  for (Update& u : updates) {
    auto in_base = base_docs_.find(u.name);
    if (in_base != base_docs_.end()) {
      if (!dead_copied) {
        // Readers may hold the published bitmap: change a copy.
        base_dead_ = std::make_shared<std::vector<bool>>(*base_dead_);
        dead_copied = true;
      }
      (*base_dead_)[in_base->second] = true;
      ++dead_count_;
      base_docs_.erase(in_base);
    }
    if (u.doc) {
      delta_docs_[u.name] = *std::move(u.doc);
    } else {
      delta_docs_.erase(u.name);
    }
  }
  if (delta_docs_.size() > options_.max_delta_docs ||
      delta_docs_.size() > base_->size() / 8 + 1000 ||
      dead_count_ > base_->size() / 4 + 1000) {
    // Merge: the live base docs plus the delta become the new base.
    std::vector<Segment::Doc> delta;
    delta.reserve(delta_docs_.size());
    for (auto& [name, doc] : delta_docs_) delta.push_back(std::move(doc));
    Segment delta_segment(std::move(delta));
    base_ = Segment::Merge(*base_, *base_dead_, delta_segment);
    base_docs_.clear();
    for (uint32_t i = 0; i < base_->size(); ++i) base_docs_[base_->facts(i).name] = i;
    base_dead_ = std::make_shared<std::vector<bool>>(base_->size(), false);
    delta_docs_.clear();
    dead_count_ = 0;
  }
  Publish(revision);
}

void ExpertIndex::Publish(int64_t revision) {
  auto snap = std::make_shared<IndexSnapshot>();
  snap->base = base_;
  std::vector<Segment::Doc> delta;
  delta.reserve(delta_docs_.size());
  for (const auto& [name, doc] : delta_docs_) delta.push_back(doc);
  snap->delta = std::make_shared<const Segment>(std::move(delta));
  snap->base_dead = base_dead_;
  snap->live_docs = base_->size() - dead_count_ + snap->delta->size();
  for (int f = 0; f < kNumFields; ++f) {
    const double total = base_->total_length()[f] + snap->delta->total_length()[f];
    const double n = base_->size() + snap->delta->size();
    snap->avg_length[f] = n > 0 ? std::max(1.0, total / n) : 1.0;
  }
  snap->revision = revision;
  absl::MutexLock lock(&mu_);
  snapshot_ = std::move(snap);
}

std::shared_ptr<const IndexSnapshot> ExpertIndex::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

}  // namespace samenspel::matching
