#include "common/text_fold.h"

#include <array>

namespace samenspel {
namespace {

// Latin letters with diacritics (and ligatures) and their ASCII folding.
struct LatinFold {
  char32_t first;
  char32_t last;
  const char* ascii;
};
constexpr LatinFold kLatinFolds[] = {
    {0xC0, 0xC5, "a"},   {0xC6, 0xC6, "ae"},   {0xC7, 0xC7, "c"},   {0xC8, 0xCB, "e"},
    {0xCC, 0xCF, "i"},   {0xD0, 0xD0, "d"},    {0xD1, 0xD1, "n"},   {0xD2, 0xD6, "o"},
    {0xD8, 0xD8, "o"},   {0xD9, 0xDC, "u"},    {0xDD, 0xDD, "y"},   {0xDE, 0xDE, "th"},
    {0xDF, 0xDF, "ss"},  {0xE0, 0xE5, "a"},    {0xE6, 0xE6, "ae"},  {0xE7, 0xE7, "c"},
    {0xE8, 0xEB, "e"},   {0xEC, 0xEF, "i"},    {0xF0, 0xF0, "d"},   {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},   {0xF8, 0xF8, "o"},    {0xF9, 0xFC, "u"},   {0xFD, 0xFD, "y"},
    {0xFE, 0xFE, "th"},  {0xFF, 0xFF, "y"},    {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},
    {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},  {0x11C, 0x123, "g"}, {0x124, 0x127, "h"},
    {0x128, 0x131, "i"}, {0x132, 0x133, "ij"}, {0x134, 0x135, "j"}, {0x136, 0x138, "k"},
    {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},  {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"}, {0x15A, 0x161, "s"},  {0x162, 0x167, "t"}, {0x168, 0x173, "u"},
    {0x174, 0x175, "w"}, {0x176, 0x178, "y"},  {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
    {0x1CD, 0x1CE, "a"}, {0x1CF, 0x1D0, "i"},  {0x1D1, 0x1D2, "o"}, {0x1D3, 0x1DC, "u"},
    {0x218, 0x219, "s"}, {0x21A, 0x21B, "t"},
};

constexpr char32_t kLatinFirst = 0xC0;
constexpr char32_t kLatinLast = 0x24F;
constexpr std::array<const char*, kLatinLast - kLatinFirst + 1> MakeLatinTable() {
  std::array<const char*, kLatinLast - kLatinFirst + 1> table{};
  for (const LatinFold& fold : kLatinFolds) {
    for (char32_t cp = fold.first; cp <= fold.last; ++cp)
      table[cp - kLatinFirst] = fold.ascii;
  }
  return table;
}
constexpr auto kLatinTable = MakeLatinTable();

bool In(char32_t cp, char32_t first, char32_t last) { return cp >= first && cp <= last; }

}  // namespace

FoldedCodePoint FoldCodePoint(char32_t cp) {
  if (cp < kLatinFirst) {
    return {cp == 0xAD ? FoldRole::kIgnore
                       : FoldRole::kSeparator};  // Latin-1 punctuation
  }
  if (cp <= kLatinLast) {
    if (cp == 0xD7 || cp == 0xF7) return {FoldRole::kSeparator};  // × ÷
    const char* ascii = kLatinTable[cp - kLatinFirst];
    return ascii != nullptr ? FoldedCodePoint{FoldRole::kFold, ascii}
                            : FoldedCodePoint{FoldRole::kKeep, {}, cp};
  }
  if (In(cp, 0x2B0, 0x2FF)) return {FoldRole::kSeparator};  // modifier letters: ʼ ˈ ...
  if (In(cp, 0x300, 0x36F) || In(cp, 0x1AB0, 0x1AFF) || In(cp, 0x1DC0, 0x1DFF) ||
      In(cp, 0x20D0, 0x20FF) || In(cp, 0xFE20, 0xFE2F) || In(cp, 0xFE00, 0xFE0F) ||
      cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF ||
      In(cp, 0xE0000, 0xE007F)) {
    return {FoldRole::kIgnore};  // combining marks, joiners, variation selectors, BOM
  }
  if (In(cp, 0x391, 0x3A9)) return {FoldRole::kKeep, {}, cp + 0x20};  // Greek capitals
  if (In(cp, 0x410, 0x42F)) return {FoldRole::kKeep, {}, cp + 0x20};  // Cyrillic capitals
  if (In(cp, 0x400, 0x40F)) return {FoldRole::kKeep, {}, cp + 0x50};
  if (In(cp, 0xFF10, 0xFF19))
    return {FoldRole::kKeep, {}, cp - 0xFF10 + '0'};  // fullwidth
  if (In(cp, 0xFF21, 0xFF3A)) return {FoldRole::kKeep, {}, cp - 0xFF21 + 'a'};
  if (In(cp, 0xFF41, 0xFF5A)) return {FoldRole::kKeep, {}, cp - 0xFF41 + 'a'};
  if (In(cp, 0x2000, 0x2BFF) || In(cp, 0x2E00, 0x2E7F) || In(cp, 0x3000, 0x303F) ||
      In(cp, 0xE000, 0xF8FF) || In(cp, 0xFE10, 0xFE1F) || In(cp, 0xFE30, 0xFE6F) ||
      In(cp, 0xFF00, 0xFFFF) || In(cp, 0x1F000, 0x1FAFF) || cp == 0x37E || cp == 0x387 ||
      In(cp, 0x55A, 0x55F) || In(cp, 0x589, 0x58A)) {
    return {FoldRole::kSeparator};  // punctuation, symbols, emoji, private use
  }
  return {FoldRole::kKeep, {}, cp};
}

size_t DecodeUtf8(const unsigned char* p, size_t n, char32_t* cp) {
  const unsigned char lead = p[0];
  size_t len;
  char32_t min;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2, min = 0x80, *cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3, min = 0x800, *cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4, min = 0x10000, *cp = lead & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (p[k] & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || In(*cp, 0xD800, 0xDFFF)) return 0;
  return len;
}

size_t EncodeUtf8(char32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

std::string FoldTerm(absl::string_view text) {
  std::string out(text.size(), '\0');
  const auto* const p = reinterpret_cast<const unsigned char*>(text.data());
  size_t o = 0;
  for (size_t i = 0; i < text.size();) {
    if (p[i] < 0x80) {
      const unsigned char c = p[i++];
      out[o++] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      continue;
    }
    char32_t cp;
    const size_t len = DecodeUtf8(p + i, text.size() - i, &cp);
    if (len == 0) {
      out[o++] = static_cast<char>(p[i++]);
      continue;
    }
    const FoldedCodePoint folded = FoldCodePoint(cp);
    switch (folded.role) {
      case FoldRole::kSeparator:
        for (size_t k = 0; k < len; ++k) out[o++] = static_cast<char>(p[i + k]);
        break;
      case FoldRole::kIgnore:
        break;
      case FoldRole::kFold:
        for (const char* a = folded.ascii; *a != '\0'; ++a) out[o++] = *a;
        break;
      case FoldRole::kKeep:
        o += EncodeUtf8(folded.cp, out.data() + o);
        break;
    }
    i += len;
  }
  out.resize(o);
  return out;
}

}  // namespace samenspel
