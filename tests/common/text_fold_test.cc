#include "common/text_fold.h"

#include <string>

#include "gtest/gtest.h"

namespace samenspel {
namespace {

TEST(FoldTermTest, LowerCasesAndFoldsAccentsKeepingSeparators) {
  EXPECT_EQ(FoldTerm("Één Overheid"), "een overheid");
  EXPECT_EQ(FoldTerm("ÉÉN OVERHEID"), "een overheid");
  EXPECT_EQ(FoldTerm("Coöperatie, Ĳsselmeer & Straße"),
            "cooperatie, ijsselmeer & strasse");
  EXPECT_EQ(FoldTerm("energie-transitie (regio)"), "energie-transitie (regio)");
  EXPECT_EQ(FoldTerm(""), "");
}

TEST(FoldTermTest, NfdAndNfcGiveTheSameTerm) {
  // "één" as precomposed letters and as e + U+0301 (combining acute).
  EXPECT_EQ(FoldTerm("\xC3\xA9\xC3\xA9n"), FoldTerm("e\xCC\x81"
                                                    "e\xCC\x81n"));
  EXPECT_EQ(FoldTerm("E\xCC\x81"
                     "E\xCC\x81N"),
            "een");
  // A soft hyphen and a zero-width joiner are dropped.
  EXPECT_EQ(FoldTerm("warmte\xC2\xADtransitie"), "warmtetransitie");
  EXPECT_EQ(FoldTerm("a\xE2\x80\x8D"
                     "b"),
            "ab");
}

TEST(FoldTermTest, OtherScriptsAreLowerCasedOrKept) {
  EXPECT_EQ(FoldTerm("ΑΘΗΝΑ"), "αθηνα");
  EXPECT_EQ(FoldTerm("МОСКВА"), "москва");
  EXPECT_EQ(FoldTerm("ＡＢＣ１"), "abc1");
  EXPECT_EQ(FoldTerm("東京"), "東京");
  // Punctuation and symbols stay: "×" is not folded to anything.
  EXPECT_EQ(FoldTerm("3×4 — “klimaat”"), "3×4 — “klimaat”");
}

TEST(FoldTermTest, InvalidUtf8IsKeptByteForByte) {
  EXPECT_EQ(FoldTerm(std::string("A\xFF"
                                 "B\xC3",
                                 4)),
            std::string("a\xFF"
                        "b\xC3",
                        4));
}

TEST(FoldTermTest, NeverLongerThanItsInput) {
  for (char32_t cp = 0x80; cp < 0x30000; ++cp) {
    char utf8[4];
    const size_t len = EncodeUtf8(cp, utf8);
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const std::string text(utf8, len);
    EXPECT_LE(FoldTerm(text).size(), text.size()) << std::hex << static_cast<int>(cp);
    char32_t decoded = 0;
    ASSERT_EQ(DecodeUtf8(reinterpret_cast<const unsigned char*>(utf8), len, &decoded),
              len);
    ASSERT_EQ(decoded, cp);
  }
}

}  // namespace
}  // namespace samenspel
