#include "matching-service/analysis/stemmer.h"

#include <libstemmer.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace samenspel::matching {
namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};
using StemmerPtr = std::unique_ptr<sb_stemmer, StemmerDeleter>;

bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

const char* AlgorithmName(Language language) {
  return language == Language::kDutch ? "dutch" : "english";
}

// This thread's stemmers, one per language.
sb_stemmer* ThreadStemmer(Language language) {
  thread_local StemmerPtr stemmers[2] = {
      StemmerPtr(sb_stemmer_new(AlgorithmName(Language::kDutch), "UTF_8")),
      StemmerPtr(sb_stemmer_new(AlgorithmName(Language::kEnglish), "UTF_8")),
  };
  return stemmers[static_cast<int>(language)].get();
}

}  // namespace

absl::Status CheckStemmersAvailable() {
  for (Language language : {Language::kDutch, Language::kEnglish}) {
    if (ThreadStemmer(language) == nullptr) {
      return absl::FailedPreconditionError(
          std::string("libstemmer has no UTF-8 stemmer for ") + AlgorithmName(language));
    }
  }
  return absl::OkStatus();
}

std::string Stem(Language language, absl::string_view word) {
  sb_stemmer* stemmer = ThreadStemmer(language);
  if (stemmer == nullptr) return std::string(word);
  if (language == Language::kDutch) {
    if (word.size() > 4 && absl::EndsWith(word, "ies")) {
      word.remove_suffix(1);  // provincies
    } else if (word.size() > 5 &&
               (absl::EndsWith(word, "ieen") || absl::EndsWith(word, "eeen"))) {
      word.remove_suffix(2);  // strategieën, zeeën (folded)
    }
  }
  const sb_symbol* stemmed =
      sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                      static_cast<int>(word.size()));
  if (stemmed == nullptr) return std::string(word);
  std::string stem(reinterpret_cast<const char*>(stemmed), sb_stemmer_length(stemmer));
  if (language == Language::kDutch && stem.size() > 3) {
    // A Latin consonant only: in other scripts the last two bytes of one
    // character may be equal too, and dropping one breaks the UTF-8.
    const char last = stem.back();
    if (last == stem[stem.size() - 2] && absl::ascii_isalpha(last) && !IsVowel(last)) {
      stem.pop_back();
    }
  }
  return stem;
}

}  // namespace samenspel::matching
