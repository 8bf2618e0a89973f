// Parsers for the analyser's two data files, both UTF-8 text where `#` starts
// a comment that runs to the end of the line and blank lines are ignored:
//
// synonyms.txt — one equivalence group per line: two or more entries separated
//   by commas. An entry is a word or a phrase (up to kMaxPhraseWords words
//   after stop words are dropped). Case, accents, punctuation inside an entry
//   and stop words do not matter: "Wet maatschappelijke ondersteuning",
//   "wet maatschappelijke ondersteuning" and "Wet Maatschappelijke-Ondersteuning"
//   are the same entry. A word may appear in several groups.
//     wet maatschappelijke ondersteuning, wmo, social support act
//
// lexicon.txt — one Dutch word per line: the vocabulary that compound
//   splitting recognises as parts, and that marks a word as Dutch.
//     woningbouw
//
// Both parsers fail with INVALID_ARGUMENT naming "<source_name>:<line>: <why>"
// for every bad line (up to 20 of them, then a count of the rest), so an
// operator can fix a replaced file in one go.
//
// Thread-compatible: the functions keep no state.
#ifndef SAMENSPEL_MATCHING_ANALYSIS_DATA_FILES_H_
#define SAMENSPEL_MATCHING_ANALYSIS_DATA_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samenspel::matching {

inline constexpr int kMaxPhraseWords = 8;

struct SynonymEntry {
  std::string text;                // as written in the file, trimmed
  std::vector<std::string> words;  // folded content words (see tokenizer.h), in order
};

struct SynonymGroup {
  int line;                           // 1-based line number in the file
  std::vector<SynonymEntry> entries;  // at least two, with different `words`
};

// The groups of a synonyms file, in file order.
absl::StatusOr<std::vector<SynonymGroup>> ParseSynonyms(absl::string_view text,
                                                        absl::string_view source_name);

// The folded words of a lexicon file, in file order (duplicates kept).
absl::StatusOr<std::vector<std::string>> ParseLexicon(absl::string_view text,
                                                      absl::string_view source_name);

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_ANALYSIS_DATA_FILES_H_
