// Case and accent folding of UTF-8 text, shared by the matching service's
// tokenizer and the registry's theme and skill indexes, so that both treat
// "Één overheid", "één overheid" and "een overheid" (and their NFD forms)
// alike: lower-cased, Latin letters with diacritics folded to ASCII (é→e,
// ë→e, ĳ→ij, ß→ss, ...), combining marks, joiners and soft hyphens dropped,
// Greek, Cyrillic and fullwidth letters lower-cased.
//
// Thread-compatible: the functions keep no state.
//
// Example:
//   FoldTerm("Één Overheid")                      // "een overheid"
//   FoldCodePoint(U'É')                           // {kFold, "e"}
#ifndef SAMENSPEL_COMMON_TEXT_FOLD_H_
#define SAMENSPEL_COMMON_TEXT_FOLD_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace samenspel {

// What one non-ASCII code point becomes in folded text.
enum class FoldRole {
  kSeparator,  // punctuation, symbols, emoji: not part of a word
  kIgnore,     // dropped (combining marks, soft hyphen, joiners, BOM)
  kFold,       // replaced by `ascii`
  kKeep,       // kept, as `cp` (Greek, Cyrillic and fullwidth lower-cased)
};
struct FoldedCodePoint {
  FoldRole role;
  const char* ascii = nullptr;
  char32_t cp = 0;
};

// The role of non-ASCII code point `cp` (>= 0x80). The UTF-8 of a kKeep's
// `cp`, and a kFold's `ascii`, are never longer than `cp`'s own UTF-8.
FoldedCodePoint FoldCodePoint(char32_t cp);

// Decodes the UTF-8 sequence at p[0..n) (n >= 1, p[0] >= 0x80); returns its
// length, or 0 when it is invalid (bad lead or continuation byte, overlong
// form, surrogate, > U+10FFFF).
size_t DecodeUtf8(const unsigned char* p, size_t n, char32_t* cp);

// Writes `cp` as UTF-8 at `out` (room for 4 bytes); returns its length.
size_t EncodeUtf8(char32_t cp, char* out);

// `text` lower-cased and folded as above; separators (spaces, punctuation)
// are kept as they are, so a term keeps its words apart. Invalid UTF-8
// bytes are kept as they are. Never longer than `text`.
std::string FoldTerm(absl::string_view text);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_TEXT_FOLD_H_
