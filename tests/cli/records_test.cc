// The bulk formats: JSON Lines (and what -o json prints), CSV with a header,
// and that what RecordWriter writes RecordReader reads back.
#include "cli/core/records.h"

#include <set>
#include <sstream>
#include <string>

#include "cli/core/exit_code.h"
#include "cli/core/resource_kind.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
namespace tv1 = ::samenspel::type::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Object {
  std::string text;
  int line;
  std::string error;
};

std::vector<Object> Objects(const std::string& input) {
  std::istringstream in(input);
  JsonObjectReader reader(&in);
  std::vector<Object> objects;
  Object o;
  while (reader.Next(&o.text, &o.line, &o.error)) objects.push_back(o);
  return objects;
}

std::vector<InputRecord> Records(Kind kind, Format format, const std::string& input) {
  std::istringstream in(input);
  auto reader = NewRecordReader(kind, format, &in);
  EXPECT_TRUE(reader.ok()) << reader.status();
  std::vector<InputRecord> records;
  if (!reader.ok()) return records;
  InputRecord record;
  while ((*reader)->Next(&record)) records.push_back(std::move(record));
  return records;
}

TEST(JsonObjectReaderTest, JsonLinesOnePerLineAndABrokenLineStaysAlone) {
  auto objects =
      Objects("{\"a\":1}\n\n{\"b\": {\"c\": \"}\"}\n{\"broken\": \n{\"d\":4}\n");
  ASSERT_EQ(objects.size(), 4u);
  EXPECT_EQ(objects[0].line, 1);
  EXPECT_EQ(objects[1].line, 3);
  EXPECT_EQ(objects[1].text, "{\"b\": {\"c\": \"}\"}");
  EXPECT_EQ(objects[2].text, "{\"broken\":");  // The parser will reject it.
  EXPECT_EQ(objects[3].line, 5);
}

// A broken first line made the reader take the file for one document and
// swallow every line after it into the broken object.
TEST(JsonObjectReaderTest, ABrokenFirstLineDoesNotSwallowTheRest) {
  auto objects = Objects("{\"a\": 1\n{\"b\": 2}\n{\"c\": \"3\n{\"d\": 4}\n");
  ASSERT_EQ(objects.size(), 4u);
  EXPECT_EQ(objects[0].line, 1);
  EXPECT_THAT(objects[0].error, HasSubstr("not closed before line 2"));
  EXPECT_EQ(objects[1].line, 2);
  EXPECT_EQ(objects[1].text, "{\"b\": 2}");
  EXPECT_THAT(objects[1].error, IsEmpty());
  EXPECT_EQ(objects[2].line, 3);  // an unclosed string ends with its line
  EXPECT_THAT(objects[2].error, HasSubstr("not closed before line 4"));
  EXPECT_EQ(objects[3].line, 4);
  EXPECT_THAT(objects[3].error, IsEmpty());

  // A stray brace after the first line's object: that brace is reported,
  // and the lines after it are read one by one.
  auto stray = Objects("{\"a\": 1}}\n{\"b\": 2}\n{\"c\": 3\n{\"d\": 4}\n{\"e\": 5}\n");
  ASSERT_EQ(stray.size(), 6u);
  EXPECT_THAT(stray[0].error, IsEmpty());
  EXPECT_EQ(stray[1].line, 1);
  EXPECT_THAT(stray[1].error, HasSubstr("expected a JSON object"));
  EXPECT_EQ(stray[3].line, 3);
  EXPECT_THAT(stray[3].error, HasSubstr("not closed"));
  EXPECT_EQ(stray[4].line, 4);
  EXPECT_EQ(stray[5].line, 5);
  EXPECT_THAT(stray[5].error, IsEmpty());
}

// A document printed without indentation (Python's indent=0, Go's
// MarshalIndent with ""): nested objects start lines too, after '[', ',' or
// ':', and are not taken for the next record.
TEST(JsonObjectReaderTest, NestedObjectsAtTheStartOfALineStayInTheirRecord) {
  auto objects = Objects(
      "[\n{\n\"a\": [\n{\n\"b\": 1\n},\n{\n\"c\": 2\n}\n],\n\"d\":\n{\n\"e\": 3\n}\n},\n"
      "{\n\"f\": 4\n}\n]\n");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_THAT(objects[0].error, IsEmpty());
  EXPECT_THAT(objects[0].text, HasSubstr("\"e\": 3"));
  EXPECT_EQ(objects[1].line, 16);
  EXPECT_THAT(objects[1].error, IsEmpty());
  // Broken, pretty-printed: a value without its ',' before the next '{'.
  auto broken = Objects("{\n\"a\": 1\n{\n\"b\": 2\n}\n");
  ASSERT_EQ(broken.size(), 2u);
  EXPECT_THAT(broken[0].error, HasSubstr("not closed before line 3"));
  EXPECT_THAT(broken[1].error, IsEmpty());
}

TEST(JsonObjectReaderTest, AnArrayAsListMinusOJsonPrintsIt) {
  auto objects = Objects("[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": \"[,]\"\n  }\n]\n");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].line, 2);
  EXPECT_EQ(objects[1].line, 5);
  EXPECT_THAT(objects[1].text, HasSubstr("\"[,]\""));
  for (const auto& o : objects) EXPECT_THAT(o.error, IsEmpty());
}

TEST(JsonObjectReaderTest, PrettyObjectsOneAfterAnother) {
  auto objects = Objects("{\n \"a\": 1\n}\n{\n \"b\": 2\n}\n");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[1].line, 4);
}

TEST(JsonObjectReaderTest, GarbageInADocumentIsReportedWithItsLine) {
  auto objects = Objects("[\n{\"a\": 1},\noops\n{\"b\": 2}\n]");
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[1].line, 3);
  EXPECT_THAT(objects[1].error, HasSubstr("expected a JSON object"));
  EXPECT_EQ(objects[2].line, 4);
  auto unclosed = Objects("{\n\"a\": 1\n");
  ASSERT_EQ(unclosed.size(), 1u);
  EXPECT_THAT(unclosed[0].error, HasSubstr("not closed"));
}

// The offending text is cut to 20 bytes, but never inside a character: the
// message goes into -o json, which must be valid UTF-8.
TEST(JsonObjectReaderTest, GarbageIsCutBetweenCharacters) {
  auto objects = Objects("[\n\"abcdefghijklmnopqr\u00e9 tail\"\n]");
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].error,
            "expected a JSON object here, found '\"abcdefghijklmnopqr'");
  auto fits = Objects("[\n\"abcdefghijklmnopq\u00e9 tail\"\n]");
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(fits[0].error,
            "expected a JSON object here, found '\"abcdefghijklmnopq\u00e9'");
}

TEST(RecordReaderTest, JsonTakesTheIdFromTheNameAndDropsOutputOnlyFields) {
  auto records = Records(Kind::kExpert, Format::kJsonl,
                         R"({"name":"experts/jan","displayName":"Jan","etag":"\"7\"",)"
                         R"("revision":"7","layer":"GOVERNMENT_LAYER_NATIONAL",)"
                         R"("skills":[{"name":"woningbouw","level":4}]})"
                         "\n"
                         R"({"display_name":"Zonder id","consent_to_matching":true})"
                         "\n");
  ASSERT_EQ(records.size(), 2u);
  ASSERT_THAT(records[0].problems, IsEmpty());
  EXPECT_EQ(records[0].id, "jan");
  const auto& jan = static_cast<const v1::Expert&>(*records[0].resource);
  EXPECT_EQ(jan.display_name(), "Jan");
  EXPECT_EQ(jan.skills(0).level(), 4);
  EXPECT_TRUE(jan.name().empty());
  EXPECT_TRUE(jan.etag().empty());
  EXPECT_EQ(jan.revision(), 0);
  EXPECT_EQ(jan.layer(), 0);
  // Proto field names are accepted too.
  EXPECT_EQ(records[1].id, "");
  EXPECT_TRUE(static_cast<const v1::Expert&>(*records[1].resource).consent_to_matching());
}

TEST(RecordReaderTest, JsonProblemsCarryTheirLine) {
  auto records = Records(Kind::kExpert, Format::kJsonl,
                         "{\"displayName\":\"ok\"}\n"
                         "{\"displayName\":\"x\",\"nonsense\":1}\n"
                         "{\"name\":\"teams/t1\"}\n"
                         "not json\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_THAT(records[0].problems, IsEmpty());
  ASSERT_EQ(records[1].problems.size(), 1u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_THAT(records[1].problems[0].reason, HasSubstr("nonsense"));
  ASSERT_EQ(records[2].problems.size(), 1u);
  EXPECT_EQ(records[2].problems[0].field, "name");
  EXPECT_EQ(records[3].line, 4);
  EXPECT_THAT(records[3].problems[0].reason, HasSubstr("not a valid expert"));
}

// Enum values in JSON Lines as the flags and CSV take them: short names in
// any case, besides protobuf's full names; other values are still refused.
TEST(RecordReaderTest, JsonEnumsByShortNameInAnyCase) {
  auto organisations =
      Records(Kind::kOrganisation, Format::kJsonl,
              "{\"displayName\":\"a\",\"layer\":\"municipal\"}\n"
              "{\"displayName\":\"b\",\"layer\":\"Water-Authority\"}\n"
              "{\"displayName\":\"c\",\"layer\":\"GOVERNMENT_LAYER_NATIONAL\"}\n"
              "{\"displayName\":\"d\",\"layer\":\"gemeente\"}\n");
  ASSERT_EQ(organisations.size(), 4u);
  for (int i = 0; i < 3; ++i) ASSERT_THAT(organisations[i].problems, IsEmpty()) << i;
  auto layer = [&](int i) {
    return static_cast<const v1::Organisation&>(*organisations[i].resource).layer();
  };
  EXPECT_EQ(layer(0), tv1::GOVERNMENT_LAYER_MUNICIPAL);
  EXPECT_EQ(layer(1), tv1::GOVERNMENT_LAYER_WATER_AUTHORITY);
  EXPECT_EQ(layer(2), tv1::GOVERNMENT_LAYER_NATIONAL);
  ASSERT_EQ(organisations[3].problems.size(), 1u);
  EXPECT_THAT(organisations[3].problems[0].reason, HasSubstr("gemeente"));
  // Named by its field, as validation names fields.
  EXPECT_EQ(organisations[3].problems[0].field, "layer");
  EXPECT_THAT(organisations[3].problems[0].reason, HasSubstr("not a valid organisation"));

  // Repeated enums, and nested messages left as they are.
  auto experts = Records(Kind::kExpert, Format::kJsonl,
                         "{\"displayName\":\"e\",\"perspectives\":[\"policy\","
                         "\"PERSPECTIVE_EXECUTION\"],\"skills\":[{\"name\":\"wonen\","
                         "\"level\":3}]}\n");
  ASSERT_EQ(experts.size(), 1u);
  ASSERT_THAT(experts[0].problems, IsEmpty());
  const auto& e = static_cast<const v1::Expert&>(*experts[0].resource);
  ASSERT_EQ(e.perspectives_size(), 2);
  EXPECT_EQ(e.perspectives(0), tv1::PERSPECTIVE_POLICY);
  EXPECT_EQ(e.perspectives(1), tv1::PERSPECTIVE_EXECUTION);
  ASSERT_EQ(e.skills_size(), 1);
  EXPECT_EQ(e.skills(0).name(), "wonen");
  EXPECT_EQ(e.skills(0).level(), 3);

  // Not rewritten where rewriting could change the document: a key given
  // twice (protobuf's parser merges or refuses those), or nesting deeper
  // than any resource (also a line of 100,000 brackets: no crash).
  const std::string deep(100000, '[');
  auto refused =
      Records(Kind::kOrganisation, Format::kJsonl,
              "{\"displayName\":\"x\",\"displayName\":\"y\",\"layer\":\"municipal\"}\n"
              "{\"layer\":\"municipal\",\"regionCodes\":" +
                  std::string(40, '[') + std::string(40, ']') +
                  "}\n{\"layer\":\"municipal\",\"x\":" + deep + "}\n");
  ASSERT_EQ(refused.size(), 3u);
  for (const InputRecord& r : refused) {
    ASSERT_EQ(r.problems.size(), 1u) << r.line;
    EXPECT_THAT(r.problems[0].reason, HasSubstr("not a valid organisation")) << r.line;
  }
  EXPECT_THAT(refused[0].problems[0].reason, HasSubstr("municipal"));
}

TEST(RecordReaderTest, CsvColumnsByHeaderInAnyOrder) {
  auto records = Records(Kind::kExpert, Format::kCsv,
                         "skills,id,display_name,organisation,consent_to_matching\n"
                         "woningbouw:4;ruimte:2,jan,\"Vries, Jan de\",bzk,ja\n"
                         "woningbouw:x,piet,Piet,bzk,\n");
  ASSERT_EQ(records.size(), 2u);
  ASSERT_THAT(records[0].problems, IsEmpty());
  EXPECT_EQ(records[0].id, "jan");
  EXPECT_EQ(records[0].line, 2);
  const auto& jan = static_cast<const v1::Expert&>(*records[0].resource);
  EXPECT_EQ(jan.display_name(), "Vries, Jan de");
  EXPECT_EQ(jan.organisation(), "organisations/bzk");
  EXPECT_EQ(jan.skills_size(), 2);
  EXPECT_TRUE(jan.consent_to_matching());
  ASSERT_EQ(records[1].problems.size(), 1u);
  EXPECT_EQ(records[1].problems[0].field, "skills");
  EXPECT_EQ(records[1].line, 3);
}

TEST(RecordReaderTest, CsvCellsThatAreNotUtf8AreReportedByColumn) {
  // "Curaçao" as Windows-1252 writes it, and a stray control character.
  auto records = Records(Kind::kOrganisation, Format::kCsv,
                         "id,display_name,layer\ngm1,Cura\xe7"
                         "ao,municipal\n"
                         "gm2,Gemeente\x01,municipal\ngm3,Curaçao,municipal\n");
  ASSERT_EQ(records.size(), 3u);
  for (int i : {0, 1}) {
    ASSERT_EQ(records[i].problems.size(), 1u) << i;
    EXPECT_EQ(records[i].problems[0].field, "display_name");
    EXPECT_THAT(records[i].problems[0].reason, HasSubstr("save the file as UTF-8"));
  }
  EXPECT_THAT(records[2].problems, IsEmpty());
}

TEST(RecordReaderTest, CsvRowWithTheWrongNumberOfFields) {
  auto records = Records(Kind::kOrganisation, Format::kCsv,
                         "id,display_name,layer\nbzk,BZK,national,extra\n");
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].problems.size(), 1u);
  EXPECT_THAT(records[0].problems[0].reason,
              HasSubstr("4 fields where the header has 3"));
}

TEST(RecordReaderTest, UnknownCsvColumnIsAUsageErrorNamingTheKnownOnes) {
  std::istringstream in("id,name,skillz\n");
  auto reader = NewRecordReader(Kind::kExpert, Format::kCsv, &in);
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(IsUsageError(reader.status()));
  EXPECT_THAT(reader.status().message(), HasSubstr("name, skillz"));
  EXPECT_THAT(reader.status().message(), HasSubstr("id,display_name,organisation"));
}

// A file from a Dutch spreadsheet: ';' between the columns is said as such
// (it was "unknown column(s) id;display_name;..."), and headers in other
// case are the same columns.
TEST(RecordReaderTest, CsvHeadersInAnyCaseAndSemicolonSeparatedFilesSaid) {
  std::istringstream semicolons("id;display_name;layer\nbzk;BZK;national\n");
  auto reader = NewRecordReader(Kind::kOrganisation, Format::kCsv, &semicolons);
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(IsUsageError(reader.status()));
  EXPECT_THAT(reader.status().message(), HasSubstr("separated by ';', not ','"));
  auto records = Records(Kind::kOrganisation, Format::kCsv,
                         "ID,Display_Name, LAYER\nbzk,BZK,national\n");
  ASSERT_EQ(records.size(), 1u);
  ASSERT_THAT(records[0].problems, IsEmpty());
  EXPECT_EQ(records[0].id, "bzk");
  EXPECT_EQ(static_cast<const v1::Organisation&>(*records[0].resource).display_name(),
            "BZK");
}

TEST(RecordWriterTest, CsvAndJsonlReadBackTheSame) {
  v1::Challenge c;
  c.set_name("challenges/huisvesting");
  c.set_title("Huisvesting, \"statushouders\"");
  c.set_description("Twee\nregels");
  c.set_owner_organisation("organisations/gm0363");
  c.add_themes("wonen");
  auto* s = c.add_required_skills();
  s->set_name("woningbouw");
  s->set_min_level(3);
  s->set_weight(2.5);
  c.add_desired_layers(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  c.add_desired_layers(type::v1::GOVERNMENT_LAYER_NATIONAL);
  c.set_team_size(5);
  c.set_state(v1::Challenge::OPEN);
  c.set_etag("\"3\"");
  for (Format format : {Format::kCsv, Format::kJsonl}) {
    std::ostringstream out;
    RecordWriter writer(Kind::kChallenge, format, &out);
    writer.Write(c);
    writer.Write(c);
    auto records = Records(Kind::kChallenge, format, out.str());
    ASSERT_EQ(records.size(), 2u) << FormatName(format);
    ASSERT_THAT(records[0].problems, IsEmpty()) << FormatName(format);
    EXPECT_EQ(records[0].id, "huisvesting");
    v1::Challenge expected = c;
    expected.clear_name();
    expected.clear_etag();
    EXPECT_EQ(records[1].resource->SerializeAsString(), expected.SerializeAsString())
        << FormatName(format) << ": " << out.str();
  }
}

// Every field a user may set has a flag and a CSV column: a field left out
// of the kind's table is cleared on import and whole-record update.
TEST(ResourceKindTest, EveryFieldButTheOutputOnlyOnesIsWritable) {
  for (Kind kind : AllKinds()) {
    std::set<std::string> output_only = {"name", "etag", "revision", "create_time",
                                         "update_time"};
    if (kind == Kind::kExpert) output_only.insert("layer");  // the organisation's
    const KindInfo& info = InfoFor(kind);
    for (int i = 0; i < info.descriptor->field_count(); ++i) {
      const std::string field = info.descriptor->field(i)->name();
      EXPECT_EQ(FindFieldSpec(info, field) != nullptr, output_only.count(field) == 0)
          << info.collection << "." << field;
    }
  }
}

TEST(RecordWriterTest, AnExpertsConsentsSurviveCsvAndJsonl) {
  v1::Expert e;
  e.set_name("experts/jan");
  e.set_display_name("Jan");
  e.set_organisation("organisations/bzk");
  e.set_consent_to_matching(true);
  e.set_share_contact_details(true);
  for (Format format : {Format::kCsv, Format::kJsonl}) {
    std::ostringstream out;
    RecordWriter writer(Kind::kExpert, format, &out);
    writer.Write(e);
    auto records = Records(Kind::kExpert, format, out.str());
    ASSERT_EQ(records.size(), 1u) << FormatName(format);
    ASSERT_THAT(records[0].problems, IsEmpty()) << FormatName(format);
    const auto& jan = static_cast<const v1::Expert&>(*records[0].resource);
    EXPECT_TRUE(jan.consent_to_matching()) << FormatName(format);
    EXPECT_TRUE(jan.share_contact_details()) << FormatName(format) << ": " << out.str();
  }
}

// What CSV cannot carry is said: a list item holding ';' (import reads two
// items) and a cell a spreadsheet would run as a formula. It was written as
// it was, the item split without a word on import.
TEST(RecordWriterTest, CsvWarnsOfSemicolonsInItemsAndFormulaCells) {
  v1::Expert e;
  e.set_name("experts/jan");
  e.set_display_name("=HYPERLINK(\"http://evil.example\",\"klik\")");
  e.set_organisation("organisations/bzk");
  e.add_themes("wonen; zorg");
  e.add_themes("klimaat");
  e.set_available_hours_per_week(8);
  std::ostringstream out;
  RecordWriter writer(Kind::kExpert, Format::kCsv, &out);
  writer.Write(e);
  // What loses data first, then formulas.
  ASSERT_EQ(writer.warnings().size(), 2u);
  EXPECT_THAT(writer.warnings()[0],
              HasSubstr("experts/jan: themes item 'wonen; zorg' holds ';'"));
  EXPECT_THAT(writer.warnings()[1],
              HasSubstr("experts/jan: display_name starts with '='"));
  // Many formula cells: ten, and a count; every split item still.
  for (int i = 0; i < 14; ++i) writer.Write(e);
  const std::vector<std::string> many = writer.warnings();
  ASSERT_EQ(many.size(), 15u + 10u + 1u);
  EXPECT_THAT(many[14], HasSubstr("holds ';'"));
  EXPECT_EQ(many.back(), "5 more cells start with =, +, -, @, a tab or a CR");
  // JSON Lines holds both: nothing to say.
  RecordWriter jsonl(Kind::kExpert, Format::kJsonl, &out);
  jsonl.Write(e);
  EXPECT_THAT(jsonl.warnings(), IsEmpty());
  // A plain expert: nothing either.
  e.set_display_name("Jan");
  e.set_themes(0, "wonen");
  RecordWriter plain(Kind::kExpert, Format::kCsv, &out);
  plain.Write(e);
  EXPECT_THAT(plain.warnings(), IsEmpty());
}

TEST(FormatTest, FromNamesAndExtensions) {
  EXPECT_EQ(*ParseFormat("CSV"), Format::kCsv);
  EXPECT_EQ(*ParseFormat("ndjson"), Format::kJsonl);
  EXPECT_TRUE(IsUsageError(ParseFormat("xml").status()));
  EXPECT_EQ(*FormatFromPath("/data/experts.JSONL"), Format::kJsonl);
  EXPECT_EQ(*FormatFromPath("lijst.json"), Format::kJsonl);
  EXPECT_EQ(*FormatFromPath("a.csv"), Format::kCsv);
  EXPECT_THAT(FormatFromPath("experts.txt").status().message(), HasSubstr("--format"));
}

}  // namespace
}  // namespace samenspel::cli
