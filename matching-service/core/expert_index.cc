#include "matching-service/core/expert_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

namespace samenspel::matching {
namespace {

uint8_t Quarters(float weight) {
  return static_cast<uint8_t>(std::clamp<long>(std::lround(weight * 4), 1, 255));
}

uint8_t AddTf(uint8_t tf, uint8_t quarters) {
  return static_cast<uint8_t>(std::min(255, tf + quarters));
}

}  // namespace

TextFormula::TextFormula(const AverageLengths& avg_length) {
  for (int f = 0; f < kNumFields; ++f) {
    weight_[f] = static_cast<float>(kFieldWeight[f] / 4.0);  // tf in quarters
    a_[f] = static_cast<float>(1.0 - kFieldB[f]);
    b_[f] = static_cast<float>(kFieldB[f] / avg_length[f]);
  }
}

float TextFormula::Parts(const FieldTf& tf, const FieldLengths& len, float* parts) const {
  float sum = 0;
  for (int f = 0; f < kNumFields; ++f) {
    parts[f] = tf[f] == 0 ? 0.0f : tf[f] * (weight_[f] / (a_[f] + b_[f] * len[f]));
    sum += parts[f];
  }
  return sum;
}

uint16_t TextFormula::Impact(const FieldTf& tf, const FieldLengths& len) const {
  float parts[kNumFields];
  const float saturated = Saturate(Parts(tf, len, parts));
  const long units = std::lround(std::ceil(saturated / kImpactUnit));
  const auto impact = static_cast<uint16_t>(std::clamp<long>(units, 1, kImpactMask));
  return tf[kSkills] > 0 ? impact | kSkillBit : impact;
}

uint64_t ExpertIndex::NextInstance() {
  static std::atomic<uint64_t> next{1};
  return next++;
}

void Segment::AddFacts(const Doc& doc) {
  info_.push_back(doc.info);
  FieldLengths lengths;
  for (int f = 0; f < kNumFields; ++f) {
    lengths[f] = static_cast<uint16_t>(std::min<uint32_t>(doc.field_length[f], 65535));
    total_length_[f] += lengths[f];
    max_length_[f] = std::max(max_length_[f], lengths[f]);
  }
  lengths_.push_back(lengths);
  names_.append(doc.name);
  name_offsets_.push_back(names_.size());
  names_.append(doc.display_name);
  name_offsets_.push_back(names_.size());
  regions_.insert(regions_.end(), doc.regions.begin(), doc.regions.end());
  region_offsets_.push_back(regions_.size());
  skills_.insert(skills_.end(), doc.skills.begin(), doc.skills.end());
  skill_offsets_.push_back(skills_.size());
}

void Segment::SetReference(const AverageLengths* reference) {
  if (reference != nullptr) {
    reference_ = *reference;
    return;
  }
  for (int f = 0; f < kNumFields; ++f) {
    reference_[f] =
        size() > 0 ? std::max(1.0, static_cast<double>(total_length_[f]) / size()) : 1.0;
  }
}

void Segment::CopyFacts(const Segment& from, uint32_t doc) {
  const ExpertFacts f = from.facts(doc);
  info_.push_back(f.info);
  lengths_.push_back(from.lengths_[doc]);
  for (int i = 0; i < kNumFields; ++i) {
    total_length_[i] += from.lengths_[doc][i];
    max_length_[i] = std::max(max_length_[i], from.lengths_[doc][i]);
  }
  names_.append(f.name.data(), f.name.size());
  name_offsets_.push_back(names_.size());
  names_.append(f.display_name.data(), f.display_name.size());
  name_offsets_.push_back(names_.size());
  regions_.insert(regions_.end(), f.regions.begin(), f.regions.end());
  region_offsets_.push_back(regions_.size());
  skills_.insert(skills_.end(), f.skills.begin(), f.skills.end());
  skill_offsets_.push_back(skills_.size());
}

void Segment::Builder::Add(Doc doc) {
  segment_->AddFacts(doc);
  for (const auto& [term, tf] : doc.terms) {
    auto [it, added] = dense_.try_emplace(term, term_ids_.size());
    if (added) {
      term_ids_.push_back(term);
      term_counts_.push_back(0);
    }
    ++term_counts_[it->second];
    if ((entries_ & (kBlockSize - 1)) == 0) {
      blocks_.emplace_back(static_cast<Entry*>(AllocateHugePageAligned(
          kBlockSize * sizeof(Entry), /*advise=*/!blocks_.empty())));
    }
    blocks_.back()[entries_ & (kBlockSize - 1)] = Entry{it->second, tf};
    ++entries_;
  }
  entry_offsets_.push_back(entries_);
}

std::shared_ptr<const Segment> Segment::Builder::Finish(const AverageLengths* reference) {
  Segment& s = *segment_;
  s.SetReference(reference);
  const TextFormula formula(s.reference_);
  // Counting sort of the (doc, term) entries into per-term runs.
  std::vector<uint32_t> next(term_ids_.size());
  uint32_t offset = 0;
  s.ranges_.reserve(term_ids_.size());
  for (uint32_t t = 0; t < term_ids_.size(); ++t) {
    next[t] = offset;
    s.ranges_[term_ids_[t]] = {offset, offset + term_counts_[t], 0};
    offset += term_counts_[t];
  }
  s.docs_.resize(entries_);
  s.impacts_.resize(entries_);
  s.tfs_.resize(entries_);
  const uint32_t docs = static_cast<uint32_t>(entry_offsets_.size() - 1);
  const auto entry = [&](uint32_t i) -> const Entry& {
    return blocks_[i >> kBlockBits][i & (kBlockSize - 1)];
  };
  // Places the entries of docs [first, last), each at next[its term]++.
  // With `release`, frees each block once all its entries are placed.
  const auto place = [&](uint32_t first, uint32_t last, std::vector<uint32_t>& next,
                         bool release) {
    uint32_t freed = 0;  // blocks_[0, freed) are released
    for (uint32_t doc = first; doc < last; ++doc) {
      for (uint32_t i = entry_offsets_[doc]; i < entry_offsets_[doc + 1]; ++i) {
        const Entry& e = entry(i);
        const uint32_t at = next[e.term]++;
        s.docs_[at] = doc;
        s.impacts_[at] = formula.Impact(e.tf, s.lengths_[doc]);
        s.tfs_[at] = e.tf;
      }
      if (!release) continue;
      while (freed < (entry_offsets_[doc + 1] >> kBlockBits)) blocks_[freed++].reset();
    }
  };
  // A large segment (a snapshot) is placed by two threads: this one the
  // first half of the docs, a second one the rest, starting each term after
  // the first half's entries of it (which it counts first). Before that, each
  // thread writes zeros over half of the arrays: fresh pages are dear to
  // fault in (huge_pages.h), far less so in order than at random. The facts
  // keep their spare capacity: pages never written are not resident, and
  // trimming them copied ~100 MB at 1M experts on this serial path.
  const bool split = entries_ >= kSplitFinishEntries && docs >= 2 &&
                     std::thread::hardware_concurrency() > 1;
  if (!split) {
    place(0, docs, next, true);
  } else {
    const uint32_t mid = docs / 2;
    const auto touch = [&](uint32_t begin, uint32_t end) {
      std::memset(s.docs_.data() + begin, 0, (end - begin) * sizeof(s.docs_[0]));
      std::memset(s.impacts_.data() + begin, 0, (end - begin) * sizeof(s.impacts_[0]));
      std::memset(s.tfs_.data() + begin, 0, (end - begin) * sizeof(s.tfs_[0]));
    };
    std::vector<uint32_t> second_next = next;
    std::thread second([&] {
      touch(entries_ / 2, entries_);
      for (uint32_t i = 0; i < entry_offsets_[mid]; ++i) ++second_next[entry(i).term];
    });
    touch(0, entries_ / 2);
    second.join();
    second = std::thread([&] { place(mid, docs, second_next, false); });
    place(0, mid, next, false);
    second.join();
  }
  s.SetMaxImpacts();
  blocks_.clear();
  blocks_.shrink_to_fit();
  entries_ = 0;
  std::vector<uint32_t>{0}.swap(entry_offsets_);
  std::vector<TermId>().swap(term_ids_);
  std::vector<uint32_t>().swap(term_counts_);
  absl::flat_hash_map<TermId, uint32_t>().swap(dense_);
  std::shared_ptr<const Segment> out = std::move(segment_);
  segment_ = std::make_shared<Segment>();
  return out;
}

std::shared_ptr<const Segment> Segment::Build(std::vector<Doc> docs,
                                              const AverageLengths* reference) {
  Builder builder;
  for (Doc& d : docs) builder.Add(std::move(d));
  return builder.Finish(reference);
}

std::shared_ptr<const Segment> Segment::Merge(const Segment& a,
                                              const std::vector<bool>& a_dead,
                                              const Segment& b,
                                              const AverageLengths* reference) {
  auto out = std::make_shared<Segment>();
  Segment& s = *out;
  std::vector<uint32_t> new_id(a.size(), UINT32_MAX);
  uint32_t live = 0;
  for (uint32_t d = 0; d < a.size(); ++d) live += !a_dead[d];
  s.info_.reserve(live + b.size());
  s.lengths_.reserve(live + b.size());
  for (uint32_t d = 0; d < a.size(); ++d) {
    if (a_dead[d]) continue;
    new_id[d] = s.size();
    s.CopyFacts(a, d);
  }
  const uint32_t b_offset = s.size();
  for (uint32_t d = 0; d < b.size(); ++d) s.CopyFacts(b, d);
  s.SetReference(reference);
  const TextFormula formula(s.reference_);
  const bool recompute_a = a.reference_ != s.reference_;
  const bool recompute_b = b.reference_ != s.reference_;

  const size_t capacity = a.docs_.size() + b.docs_.size();
  s.docs_.reserve(capacity);
  s.impacts_.reserve(capacity);
  s.tfs_.reserve(capacity);
  s.ranges_.reserve(a.ranges_.size() + b.ranges_.size());
  auto push = [&](uint32_t doc, uint16_t impact, const FieldTf& tf, bool recompute) {
    s.docs_.push_back(doc);
    s.impacts_.push_back(recompute ? formula.Impact(tf, s.lengths_[doc]) : impact);
    s.tfs_.push_back(tf);
  };
  auto append_b = [&](TermId term) {
    auto it = b.ranges_.find(term);
    if (it == b.ranges_.end()) return;
    for (uint32_t i = it->second.begin; i < it->second.end; ++i) {
      push(b.docs_[i] + b_offset, b.impacts_[i], b.tfs_[i], recompute_b);
    }
  };
  for (const auto& [term, range] : a.ranges_) {
    const uint32_t begin = s.docs_.size();
    for (uint32_t i = range.begin; i < range.end; ++i) {
      const uint32_t doc = new_id[a.docs_[i]];
      if (doc != UINT32_MAX) push(doc, a.impacts_[i], a.tfs_[i], recompute_a);
    }
    append_b(term);
    if (s.docs_.size() > begin) s.ranges_[term] = {begin, uint32_t(s.docs_.size()), 0};
  }
  for (const auto& [term, range] : b.ranges_) {
    if (a.ranges_.contains(term)) continue;
    const uint32_t begin = s.docs_.size();
    append_b(term);
    s.ranges_[term] = {begin, uint32_t(s.docs_.size()), 0};
  }
  s.SetMaxImpacts();
  if (s.docs_.capacity() > s.docs_.size() + s.docs_.size() / 8) {
    s.docs_.shrink_to_fit();
    s.impacts_.shrink_to_fit();
    s.tfs_.shrink_to_fit();
  }
  return out;
}

PostingList Segment::Postings(TermId term) const {
  auto it = ranges_.find(term);
  if (it == ranges_.end()) return {};
  const TermRange& r = it->second;
  return PostingList{docs_.data() + r.begin, impacts_.data() + r.begin,
                     tfs_.data() + r.begin, r.end - r.begin, r.max_impact};
}

std::optional<uint32_t> Segment::FindName(absl::string_view name) const {
  absl::call_once(by_name_once_, [this] {
    by_name_.resize(size());
    for (uint32_t d = 0; d < size(); ++d) by_name_[d] = d;
    // By name, then the later doc first.
    std::sort(by_name_.begin(), by_name_.end(), [this](uint32_t a, uint32_t b) {
      const int c = this->name(a).compare(this->name(b));
      return c < 0 || (c == 0 && a > b);
    });
  });
  auto it = std::lower_bound(
      by_name_.begin(), by_name_.end(), name,
      [this](uint32_t doc, absl::string_view n) { return this->name(doc) < n; });
  if (it == by_name_.end() || this->name(*it) != name) return std::nullopt;
  return *it;
}

void Segment::SetMaxImpacts() {
  for (auto& [term, range] : ranges_) {
    uint16_t max = 0;
    for (uint32_t i = range.begin; i < range.end; ++i) {
      max = std::max<uint16_t>(max, impacts_[i] & TextFormula::kImpactMask);
    }
    range.max_impact = max;
  }
}

bool Segment::Find(TermId term, uint32_t doc, FieldTf* tf, uint16_t* impact) const {
  return Postings(term).Find(doc, tf, impact);
}

size_t IndexSnapshot::DocFreq(TermId term) const {
  return base->Postings(term).size + delta->Postings(term).size;
}

std::optional<uint32_t> IndexSnapshot::FindName(absl::string_view name) const {
  if (std::optional<uint32_t> d = delta->FindName(name)) return base->size() + *d;
  std::optional<uint32_t> b = base->FindName(name);
  if (b && alive(*b)) return b;
  return std::nullopt;
}

uint16_t IndexSnapshot::MaxImpact(TermId term) const {
  return std::max(base->Postings(term).max_impact, delta->Postings(term).max_impact);
}

ExpertIndex::ExpertIndex(const Analyzer* analyzer, ExpertIndexOptions options)
    : analyzer_(analyzer),
      options_(options),
      instance_(NextInstance()),
      vocabulary_(std::make_shared<Vocabulary>()),
      base_(std::make_shared<const Segment>()),
      base_dead_(std::make_shared<std::vector<bool>>()),
      delta_(std::make_shared<const Segment>()) {
  Publish(0);
}

Segment::Doc ExpertIndex::Analyze(const registry::v1::Expert& e) const {
  Segment::Doc doc;
  doc.name = e.name();
  doc.display_name = e.display_name();
  DocInfo& info = doc.info;
  info.organisation = vocabulary_->organisations.Intern(
      e.organisation(), [](absl::string_view) { return Vocabulary::None{}; });
  info.layer = static_cast<uint8_t>(e.layer());
  for (int p : e.perspectives()) {
    if (p > 0 && p < 8) info.perspectives |= 1 << p;
  }
  info.consent = e.consent_to_matching();
  info.shares_contact = e.share_contact_details();
  info.available_hours = e.available_hours_per_week();
  doc.regions.reserve(e.region_codes_size());
  for (const std::string& code : e.region_codes()) {
    doc.regions.push_back(vocabulary_->regions.Intern(
        code, [](absl::string_view) { return Vocabulary::None{}; }));
  }

  thread_local absl::flat_hash_map<TermId, FieldTf> terms;
  terms.clear();
  auto add_terms = [&](Field field, const std::vector<std::pair<TermId, uint8_t>>& list) {
    for (const auto& [term, q] : list) {
      FieldTf& tf = terms[term];
      tf[field] = AddTf(tf[field], q);
      doc.field_length[field] += q;
    }
  };
  auto analyse = [&](absl::string_view text,
                     std::vector<std::pair<TermId, uint8_t>>& out) {
    analyzer_->ForEachDocumentTerm(text,
                                   [&](absl::string_view, size_t hash, float weight) {
                                     out.emplace_back(hash, Quarters(weight));
                                   });
  };
  // Themes and job titles repeat across experts: each thread keeps the
  // analysis of the ones it saw (analysis of a text depends on that text
  // only), up to kMaxCachedShortFields of them.
  constexpr size_t kMaxCachedShortFields = 1 << 14;
  thread_local absl::flat_hash_map<std::string, std::vector<std::pair<TermId, uint8_t>>>
      short_fields;
  thread_local uint64_t cached_for = 0;
  if (cached_for != instance_) {
    short_fields.clear();
    cached_for = instance_;
  }
  thread_local std::vector<std::pair<TermId, uint8_t>> scratch;
  auto add = [&](Field field, absl::string_view text) {
    if (field != kBio && text.size() < 64) {
      auto it = short_fields.find(text);
      if (it == short_fields.end() && short_fields.size() < kMaxCachedShortFields) {
        it = short_fields
                 .emplace(std::string(text), std::vector<std::pair<TermId, uint8_t>>())
                 .first;
        analyse(text, it->second);
      }
      if (it != short_fields.end()) return add_terms(field, it->second);
    }
    scratch.clear();
    analyse(text, scratch);
    add_terms(field, scratch);
  };
  // A skill name is analysed once per index, when first seen.
  auto analyse_skill = [&](absl::string_view name) {
    SkillTerms out;
    std::vector<AnalyzedTerm> skill_terms;
    analyzer_->AnalyzeDocument(name, &skill_terms);
    for (const AnalyzedTerm& t : skill_terms) {
      out.terms.emplace_back(HashTerm(t.term), Quarters(t.weight));
      out.coverage.push_back(t.head ? SkillTerms::kHeadCoverage : 1.0f);
    }
    return out;
  };
  const int skills = std::min(e.skills_size(), 255);
  doc.skills.reserve(skills);
  for (int i = 0; i < skills; ++i) {
    const uint32_t id = vocabulary_->skills.Intern(e.skills(i).name(), analyse_skill);
    doc.skills.push_back(PackSkill(id, e.skills(i).level()));
    for (const auto& [term, q] : vocabulary_->skills.value(id).terms) {
      FieldTf& tf = terms[term];
      tf[kSkills] = AddTf(tf[kSkills], q);
      doc.field_length[kSkills] += q;
    }
  }
  for (const auto& theme : e.themes()) add(kThemes, theme);
  add(kJobTitle, e.job_title());
  add(kBio, e.bio());
  doc.terms.assign(terms.begin(), terms.end());
  return doc;
}

ExpertIndex::NameMap ExpertIndex::NamesOf(const Segment& segment, size_t reserve) {
  NameMap out;
  out.reserve(std::max(reserve, segment.size()));
  for (uint32_t d = 0; d < segment.size(); ++d) out.insert_or_assign(segment.name(d), d);
  return out;
}

void ExpertIndex::Load(std::shared_ptr<const Segment> base, int64_t revision) {
  base_docs_.clear();
  base_ = std::move(base);
  base_docs_ = NamesOf(*base_, 0);
  base_dead_ = std::make_shared<std::vector<bool>>(base_->size(), false);
  dead_count_ = 0;
  // A name listed twice (an expert that moved while the snapshot was read):
  // the last copy is the one kept.
  if (base_docs_.size() < base_->size()) {
    for (uint32_t d = 0; d < base_->size(); ++d) {
      if (base_docs_.at(base_->name(d)) != d) {
        (*base_dead_)[d] = true;
        ++dead_count_;
      }
    }
  }
  delta_ = std::make_shared<const Segment>();
  delta_docs_.clear();
  Publish(revision);
}

void ExpertIndex::Apply(std::vector<Update> updates, int64_t revision) {
  // The last update of each name wins.
  absl::flat_hash_map<absl::string_view, size_t> last;
  for (size_t i = 0; i < updates.size(); ++i) last[updates[i].name] = i;
  std::vector<bool> delta_dead(delta_->size(), false);
  std::vector<Segment::Doc> added;
  bool dead_copied = false;
  for (size_t i = 0; i < updates.size(); ++i) {
    Update& u = updates[i];
    if (last[u.name] != i) continue;
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
    auto in_delta = delta_docs_.find(u.name);
    if (in_delta != delta_docs_.end()) delta_dead[in_delta->second] = true;
    if (u.doc) added.push_back(*std::move(u.doc));
  }
  // Delta impacts use the base's average lengths (its own while the base is
  // empty), so scores stay comparable across the two segments.
  const AverageLengths* reference = base_->size() > 0 ? &base_->reference() : nullptr;
  delta_ = Segment::Merge(*delta_, delta_dead,
                          *Segment::Build(std::move(added), reference), reference);
  delta_docs_ = NamesOf(*delta_, 0);
  if (delta_->size() > options_.max_delta_docs ||
      delta_->size() > base_->size() / 8 + 1000 ||
      dead_count_ > base_->size() / 4 + 1000) {
    // Merge: the live base docs plus the delta become the new base.
    base_docs_.clear();
    base_ = Segment::Merge(*base_, *base_dead_, *delta_);
    base_docs_ = NamesOf(*base_, 0);
    base_dead_ = std::make_shared<std::vector<bool>>(base_->size(), false);
    delta_ = std::make_shared<const Segment>();
    delta_docs_.clear();
    dead_count_ = 0;
  }
  Publish(revision);
}

void ExpertIndex::Publish(int64_t revision) {
  auto snap = std::make_shared<IndexSnapshot>();
  snap->vocabulary = vocabulary_;
  snap->base = base_;
  snap->delta = delta_;
  snap->base_dead = base_dead_;
  snap->live_docs = base_->size() - dead_count_ + delta_->size();
  snap->avg_length = delta_->size() > 0 ? delta_->reference() : base_->reference();
  snap->revision = revision;
  absl::MutexLock lock(&mu_);
  snapshot_ = std::move(snap);
}

std::shared_ptr<const IndexSnapshot> ExpertIndex::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

}  // namespace samenspel::matching
