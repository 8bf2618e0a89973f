// Dutch and English stop words: function words that say nothing about what an
// expert knows or what a challenge needs. The lists are compiled in (they are
// part of the analysis, not configuration: changing them changes every index
// term) and are given in folded form (lower case, no accents).
//
// Both lists are always removed, whatever the language of a text: a
// mis-detected language must not change which words are indexed. The price is
// small (an English "door" or a Dutch "was" is dropped).
//
// Thread-safe.
//
// Example:
//   StopWordLanguages("de") == kDutchStopWord
//   StopWordLanguages("over") == (kDutchStopWord | kEnglishStopWord)
//   StopWordLanguages("woning") == 0
#ifndef SAMENSPEL_MATCHING_ANALYSIS_STOP_WORDS_H_
#define SAMENSPEL_MATCHING_ANALYSIS_STOP_WORDS_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace samenspel::matching {

inline constexpr uint8_t kDutchStopWord = 1;
inline constexpr uint8_t kEnglishStopWord = 2;

// A mask of kDutchStopWord and kEnglishStopWord: the languages in which the
// folded word `word` is a stop word; 0 when it is none.
uint8_t StopWordLanguages(absl::string_view word);

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_ANALYSIS_STOP_WORDS_H_
