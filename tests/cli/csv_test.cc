// CSV reading and writing: quoting, line numbers across quoted line breaks,
// and malformed input.
#include "cli/core/csv.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samenspel::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<CsvRecord> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(&in);
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.Next(&record)) records.push_back(record);
  return records;
}

TEST(CsvReaderTest, SplitsFieldsAndKeepsEmptyOnes) {
  auto records = ReadAll("a,b,c\n1,,3\n,,\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(records[1].fields, ElementsAre("1", "", "3"));
  EXPECT_THAT(records[2].fields, ElementsAre("", "", ""));
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  auto records = ReadAll(
      "id,bio\n"
      "jan,\"Adviseur, \"\"wonen\"\"\"\n"
      "piet,\"regel een\n"
      "regel twee\"\n"
      "kees,x\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_THAT(records[1].fields, ElementsAre("jan", "Adviseur, \"wonen\""));
  EXPECT_THAT(records[2].fields, ElementsAre("piet", "regel een\nregel twee"));
  EXPECT_EQ(records[2].line, 3);
  // The record after a two-line one starts on line 5.
  EXPECT_EQ(records[3].line, 5);
  for (const auto& r : records) EXPECT_THAT(r.error, IsEmpty());
}

TEST(CsvReaderTest, AcceptsCrlfBomAndBlankLines) {
  auto records = ReadAll("\xEF\xBB\xBFid,name\r\n\r\njan,Jan\r\n\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("id", "name"));
  EXPECT_THAT(records[1].fields, ElementsAre("jan", "Jan"));
  EXPECT_EQ(records[1].line, 3);
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsLiteral) {
  auto records = ReadAll("a\"b,c\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("a\"b", "c"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAnErrorAndReadingGoesOn) {
  auto records = ReadAll("\"ab\"c,d\nok,1\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].error, HasSubstr("after a closing quote"));
  EXPECT_EQ(records[0].line, 1);
  EXPECT_THAT(records[1].fields, ElementsAre("ok", "1"));
  EXPECT_THAT(records[1].error, IsEmpty());
}

TEST(CsvReaderTest, UnterminatedQuoteIsReportedAtItsFirstLine) {
  auto records = ReadAll("id,bio\njan,\"never closed\nstill in it\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_THAT(records[1].error, HasSubstr("not closed"));
}

TEST(CsvReaderTest, CountsBytes) {
  std::istringstream in("ab,c\nd\n");
  CsvReader reader(&in);
  CsvRecord record;
  ASSERT_TRUE(reader.Next(&record));
  EXPECT_EQ(reader.bytes_read(), 5);
  ASSERT_TRUE(reader.Next(&record));
  EXPECT_EQ(reader.bytes_read(), 7);
  EXPECT_FALSE(reader.Next(&record));
}

TEST(CsvWriteTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvEscape("plain text"), "plain text");
  EXPECT_EQ(CsvEscape("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvEscape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvEscape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvLine({"a", "", "b,c"}), "a,,\"b,c\"\n");
}

TEST(CsvWriteTest, WhatIsWrittenReadsBack) {
  const std::vector<std::string> fields = {
      "jan", "Jan \"de\" Vries, PhD", "", "a\nb\r\nc", "ëèï ☃", ";"};
  auto records = ReadAll(CsvLine(fields) + CsvLine({"next"}));
  ASSERT_EQ(records.size(), 2u);
  // CRLF inside a quoted field is read as LF.
  std::vector<std::string> expected = fields;
  expected[3] = "a\nb\nc";
  EXPECT_EQ(records[0].fields, expected);
  EXPECT_EQ(records[1].line, 4);
}

}  // namespace
}  // namespace samenspel::cli
