#include "matching-service/analysis/tokenizer.h"

#include <array>

#include "common/text_fold.h"

namespace samenspel::matching {
namespace {

// For each ASCII byte: its lower-case form when it belongs in a word, 0 when it
// separates words.
constexpr std::array<char, 128> MakeAsciiTable() {
  std::array<char, 128> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<char>(c - 'A' + 'a');
  return table;
}
constexpr std::array<char, 128> kAsciiTable = MakeAsciiTable();

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  const auto* const p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    char32_t cp;
    const size_t len = DecodeUtf8(p + i, text.size() - i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

void Tokenize(absl::string_view text, std::vector<Token>* tokens, std::string* folded) {
  tokens->clear();
  // Folding never lengthens a word (every replacement is at most as long as
  // the UTF-8 it replaces), so the output fits in text.size() bytes.
  folded->resize(text.size());
  char* const out = folded->data();
  const auto* const p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();

  size_t o = 0;  // bytes written to `out`
  bool in_word = false;
  uint32_t word_begin = 0;
  uint32_t folded_begin = 0;
  auto start_word = [&](size_t at) {
    if (in_word) return;
    in_word = true;
    word_begin = static_cast<uint32_t>(at);
    folded_begin = static_cast<uint32_t>(o);
  };
  auto end_word = [&](size_t at) {
    if (!in_word) return;
    in_word = false;
    const size_t len = o - folded_begin;
    if (len >= kMinWordBytes && len <= kMaxWordBytes) {
      tokens->push_back({word_begin, static_cast<uint32_t>(at), folded_begin,
                         static_cast<uint32_t>(o)});
    } else {
      o = folded_begin;
    }
  };

  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      const char c = kAsciiTable[p[i]];
      if (c != 0) {
        start_word(i);
        out[o++] = c;
      } else {
        end_word(i);
      }
      ++i;
      continue;
    }
    char32_t cp;
    const size_t len = DecodeUtf8(p + i, n - i, &cp);
    if (len == 0) {
      end_word(i);
      ++i;
      continue;
    }
    const FoldedCodePoint c = FoldCodePoint(cp);
    switch (c.role) {
      case FoldRole::kSeparator:
        end_word(i);
        break;
      case FoldRole::kIgnore:
        break;
      case FoldRole::kFold:
        start_word(i);
        for (const char* a = c.ascii; *a != '\0'; ++a) out[o++] = *a;
        break;
      case FoldRole::kKeep:
        start_word(i);
        o += EncodeUtf8(c.cp, out + o);
        break;
    }
    i += len;
  }
  end_word(n);
  folded->resize(o);
}

}  // namespace samenspel::matching
