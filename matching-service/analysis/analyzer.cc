#include "matching-service/analysis/analyzer.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "matching-service/analysis/stemmer.h"
#include "matching-service/analysis/stop_words.h"
#include "matching-service/analysis/tokenizer.h"

namespace samenspel::matching {

// The stems a word may be indexed under (see "Two languages" in analyzer.h).
struct Analyzer::Stems {
  std::string dutch;
  std::string english;  // empty when dutch_only
  bool dutch_only = false;
  size_t dutch_hash = 0;    // TermHash(dutch)
  size_t english_hash = 0;  // TermHash(english)
};

// Everything about one distinct folded word; computed once per thread.
struct Analyzer::WordInfo {
  uint8_t stop_languages = 0;  // non-zero: a stop word, nothing else is set
  Stems stems;
  std::vector<Stems> parts;         // compound parts; empty when not a compound
  std::vector<int> starts_phrases;  // ids of the phrases that may start here
};

// A multi-word entry of the synonym file.
struct Analyzer::Phrase {
  std::string term;                                  // folded words joined by ' '
  size_t hash;                                       // TermHash(term)
  std::vector<std::vector<std::string>> word_stems;  // the stems of each word
  std::vector<int> groups;                           // synonym groups it is in
};

// Scratch space and word cache of one call at a time.
struct Analyzer::ThreadState {
  // node_hash_map: WordInfo addresses stay valid while a text is analysed.
  absl::node_hash_map<std::string, WordInfo> words;
  // Words of the current text that did not fit in `words` any more.
  std::deque<WordInfo> uncached;
  std::vector<Token> tokens;
  std::string folded;
  std::vector<const WordInfo*> infos;  // per token
};

enum class Analyzer::Mode { kDutch, kEnglish, kBoth };

// A state borrowed from an Analyzer's states_ for one call, given back when
// the lease goes. Movable.
class Analyzer::StateLease {
 public:
  explicit StateLease(const Analyzer* analyzer) : analyzer_(analyzer) {
    {
      absl::MutexLock lock(&analyzer->states_mu_);
      if (analyzer->states_.empty()) {
        ++analyzer->states_made_;
      } else {
        state_ = std::move(analyzer->states_.back());
        analyzer->states_.pop_back();
      }
    }
    if (state_ == nullptr) state_ = std::make_unique<ThreadState>();
  }
  StateLease(StateLease&& other) noexcept = default;
  StateLease& operator=(StateLease&&) = delete;
  ~StateLease() {
    if (state_ == nullptr) return;
    absl::MutexLock lock(&analyzer_->states_mu_);
    analyzer_->states_.push_back(std::move(state_));
  }

  ThreadState& operator*() const { return *state_; }

 private:
  const Analyzer* analyzer_;
  std::unique_ptr<ThreadState> state_;
};

namespace {

// A stop word written in capitals in text that is not all capitals ("IT",
// "OM" for the Openbaar Ministerie), or as the whole text (a skill "IT"), is
// an abbreviation: a term like any other, kept as written (not stemmed).
bool IsAbbreviation(absl::string_view source, absl::string_view text, bool whole) {
  if (source.size() < 2 || source.size() > 4) return false;
  for (char c : source) {
    if (c < 'A' || c > 'Z') return false;
  }
  if (whole) return true;
  for (char c : text) {
    if (c >= 'a' && c <= 'z') return true;
  }
  return false;
}

bool HasDigit(absl::string_view word) {
  for (char c : word) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

// Calls fn(stem, its hash) for the stems of a word that a text in `mode` is
// indexed under.
template <typename StemsT, typename ModeT, typename Fn>
void ForEachHashedStem(const StemsT& stems, ModeT mode, Fn fn) {
  if (stems.dutch_only || mode == ModeT::kDutch) {
    fn(stems.dutch, stems.dutch_hash);
  } else if (mode == ModeT::kEnglish) {
    fn(stems.english, stems.english_hash);
  } else {
    fn(stems.dutch, stems.dutch_hash);
    if (stems.english != stems.dutch) fn(stems.english, stems.english_hash);
  }
}

// Calls fn(stem) likewise.
template <typename StemsT, typename ModeT, typename Fn>
void ForEachStem(const StemsT& stems, ModeT mode, Fn fn) {
  ForEachHashedStem(stems, mode, [&](const std::string& stem, size_t) { fn(stem); });
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return contents.str();
}

// The contents of one data file and the name to report errors under.
struct DataFile {
  std::string name;
  std::string text;
};

absl::StatusOr<DataFile> LoadDataFile(const std::optional<std::string>& text,
                                      const std::string& path,
                                      const std::string& data_dir,
                                      absl::string_view file_name) {
  if (text.has_value()) return DataFile{absl::StrCat(file_name, " (inline)"), *text};
  const std::string full_path =
      path.empty() ? absl::StrCat(data_dir, "/", file_name) : path;
  absl::StatusOr<std::string> contents = ReadFile(full_path);
  if (!contents.ok()) return contents.status();
  return DataFile{full_path, *std::move(contents)};
}

// Collects the terms of one group of a query: each term once, with its best
// weight. `term` arguments must outlive the builder (they are keyed by view).
class GroupBuilder {
 public:
  GroupBuilder(std::vector<AnalyzedTerm>* out, absl::string_view source, int group)
      : out_(out), source_(source), group_(group) {}

  void Add(const std::string& term, float weight, AnalyzedTerm::Origin origin) {
    const auto [it, inserted] = index_.try_emplace(term, out_->size());
    if (inserted) {
      out_->push_back({term, source_, weight, origin, group_});
      return;
    }
    AnalyzedTerm& seen = (*out_)[it->second];
    if (weight > seen.weight) {
      seen.weight = weight;
      seen.origin = origin;
    }
  }

 private:
  std::vector<AnalyzedTerm>* const out_;
  const absl::string_view source_;
  const int group_;
  absl::flat_hash_map<absl::string_view, size_t> index_;
};

}  // namespace

// SAMENSPEL_MATCHING_DATA_DIR (the source tree's, absolute) and
// SAMENSPEL_MATCHING_DATA_FROM_BIN (the installed data relative to the
// installed binaries' folder, e.g. "../share/samenspel/matching") are set by
// CMakeLists.txt. In the build tree nothing lies there.
std::string AnalyzerOptions::DefaultDataDir() {
  static const std::string* const dir = [] {
    std::error_code error;
    const std::filesystem::path binary =
        std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
      const std::filesystem::path installed =
          (binary.parent_path() / SAMENSPEL_MATCHING_DATA_FROM_BIN).lexically_normal();
      if (std::filesystem::exists(installed / "synonyms.txt", error)) {
        return new std::string(installed.string());
      }
    }
    return new std::string(SAMENSPEL_MATCHING_DATA_DIR);
  }();
  return *dir;
}

absl::StatusOr<std::unique_ptr<Analyzer>> Analyzer::Create(AnalyzerOptions options) {
  if (absl::Status status = CheckStemmersAvailable(); !status.ok()) return status;
  for (float weight : {options.compound_part_weight, options.synonym_weight}) {
    if (!(weight > 0 && weight <= 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("analyzer weights must be in (0, 1]; got ", weight));
    }
  }
  absl::StatusOr<DataFile> synonyms_file = LoadDataFile(
      options.synonyms_text, options.synonyms_path, options.data_dir, "synonyms.txt");
  if (!synonyms_file.ok()) return synonyms_file.status();
  absl::StatusOr<DataFile> lexicon_file = LoadDataFile(
      options.lexicon_text, options.lexicon_path, options.data_dir, "lexicon.txt");
  if (!lexicon_file.ok()) return lexicon_file.status();
  absl::StatusOr<std::vector<SynonymGroup>> groups =
      ParseSynonyms(synonyms_file->text, synonyms_file->name);
  if (!groups.ok()) return groups.status();
  absl::StatusOr<std::vector<std::string>> lexicon =
      ParseLexicon(lexicon_file->text, lexicon_file->name);
  if (!lexicon.ok()) return lexicon.status();

  // Compound parts may be lexicon words or any word of the synonym file
  // ("jeugdzorg", but also loanwords such as "data"). Short synonym words are
  // mostly abbreviations ("avg", "res"), which make poor parts.
  std::vector<std::string> synonym_words;
  for (const SynonymGroup& group : *groups) {
    for (const SynonymEntry& entry : group.entries) {
      for (const std::string& word : entry.words) {
        if (word.size() >= 4) synonym_words.push_back(word);
      }
    }
  }
  auto analyzer = absl::WrapUnique(new Analyzer(options, *lexicon, synonym_words));
  analyzer->AddSynonyms(*groups);
  return analyzer;
}

Analyzer::Analyzer(const AnalyzerOptions& options,
                   const std::vector<std::string>& lexicon,
                   const std::vector<std::string>& synonym_words)
    : compound_part_weight_(options.compound_part_weight),
      synonym_weight_(options.synonym_weight),
      splitter_(lexicon, synonym_words) {}

Analyzer::~Analyzer() = default;

void Analyzer::AddSynonyms(const std::vector<SynonymGroup>& groups) {
  // Phrases first: ComputeWordInfo reads phrases_by_first_stem_. (Words that
  // ComputeWordInfo sees here get no starts_phrases; they are not cached.)
  absl::flat_hash_map<std::string, int> phrase_ids;
  group_terms_.resize(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    // The group's terms in the order of the file, each once: a query's
    // expansions, and so which of two equally good terms an explanation
    // names, must not depend on a hash set's order (it differs per process).
    std::vector<std::string>& terms = group_terms_[g];
    absl::flat_hash_set<std::string> seen;
    const auto add_term = [&](const std::string& term) {
      if (seen.insert(term).second) terms.push_back(term);
    };
    for (const SynonymEntry& entry : groups[g].entries) {
      if (entry.words.size() == 1) {
        const WordInfo info = ComputeWordInfo(entry.words[0]);
        ForEachStem(info.stems, Mode::kBoth, [&](const std::string& stem) {
          add_term(stem);
          std::vector<int>& ids = groups_by_stem_[stem];
          if (ids.empty() || ids.back() != static_cast<int>(g)) ids.push_back(g);
        });
        continue;
      }
      std::string term = absl::StrJoin(entry.words, " ");
      const auto [it, inserted] = phrase_ids.try_emplace(term, phrases_.size());
      if (inserted) {
        Phrase phrase{term, TermHash(term), {}, {}};
        for (const std::string& word : entry.words) {
          std::vector<std::string>& stems = phrase.word_stems.emplace_back();
          ForEachStem(ComputeWordInfo(word).stems, Mode::kBoth,
                      [&](const std::string& stem) { stems.push_back(stem); });
        }
        for (const std::string& stem : phrase.word_stems[0]) {
          phrases_by_first_stem_[stem].push_back(it->second);
        }
        phrases_.push_back(std::move(phrase));
      }
      std::vector<int>& phrase_groups = phrases_[it->second].groups;
      if (phrase_groups.empty() || phrase_groups.back() != static_cast<int>(g)) {
        phrase_groups.push_back(g);
      }
      add_term(term);
    }
  }
}

Analyzer::Stems Analyzer::ComputeStems(absl::string_view word) const {
  Stems stems;
  if (HasDigit(word)) {  // "co2", "2030": nothing to stem
    stems.dutch = std::string(word);
    stems.english = stems.dutch;
  } else {
    stems.dutch = Stem(Language::kDutch, word);
    stems.dutch_only = splitter_.IsLexiconStem(stems.dutch);
    if (!stems.dutch_only) stems.english = Stem(Language::kEnglish, word);
  }
  stems.dutch_hash = TermHash(stems.dutch);
  stems.english_hash = TermHash(stems.english);
  return stems;
}

Analyzer::WordInfo Analyzer::ComputeWordInfo(absl::string_view word) const {
  WordInfo info;
  info.stop_languages = StopWordLanguages(word);
  if (info.stop_languages != 0) return info;
  info.stems = ComputeStems(word);
  const std::vector<absl::string_view> parts =
      info.stems.dutch_only ? std::vector<absl::string_view>()
                            : splitter_.Split(word, info.stems.dutch);
  if (!parts.empty()) {  // a compound of known parts is Dutch
    info.stems.dutch_only = true;
    info.stems.english.clear();
    info.stems.english_hash = TermHash(info.stems.english);
  }
  for (absl::string_view part : parts) info.parts.push_back(ComputeStems(part));
  ForEachStem(info.stems, Mode::kBoth, [&](const std::string& stem) {
    const auto it = phrases_by_first_stem_.find(stem);
    if (it == phrases_by_first_stem_.end()) return;
    for (int id : it->second) {
      if (absl::c_find(info.starts_phrases, id) == info.starts_phrases.end()) {
        info.starts_phrases.push_back(id);
      }
    }
  });
  return info;
}

Analyzer::StateLease Analyzer::Prepare(absl::string_view text, Mode* mode) const {
  StateLease lease(this);
  ThreadState& state = *lease;
  state.uncached.clear();
  Tokenize(text, &state.tokens, &state.folded);
  state.infos.clear();
  int dutch = 0;
  int english = 0;
  for (const Token& token : state.tokens) {
    const absl::string_view word = FoldedWord(token, state.folded);
    const WordInfo* info;
    if (const auto it = state.words.find(word); it != state.words.end()) {
      info = &it->second;
    } else if (state.words.size() < kMaxCachedWords) {
      info = &state.words.emplace(std::string(word), ComputeWordInfo(word)).first->second;
    } else {
      // A full cache keeps what it has: frequent words arrive early, so the
      // cache holds them and the long tail is computed each time.
      info = &state.uncached.emplace_back(ComputeWordInfo(word));
    }
    state.infos.push_back(info);
    if (info->stop_languages != 0 &&
        IsAbbreviation(SourceWord(token, text), text, state.tokens.size() == 1)) {
      continue;  // not a sign of the language
    }
    dutch += info->stop_languages == kDutchStopWord;
    english += info->stop_languages == kEnglishStopWord;
  }
  *mode = dutch > english ? Mode::kDutch : english > dutch ? Mode::kEnglish : Mode::kBoth;
  return lease;
}

template <typename Fn>
void Analyzer::ForEachPhraseAt(const ThreadState& state, size_t first, Fn fn) const {
  const auto matches = [](const Stems& stems, const std::vector<std::string>& wanted) {
    bool found = false;
    ForEachStem(stems, Mode::kBoth, [&](const std::string& stem) {
      found |= std::find(wanted.begin(), wanted.end(), stem) != wanted.end();
    });
    return found;
  };
  for (int id : state.infos[first]->starts_phrases) {
    const Phrase& phrase = phrases_[id];
    size_t token = first + 1;
    size_t last = first;
    size_t matched = 1;  // the first word matched when starts_phrases was made
    while (matched < phrase.word_stems.size() && token < state.infos.size()) {
      const WordInfo& info = *state.infos[token];
      if (info.stop_languages != 0) {  // stop words inside a phrase do not count
        ++token;
        continue;
      }
      if (!matches(info.stems, phrase.word_stems[matched])) break;
      last = token++;
      ++matched;
    }
    if (matched == phrase.word_stems.size()) fn(phrase, last);
  }
}

std::vector<AnalyzedTerm> Analyzer::AnalyzeDocument(absl::string_view text) const {
  std::vector<AnalyzedTerm> terms;
  AnalyzeDocument(text, &terms);
  return terms;
}

template <typename Emit>
void Analyzer::EmitDocumentTerms(absl::string_view text, Emit emit) const {
  Mode mode;
  const StateLease lease = Prepare(text, &mode);
  const ThreadState& state = *lease;
  int group = 0;
  for (size_t i = 0; i < state.tokens.size(); ++i) {
    const WordInfo& info = *state.infos[i];
    const absl::string_view source = SourceWord(state.tokens[i], text);
    if (info.stop_languages != 0) {
      if (IsAbbreviation(source, text, state.tokens.size() == 1)) {
        const std::string term(FoldedWord(state.tokens[i], state.folded));
        emit(term, TermHash(term), source, 1.0f, AnalyzedTerm::Origin::kExact, group++,
             false);
      }
      continue;
    }
    ForEachHashedStem(info.stems, mode, [&](const std::string& stem, size_t hash) {
      emit(stem, hash, source, 1.0f, AnalyzedTerm::Origin::kExact, group, false);
    });
    for (size_t p = 0; p < info.parts.size(); ++p) {
      const bool head = info.parts.size() > 1 && p + 1 == info.parts.size();
      ForEachHashedStem(info.parts[p], mode, [&](const std::string& stem, size_t hash) {
        emit(stem, hash, source, compound_part_weight_,
             AnalyzedTerm::Origin::kCompoundPart, group, head);
      });
    }
    ++group;
    ForEachPhraseAt(state, i, [&](const Phrase& phrase, size_t last) {
      const size_t begin = state.tokens[i].begin;
      emit(phrase.term, phrase.hash, text.substr(begin, state.tokens[last].end - begin),
           1.0f, AnalyzedTerm::Origin::kExact, group++, false);
    });
  }
}

void Analyzer::AnalyzeDocument(absl::string_view text,
                               std::vector<AnalyzedTerm>* terms) const {
  EmitDocumentTerms(
      text, [&](const std::string& term, size_t, absl::string_view source, float weight,
                AnalyzedTerm::Origin origin, int group, bool head) {
        terms->push_back({term, source, weight, origin, group, head});
      });
}

void Analyzer::ForEachDocumentTerm(
    absl::string_view text,
    absl::FunctionRef<void(absl::string_view term, size_t term_hash, float weight)> fn)
    const {
  EmitDocumentTerms(
      text, [&](const std::string& term, size_t hash, absl::string_view, float weight,
                AnalyzedTerm::Origin, int, bool) { fn(term, hash, weight); });
}

std::vector<AnalyzedTerm> Analyzer::AnalyzeQuery(absl::string_view text) const {
  Mode unused;  // a query gets both stems whatever its language
  const StateLease lease = Prepare(text, &unused);
  const ThreadState& state = *lease;
  std::vector<AnalyzedTerm> terms;
  int group = 0;
  const auto add_synonyms = [&](GroupBuilder& builder, const Stems& stems, float weight) {
    ForEachStem(stems, Mode::kBoth, [&](const std::string& stem) {
      const auto it = groups_by_stem_.find(stem);
      if (it == groups_by_stem_.end()) return;
      for (int g : it->second) {
        for (const std::string& term : group_terms_[g]) {
          builder.Add(term, weight, AnalyzedTerm::Origin::kSynonym);
        }
      }
    });
  };
  for (size_t i = 0; i < state.tokens.size(); ++i) {
    const WordInfo& info = *state.infos[i];
    if (info.stop_languages != 0) {
      const absl::string_view source = SourceWord(state.tokens[i], text);
      if (IsAbbreviation(source, text, state.tokens.size() == 1)) {
        GroupBuilder word(&terms, source, group++);
        word.Add(std::string(FoldedWord(state.tokens[i], state.folded)), 1.0f,
                 AnalyzedTerm::Origin::kExact);
      }
      continue;
    }
    GroupBuilder word(&terms, SourceWord(state.tokens[i], text), group++);
    ForEachStem(info.stems, Mode::kBoth, [&](const std::string& stem) {
      word.Add(stem, 1.0f, AnalyzedTerm::Origin::kExact);
    });
    for (size_t p = 0; p < info.parts.size(); ++p) {
      const float weight = PartWeight(p, info.parts.size());
      ForEachStem(info.parts[p], Mode::kBoth, [&](const std::string& stem) {
        word.Add(stem, weight, AnalyzedTerm::Origin::kCompoundPart);
      });
    }
    add_synonyms(word, info.stems, synonym_weight_);
    for (size_t p = 0; p < info.parts.size(); ++p) {
      add_synonyms(word, info.parts[p],
                   PartWeight(p, info.parts.size()) * synonym_weight_);
    }
    ForEachPhraseAt(state, i, [&](const Phrase& phrase, size_t last) {
      const size_t begin = state.tokens[i].begin;
      GroupBuilder builder(&terms, text.substr(begin, state.tokens[last].end - begin),
                           group++);
      builder.Add(phrase.term, 1.0f, AnalyzedTerm::Origin::kExact);
      for (int g : phrase.groups) {
        for (const std::string& term : group_terms_[g]) {
          builder.Add(term, synonym_weight_, AnalyzedTerm::Origin::kSynonym);
        }
      }
    });
  }
  return terms;
}

}  // namespace samenspel::matching
