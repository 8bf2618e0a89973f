// Parsing of the analyser's data files (synonyms.txt, lexicon.txt), and checks
// on the files that ship with the service.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matching-service/analysis/analyzer.h"
#include "matching-service/analysis/data_files.h"

namespace samenspel::matching {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

std::vector<std::vector<std::string>> EntryWords(const SynonymGroup& group) {
  std::vector<std::vector<std::string>> words;
  for (const SynonymEntry& entry : group.entries) words.push_back(entry.words);
  return words;
}

absl::Status ParseError(absl::string_view text) {
  return ParseSynonyms(text, "syn.txt").status();
}

TEST(ParseSynonymsTest, ParsesGroupsPhrasesAndComments) {
  auto groups = ParseSynonyms(
      "# a comment\n"
      "\n"
      "housing, Woningbouw ,volkshuisvesting   # trailing comment\r\n"
      "Wet Maatschappelijke Ondersteuning, Wmo, the social support act\n",
      "syn.txt");
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_THAT(*groups, SizeIs(2));
  EXPECT_EQ((*groups)[0].line, 3);
  EXPECT_THAT(EntryWords((*groups)[0]),
              ElementsAre(ElementsAre("housing"), ElementsAre("woningbouw"),
                          ElementsAre("volkshuisvesting")));
  EXPECT_EQ((*groups)[0].entries[1].text, "Woningbouw");
  EXPECT_EQ((*groups)[1].line, 4);
  EXPECT_THAT(EntryWords((*groups)[1]),
              ElementsAre(ElementsAre("wet", "maatschappelijke", "ondersteuning"),
                          ElementsAre("wmo"), ElementsAre("social", "support", "act")));
}

TEST(ParseSynonymsTest, FoldsAccentsAndPunctuationInsideEntries) {
  auto groups = ParseSynonyms("Coöperatie, co-operative\n", "syn.txt");
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_THAT(EntryWords((*groups)[0]),
              ElementsAre(ElementsAre("cooperatie"), ElementsAre("co", "operative")));
}

TEST(ParseSynonymsTest, DropsRepeatedEntriesWithinAGroup) {
  auto groups = ParseSynonyms("Wmo, WMO, wmo, social support\n", "syn.txt");
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_THAT((*groups)[0].entries, SizeIs(2));
}

TEST(ParseSynonymsTest, EmptyFileHasNoGroups) {
  auto groups = ParseSynonyms("# nothing here\n\n", "syn.txt");
  ASSERT_TRUE(groups.ok());
  EXPECT_THAT(*groups, IsEmpty());
}

TEST(ParseSynonymsTest, RejectsBadLinesWithTheirLineNumbers) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"a1, b1\nalleen\n", "syn.txt:2: a group needs at least two"},
      {"wmo, WMO\n", "syn.txt:1: a group needs at least two different"},
      {"a1,, b1\n", "syn.txt:1: empty entry"},
      {"a1, b1,\n", "syn.txt:1: empty entry"},
      {"\n\nwmo => wet maatschappelijke ondersteuning\n", "syn.txt:3: one-way mappings"},
      {"or, ondernemingsraad\n", "syn.txt:1: \"or\" has no words left"},
      {"aa, bb cc dd ee ff gg hh ii jj\n",
       "syn.txt:1: \"bb cc dd ee ff gg hh ii jj\" has more"},
      {"ok, fine\nbad\xff, worse\n", "syn.txt:2: not valid UTF-8"},
  };
  for (const Case& c : cases) {
    const absl::Status status = ParseError(c.text);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(status.message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(ParseSynonymsTest, ReportsEveryBadLineUpToALimit) {
  const absl::Status two = ParseError("alleen\nok, fine\nook\n");
  EXPECT_THAT(two.message(), AllOf(HasSubstr("syn.txt:1:"), HasSubstr("syn.txt:3:"),
                                   Not(HasSubstr("syn.txt:2:"))));
  std::string many;
  for (int i = 0; i < 25; ++i) many += "alleen\n";
  const absl::Status capped = ParseError(many);
  EXPECT_THAT(capped.message(),
              AllOf(HasSubstr("syn.txt:20:"), Not(HasSubstr("syn.txt:21:")),
                    HasSubstr("and 5 more bad lines")));
}

TEST(ParseLexiconTest, ParsesOneWordPerLine) {
  auto words = ParseLexicon("# comment\nWoning\n\n  coöperatie  # trailing\n", "lex.txt");
  ASSERT_TRUE(words.ok()) << words.status();
  EXPECT_THAT(*words, ElementsAre("woning", "cooperatie"));
}

TEST(ParseLexiconTest, RejectsPhrasesPunctuationAndStopWords) {
  const absl::Status status =
      ParseLexicon("woning\ntwee woorden\nregio's\nover\n", "lex.txt").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("lex.txt:2: \"twee woorden\" is not one word"),
                    HasSubstr("lex.txt:3: \"regio's\" is not one word"),
                    HasSubstr("lex.txt:4: \"over\" is a stop word"),
                    Not(HasSubstr("lex.txt:1:"))));
}

// --- The shipped files ------------------------------------------------------

std::string ReadShipped(absl::string_view name) {
  const std::string path = absl::StrCat(AnalyzerOptions::DefaultDataDir(), "/", name);
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// True when one group of `groups` holds all of `entries` (as folded words
// joined by spaces).
bool SameGroup(const std::vector<SynonymGroup>& groups,
               const std::vector<std::string>& entries) {
  for (const SynonymGroup& group : groups) {
    size_t found = 0;
    for (const std::string& wanted : entries) {
      for (const SynonymEntry& entry : group.entries) {
        if (absl::StrJoin(entry.words, " ") == wanted) {
          ++found;
          break;
        }
      }
    }
    if (found == entries.size()) return true;
  }
  return false;
}

TEST(ShippedDataTest, SynonymFileParsesAndCoversTheCommonThemes) {
  auto groups = ParseSynonyms(ReadShipped("synonyms.txt"), "synonyms.txt");
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_GT(groups->size(), 300u);
  const std::vector<std::vector<std::string>> expected = {
      {"housing", "woningbouw", "volkshuisvesting", "huisvesting"},
      {"energy transition", "energietransitie"},
      {"climate adaptation", "klimaatadaptatie"},
      {"youth care", "jeugdzorg", "jeugdhulp"},
      {"stikstof", "nitrogen"},
      {"poverty", "armoede"},
      {"debt", "schulden", "schuldhulpverlening"},
      {"asylum reception", "asielopvang"},
      {"homeless shelter", "maatschappelijke opvang"},
      {"dso", "digitaal stelsel omgevingswet"},
      {"ggd", "gemeentelijke gezondheidsdienst"},
      {"res", "regionale energiestrategie"},
      {"wmo", "wet maatschappelijke ondersteuning"},
      {"avg", "gdpr"},
      {"omgevingswet", "environment planning act"},
      {"veiligheidsregio", "safety region"},
      {"omgevingsdienst", "environmental service"},
      {"woo", "wet open overheid"},
      {"participatiewet", "participation act"},
      {"jeugdwet", "youth act"},
  };
  for (const std::vector<std::string>& entries : expected) {
    EXPECT_TRUE(SameGroup(*groups, entries)) << absl::StrJoin(entries, ", ");
  }
  // Words that mean two things here are in no group (asylum or homeless
  // shelter; heat stress or heating), or in the group of their meaning in
  // Dutch government (DSO: not a grid's system operator).
  EXPECT_FALSE(SameGroup(*groups, {"opvang", "asielopvang"}));
  EXPECT_FALSE(SameGroup(*groups, {"opvang", "maatschappelijke opvang"}));
  EXPECT_FALSE(SameGroup(*groups, {"heat", "hittestress"}));
  EXPECT_FALSE(SameGroup(*groups, {"dso", "netbeheerder"}));
}

TEST(ShippedDataTest, LexiconParses) {
  auto words = ParseLexicon(ReadShipped("lexicon.txt"), "lexicon.txt");
  ASSERT_TRUE(words.ok()) << words.status();
  EXPECT_GT(words->size(), 1000u);
}

}  // namespace
}  // namespace samenspel::matching
