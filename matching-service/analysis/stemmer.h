// Snowball stemming (libstemmer) for Dutch and English.
//
// Dutch gets two repairs that Snowball's Dutch algorithm lacks, so that plural
// and singular meet: a plural in -ies or -ieën/-eeën loses its ending before
// stemming ("provincies" -> "provincie", "strategieën" -> "strategie"), which
// Snowball keeps because a vowel precedes it; and a doubled final
// consonant is undoubled after it ("plannen" -> "plann" -> "plan"; Snowball
// itself undoubles only kk, dd and tt).
//
// libstemmer's sb_stemmer is not thread-safe, so every thread gets its own
// pair of stemmers, created on first use and freed when the thread ends.
//
// Thread-safe.
//
// Example:
//   Stem(Language::kDutch, "woningen") == "woning"
//   Stem(Language::kDutch, "bestemmingsplannen") == "bestemmingsplan"
//   Stem(Language::kEnglish, "housing") == "hous"
#ifndef SAMENSPEL_MATCHING_ANALYSIS_STEMMER_H_
#define SAMENSPEL_MATCHING_ANALYSIS_STEMMER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace samenspel::matching {

enum class Language { kDutch, kEnglish };

// OK when libstemmer provides both algorithms in UTF-8; FAILED_PRECONDITION
// otherwise (a broken installation). Check once at start-up.
absl::Status CheckStemmersAvailable();

// The stem of `word`, which must be folded (lower case, see tokenizer.h).
// Returns `word` unchanged if the stemmer is unavailable or out of memory.
std::string Stem(Language language, absl::string_view word);

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_ANALYSIS_STEMMER_H_
