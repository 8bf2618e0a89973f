// Text analysis for the matching index, Dutch and English: the one place that
// decides which index terms a piece of text stands for. Expert fields (skills,
// themes, job title, bio) go through AnalyzeDocument when they are indexed;
// challenge text goes through AnalyzeQuery when it is matched. A query term
// matches a document term when the two `term` strings are equal.
//
// Steps, for both: split into words (tokenizer.h: lower case, accents folded),
// drop Dutch and English stop words (stop_words.h), stem with Snowball
// (stemmer.h), split Dutch compounds into known parts (compound_splitter.h),
// and recognise the multi-word phrases of the synonym file ("wet
// maatschappelijke ondersteuning") as one extra term. AnalyzeQuery then also
// adds synonym expansions. Synonyms are applied on the query side only, so the
// index holds what experts wrote (plus the synonym file's phrases found in
// it), not every synonym of every word. Because every expansion is analysed
// exactly like document text and synonym groups are symmetric, "housing"
// finds a bio saying "volkshuisvesting" and a query "volkshuisvesting" finds
// a bio saying "housing".
//
// Two languages. Most expert texts are Dutch, some English, many mixed, and
// skills are often one or two words with no language signal at all. A word
// gets:
//   - only its Dutch stem when it is Dutch for sure: a word of the Dutch
//     lexicon (or an inflection of one), or a compound of known parts;
//   - otherwise, in a document, the stem in the document's language, detected
//     by counting Dutch-only against English-only stop words; when neither
//     wins (short fields, no stop words), both stems;
//   - in a query, always both stems (queries are short; recall matters more).
// So whatever language a document was taken for, its term for a word is among
// the query's terms for the same word; cross-language matching ("housing" ~
// "woningbouw") is the synonym file's job, not the stemmers'.
//
// Thread-safe: immutable after Create; every method may be called from any
// number of threads. Each thread keeps its own Snowball stemmers. Analysed
// words are cached, which makes a repeated word cost one hash lookup: each
// call borrows one of the Analyzer's caches, the one returned last, so a
// thread that comes and goes (a server's request threads do) still finds
// the words it needs analysed. There are as many caches as calls ran at
// once; each takes the first kMaxCachedWords distinct words it sees (about
// 10 MB; frequent words come early) and then stops growing.
//
// Example:
//   auto analyzer = Analyzer::Create({});  // shipped synonyms and lexicon
//   if (!analyzer.ok()) return analyzer.status();
//   for (const AnalyzedTerm& t : (*analyzer)->AnalyzeDocument(expert.bio()))
//     index.Add(expert_id, t.term, t.weight);
//   // AnalyzeQuery("housing") yields, among others, the term "woningbouw".
#ifndef SAMENSPEL_MATCHING_ANALYSIS_ANALYZER_H_
#define SAMENSPEL_MATCHING_ANALYSIS_ANALYZER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "matching-service/analysis/compound_splitter.h"
#include "matching-service/analysis/data_files.h"

namespace samenspel::matching {

struct AnalyzedTerm {
  enum class Origin {
    kExact,         // the word itself (its stem), or a phrase of the synonym file
    kCompoundPart,  // a known part of a compound word
    kSynonym,       // query only: an expansion from the synonym file
  };

  // The canonical index term: a stem ("woning"), or for a phrase its folded
  // words joined by single spaces ("wet maatschappelijke ondersteuning").
  std::string term;
  // The word or phrase of the analysed text that produced the term, as
  // written. Points into the text passed in: valid only while it lives.
  absl::string_view source;
  // 1 for kExact; AnalyzerOptions::compound_part_weight for parts;
  // synonym_weight for expansions (times compound_part_weight for expansions
  // of a part).
  float weight;
  Origin origin;
  // Terms with the same group stand for the same word or phrase of the text
  // (its stems in both languages, its parts, their synonyms). A scorer should
  // credit a document for at most the best-matching term of each query group,
  // so that a word with many synonyms does not count many times. Groups are
  // numbered from 0 in text order; a recognised phrase has its own group.
  int group;
  // AnalyzeDocument only: a compound's last part, its head, which names the
  // general kind ("management" of "projectmanagement"), where the parts
  // before it name the topic.
  bool head = false;
};

// Where the analyser's data comes from and how terms are weighted.
struct AnalyzerOptions {
  // Folder holding synonyms.txt and lexicon.txt (default: an installed
  // binary's <prefix>/share/samenspel/matching, as `cmake --install` lays it
  // out; else the source tree's matching-service/data, as recorded at build
  // time).
  std::string data_dir = DefaultDataDir();
  // Paths that override data_dir/synonyms.txt and data_dir/lexicon.txt when
  // non-empty.
  std::string synonyms_path;
  std::string lexicon_path;
  // File contents that, when set, are used instead of reading any file
  // (tests, or a caller that embeds the data).
  std::optional<std::string> synonyms_text;
  std::optional<std::string> lexicon_text;
  // Weight of a compound part relative to the whole word (default 0.6).
  float compound_part_weight = 0.6f;
  // Weight of a synonym expansion relative to the query word (default 0.8).
  float synonym_weight = 0.8f;

  static std::string DefaultDataDir();
};

// The hash under which ForEachDocumentTerm reports a term: a fixed function
// of its text (libstdc++'s std::hash, MurmurHash64A with a fixed seed), the
// same in every process. absl::Hash is seeded per process; with it a query's
// terms were ordered differently in each process, and the float sums that
// follow that order differed in their last digits between two replicas.
inline size_t TermHash(absl::string_view term) {
  return std::hash<std::string_view>{}(std::string_view(term.data(), term.size()));
}

class Analyzer {
 public:
  // Bound of each word cache (see the class comment).
  static constexpr size_t kMaxCachedWords = 1 << 16;

  // Loads and checks the data files. NOT_FOUND when a file cannot be read;
  // INVALID_ARGUMENT naming every bad line ("synonyms.txt:12: ...") or a
  // weight outside (0, 1]; FAILED_PRECONDITION when libstemmer lacks Dutch
  // or English.
  static absl::StatusOr<std::unique_ptr<Analyzer>> Create(AnalyzerOptions options);

  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;
  ~Analyzer();

  // Terms under which a document (one expert field) is indexed: for every
  // content word its stem(s) (kExact) and compound parts (kCompoundPart), in
  // text order, plus one kExact term per synonym-file phrase found in the
  // text. No synonym expansion. Repeated words give repeated terms (term
  // frequency matters). Fast: meant to run over millions of documents.
  //
  // Example: "De woningbouwopgave" ->
  //   {"woningbouwopgav", kExact, 1}, {"woningbouw", kCompoundPart, 0.6},
  //   {"opgav", kCompoundPart, 0.6}
  std::vector<AnalyzedTerm> AnalyzeDocument(absl::string_view text) const;
  // The same, appended to `*terms`; reusing one vector saves allocations.
  void AnalyzeDocument(absl::string_view text, std::vector<AnalyzedTerm>* terms) const;
  // The same terms in the same order, without building them: fn(term,
  // TermHash(term), weight) for each. The hash is computed once per distinct
  // word and thread; `term` is valid during the call only. For indexing
  // millions of documents.
  void ForEachDocumentTerm(
      absl::string_view text,
      absl::FunctionRef<void(absl::string_view term, size_t term_hash, float weight)> fn)
      const;

  // Terms to look up for a query (a challenge's title, description, skills):
  // what AnalyzeDocument gives, with both stems of every word, plus the
  // synonym expansions of every word, compound part and phrase (kSynonym).
  // Within one group a term appears once, with its highest weight.
  //
  // Example: "housing" -> {"housing", kExact}, {"hous", kExact},
  //   {"woningbouw", kSynonym}, {"volkshuisvest", kSynonym}, ... (all group 0)
  std::vector<AnalyzedTerm> AnalyzeQuery(absl::string_view text) const;

  // Word caches made so far (see the class comment); for tests and metrics.
  size_t word_caches() const {
    absl::MutexLock lock(&states_mu_);
    return states_made_;
  }

 private:
  struct Stems;
  struct WordInfo;
  struct Phrase;
  struct ThreadState;
  class StateLease;
  enum class Mode;

  Analyzer(const AnalyzerOptions& options, const std::vector<std::string>& lexicon,
           const std::vector<std::string>& synonym_words);
  void AddSynonyms(const std::vector<SynonymGroup>& groups);

  // Calls emit(term, hash, source, weight, origin, group) for each term of
  // AnalyzeDocument.
  template <typename Emit>
  void EmitDocumentTerms(absl::string_view text, Emit emit) const;
  Stems ComputeStems(absl::string_view word) const;
  WordInfo ComputeWordInfo(absl::string_view word) const;
  // A state borrowed for one call (the last one returned, else a new one),
  // with `text` tokenised into it; `*mode` is set to the language detected.
  StateLease Prepare(absl::string_view text, Mode* mode) const;
  // Calls fn(phrase, last_token) for every synonym-file phrase that starts at
  // token `first` of the prepared text.
  template <typename Fn>
  void ForEachPhraseAt(const ThreadState& state, size_t first, Fn fn) const;

  // States not borrowed, the last returned at the back.
  mutable absl::Mutex states_mu_;
  mutable std::vector<std::unique_ptr<ThreadState>> states_ ABSL_GUARDED_BY(states_mu_);
  mutable size_t states_made_ ABSL_GUARDED_BY(states_mu_) = 0;
  // The query weight of part `p` of a compound of `n` parts: the last part,
  // the head, names the general kind ("tekort", "kosten", "opgave") and the
  // parts before it the topic, so a head alone matches at half the weight
  // ("woningtekort" found water-shortage experts first through "tekort").
  float PartWeight(size_t p, size_t n) const {
    return n > 1 && p + 1 == n ? compound_part_weight_ * kHeadPartFactor
                               : compound_part_weight_;
  }
  static constexpr float kHeadPartFactor = 0.5f;

  const float compound_part_weight_;
  const float synonym_weight_;
  CompoundSplitter splitter_;
  std::vector<Phrase> phrases_;
  // Phrase ids by every stem of their first word.
  absl::flat_hash_map<std::string, std::vector<int>> phrases_by_first_stem_;
  // The expansion terms of each synonym group (stems of words, phrase terms).
  std::vector<std::vector<std::string>> group_terms_;
  // Synonym groups by every stem of their one-word entries.
  absl::flat_hash_map<std::string, std::vector<int>> groups_by_stem_;
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_ANALYSIS_ANALYZER_H_
