// Splits Dutch compound words into known parts, so that a document about
// "woningbouwopgave" is found by a query for "woningbouw" and the other way
// round.
//
// A split is a sequence of vocabulary words, each at least kMinPartLength
// letters, optionally joined by a linking morpheme -s-, -e- or -en-
// ("veiligheid|s|regio", "omgeving|s|dienst"). The last part may be inflected:
// it counts as known when its Dutch stem is the stem of a vocabulary word
// ("woningbouw|opgaven"). Among all splits the splitter takes the one with the
// fewest parts, then the fewest linking morphemes, then the longest first part
// (Dutch compounds branch to the left: "jeugdzorg|aanbieder", not
// "jeugd|zorgaanbieder"). A word with no such split may still end in one part
// that is not known ("woningbouw|versnelling": see kMinKnownStart).
//
// Two vocabularies: lexicon words are whole words that are never split
// ("woningbouw" stays whole although "woning" and "bouw" are known;
// "wethouder" is not "wet" + "houder"), and both they and the extra parts may
// be parts. The extra parts (the synonym file's words) can themselves be
// split: "veiligheidsregio" is a synonym entry and still yields "veiligheid"
// and "regio".
//
// Thread-safe: immutable after construction.
//
// Example:
//   CompoundSplitter splitter({"veiligheid", "regio"}, {"veiligheidsregio"});
//   splitter.Split("veiligheidsregio")  // {"veiligheid", "regio"}
//   splitter.Split("regio")             // {}: a lexicon word
#ifndef SAMENSPEL_MATCHING_ANALYSIS_COMPOUND_SPLITTER_H_
#define SAMENSPEL_MATCHING_ANALYSIS_COMPOUND_SPLITTER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace samenspel::matching {

class CompoundSplitter {
 public:
  static constexpr size_t kMinPartLength = 3;
  static constexpr size_t kMaxParts = 4;
  // A word that is no compound of known parts may still be known parts (of
  // kMinKnownStart letters or more, linking morphemes included) followed by
  // one part that is not known, of kMinUnknownPart letters or more.
  static constexpr size_t kMinKnownStart = 5;
  static constexpr size_t kMinUnknownPart = 6;

  // Both lists hold folded words (see tokenizer.h). Words shorter than
  // kMinPartLength or with anything but a-z cannot be parts and are ignored.
  CompoundSplitter(const std::vector<std::string>& lexicon,
                   const std::vector<std::string>& extra_parts);

  // True when `dutch_stem`, the Dutch stem of a word, is the stem of a
  // lexicon word: the word is that word or an inflection of it.
  bool IsLexiconStem(absl::string_view dutch_stem) const;

  // The parts of `word` (folded) when it is a compound of known parts and not
  // a lexicon word; empty otherwise. Parts are substrings of `word` without
  // the linking morphemes between them.
  std::vector<absl::string_view> Split(absl::string_view word) const;
  // The same, for a caller that has Stem(Language::kDutch, word) at hand.
  std::vector<absl::string_view> Split(absl::string_view word,
                                       absl::string_view dutch_stem) const;

 private:
  absl::flat_hash_set<std::string> lexicon_stems_;  // Dutch stems of the lexicon
  absl::flat_hash_set<std::string> parts_;          // lexicon and extra parts
  absl::flat_hash_set<std::string> part_stems_;     // Dutch stems of parts_
  size_t longest_part_ = 0;
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_ANALYSIS_COMPOUND_SPLITTER_H_
