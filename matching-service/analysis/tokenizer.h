// Splits UTF-8 text into words and normalises each word for matching:
// lower-cased, accents folded to ASCII (é→e, ë→e, ï→i, ĳ→ij, ß→ss, ...),
// combining marks and soft hyphens dropped, so NFC and NFD input give the same
// words. A word is a run of letters and digits; everything else (whitespace,
// punctuation, symbols, apostrophes, hyphens, invalid UTF-8) separates words,
// so "AVG/GDPR" is two words and "auto's" is "auto" plus a dropped "s".
// Letters outside Latin are kept as they are (Greek and Cyrillic lower-cased).
//
// Words shorter than kMinWordBytes or longer than kMaxWordBytes after folding
// are dropped: single letters carry no meaning for matching, and very long
// runs are identifiers, hashes or garbage.
//
// Thread-compatible: the functions keep no state.
//
// Example:
//   std::vector<Token> tokens;
//   std::string folded;
//   Tokenize("Coöperatie AVG/GDPR", &tokens, &folded);
//   // FoldedWord(tokens[0], folded) == "cooperatie", tokens.size() == 3
#ifndef SAMENSPEL_MATCHING_ANALYSIS_TOKENIZER_H_
#define SAMENSPEL_MATCHING_ANALYSIS_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace samenspel::matching {

inline constexpr size_t kMinWordBytes = 2;
inline constexpr size_t kMaxWordBytes = 64;

// One word: where it is in the input and where its folded form is in the
// `folded` buffer that Tokenize filled.
struct Token {
  uint32_t begin;  // byte offset of the word in the input text
  uint32_t end;
  uint32_t folded_begin;  // byte offset of the folded word in `folded`
  uint32_t folded_end;
};

// Replaces the contents of `tokens` and `folded` with the words of `text`, in
// order. Reusing both buffers across calls avoids allocation.
// REQUIRES: text.size() < 4 GiB.
void Tokenize(absl::string_view text, std::vector<Token>* tokens, std::string* folded);

// True when `text` is well-formed UTF-8 (no overlong forms or surrogates).
bool IsValidUtf8(absl::string_view text);

inline absl::string_view FoldedWord(const Token& token, absl::string_view folded) {
  return folded.substr(token.folded_begin, token.folded_end - token.folded_begin);
}

inline absl::string_view SourceWord(const Token& token, absl::string_view text) {
  return text.substr(token.begin, token.end - token.begin);
}

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_ANALYSIS_TOKENIZER_H_
