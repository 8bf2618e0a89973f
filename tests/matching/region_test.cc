// The region table: the shipped regions.tsv (every municipality with its
// province) and what Parse refuses.
#include "matching-service/core/region.h"

#include <map>
#include <string>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matching-service/analysis/analyzer.h"

namespace samenspel::matching {
namespace {

using ::testing::HasSubstr;

RegionTable Shipped() {
  auto regions = RegionTable::Load(AnalyzerOptions::DefaultDataDir() + "/regions.tsv");
  EXPECT_TRUE(regions.ok()) << regions.status();
  return regions.ok() ? *std::move(regions) : RegionTable();
}

// The number of municipalities CBS counts per province on 1 January 2023
// (342 in all), plus the codes of the 14 municipalities merged in 2022-2023
// the table keeps: Beemster, Heerhugowaard, Langedijk and Weesp
// (Noord-Holland); Brielle, Hellevoetsluis and Westvoorne (Zuid-Holland);
// Boxmeer, Cuijk, Grave, Mill en Sint Hubert, Sint Anthonis, Landerd and Uden
// (Noord-Brabant).
TEST(RegionTableTest, ShippedTableHasEveryMunicipalityInItsProvince) {
  const RegionTable regions = Shipped();
  std::map<std::string, int> per_province;
  for (int n = 0; n <= 9999; ++n) {
    const std::string code = absl::StrFormat("GM%04d", n);
    const std::string province = regions.ProvinceOf(code);
    if (!province.empty()) ++per_province[province];
  }
  const std::map<std::string, int> want = {
      {"PV20", 10},     {"PV21", 18}, {"PV22", 12},     {"PV23", 25},
      {"PV24", 6},      {"PV25", 51}, {"PV26", 26},     {"PV27", 44 + 4},
      {"PV28", 50 + 3}, {"PV29", 13}, {"PV30", 56 + 7}, {"PV31", 31}};
  EXPECT_EQ(per_province, want);
  for (const auto& [province, count] : want) {
    EXPECT_EQ(regions.ProvinceOf(province), province);
    EXPECT_NE(regions.NameOf(province), province) << "a province without a name";
  }
}

TEST(RegionTableTest, ShippedTableSpotChecks) {
  const RegionTable regions = Shipped();
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"GM0363", {"Amsterdam", "PV27"}},      {"GM0983", {"Venlo", "PV31"}},
      {"GM0984", {"Venray", "PV31"}},         {"GM1680", {"Aa en Hunze", "PV22"}},
      {"GM1992", {"Voorne aan Zee", "PV28"}}, {"GM0050", {"Zeewolde", "PV24"}},
      {"GM0317", {"Eemnes", "PV26"}},         {"GM0893", {"Bergen (L.)", "PV31"}},
      {"GM0373", {"Bergen (NH.)", "PV27"}},   {"GM0164", {"Hengelo", "PV23"}},
      {"GM0501", {"Brielle", "PV28"}},        {"GM0856", {"Uden", "PV30"}},
      {"GM0398", {"Heerhugowaard", "PV27"}}};
  for (const auto& [code, name_province] : want) {
    EXPECT_EQ(regions.NameOf(code), name_province.first) << code;
    EXPECT_EQ(regions.ProvinceOf(code), name_province.second) << code;
  }
  // Not a municipality: matched on its own code only.
  EXPECT_EQ(regions.ProvinceOf("GM0001"), "");
  EXPECT_EQ(regions.NameOf("GM0001"), "GM0001");
}

// Municipalities the first, shorter table lacked now count as the same
// province: Aa en Hunze and Assen both lie in Drenthe.
TEST(RegionTableTest, SameProvinceForAnyMunicipality) {
  const RegionTable regions = Shipped();
  RegionMatch m = regions.Match({"GM0106"}, {"GM0363", "GM1680"}, false);
  EXPECT_EQ(m.kind, RegionMatch::kSameProvince);
  EXPECT_EQ(m.challenge_code, "GM0106");
  EXPECT_EQ(m.expert_code, "GM1680");
  // Venlo and Venray: two municipalities of Limburg, not one.
  m = regions.Match({"GM0983"}, {"GM0984"}, false);
  EXPECT_EQ(m.kind, RegionMatch::kSameProvince);
  // Brielle's old code still lies in Zuid-Holland, as Voorne aan Zee does.
  m = regions.Match({"GM1992"}, {"GM0501"}, false);
  EXPECT_EQ(m.kind, RegionMatch::kSameProvince);
}

// Of two equal links, the more specific names it: an expert in Amersfoort
// (and Utrecht province) for a challenge listing the province and Amersfoort
// is "same region" through Amersfoort, not through the province listed
// first (the explanation said "Utrecht for Utrecht").
TEST(RegionTableTest, AMunicipalityNamesAnEqualLinkRatherThanItsProvince) {
  const RegionTable regions = Shipped();
  RegionMatch m = regions.Match({"PV26", "GM0307"}, {"PV26", "GM0307"}, false);
  EXPECT_EQ(m.kind, RegionMatch::kSame);
  EXPECT_EQ(m.challenge_code, "GM0307");
  EXPECT_EQ(m.expert_code, "GM0307");
  // A closer kind still wins over a more specific code.
  m = regions.Match({"PV26", "GM0363"}, {"PV26"}, false);
  EXPECT_EQ(m.kind, RegionMatch::kSame);
  EXPECT_EQ(m.challenge_code, "PV26");
  // National scope is for the whole challenge: named as before, by the
  // first code.
  m = regions.Match({"PV26", "GM0307"}, {}, true);
  EXPECT_EQ(m.kind, RegionMatch::kNational);
  EXPECT_EQ(m.challenge_code, "PV26");
}

// A municipality lies in its province: for a challenge of Gelderland an
// expert of Arnhem is in the region (it was "same province", below the
// province's own expert); for a challenge of Arnhem, the province is not.
TEST(RegionTableTest, AMunicipalityIsInItsProvincesRegion) {
  const RegionTable regions = Shipped();
  RegionMatch m = regions.Match({"PV25"}, {"GM0202"}, false);
  EXPECT_EQ(m.kind, RegionMatch::kSame);
  EXPECT_EQ(m.challenge_code, "PV25");
  EXPECT_EQ(m.expert_code, "GM0202");
  m = regions.Match({"GM0202"}, {"PV25"}, false);
  EXPECT_EQ(m.kind, RegionMatch::kSameProvince);
  // Another province's municipality is not.
  m = regions.Match({"PV25"}, {"GM0363"}, false);
  EXPECT_EQ(m.kind, RegionMatch::kNone);
}

TEST(RegionTableTest, ParseRefusesWhatIsNotATable) {
  const std::string provinces = "PV26\tUtrecht\t-\nPV27\tNoord-Holland\t-\n";
  struct Case {
    std::string text;
    std::string want;
  };
  const Case cases[] = {
      {provinces + "GM0344\tUtrecht\n", "regions:3: want code<TAB>name<TAB>province"},
      {provinces + "GM344\tUtrecht\tPV26\n",
       "regions:3: code \"GM344\" is not a CBS code"},
      {provinces + "NL\tNederland\tPV27\n",
       "regions:3: NL (national scope) lies in no province"},
      {provinces + "GM0344\t \tPV26\n", "regions:3: code GM0344 has no name"},
      {provinces + "GM0344\tUtrecht\tPV26\nGM0344\tUtrecht\tPV26\n",
       "regions:4: code GM0344 is listed twice"},
      {provinces + "GM0344\tUtrecht\tGM0363\n",
       "regions:3: province \"GM0363\" of GM0344 is not a province code"},
      {provinces + "GM0344\tUtrecht\tPV99\n",
       "regions:3: province PV99 has no line of its own"},
      {provinces + "PV28\tZuid-Holland\tPV27\n",
       "regions:3: province PV28 lies in no other province"},
  };
  for (const Case& c : cases) {
    auto parsed = RegionTable::Parse(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.want)) << c.text;
  }
}

TEST(RegionTableTest, ParseAcceptsCommentsBlankLinesAndProvincesLast) {
  auto parsed = RegionTable::Parse(
      "# a comment\n\nGM0344\tUtrecht\tPV26\nWS0155\tWaterschap Aa en Maas\t-\n"
      "PV26\tUtrecht\t-\nPV27\tNoord-Holland\tPV27\nNL\tNederland\t-\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->ProvinceOf("GM0344"), "PV26");
  EXPECT_EQ(parsed->ProvinceOf("WS0155"), "");
  EXPECT_EQ(parsed->ProvinceOf("PV27"), "PV27");
  EXPECT_EQ(parsed->NameOf("NL"), "Nederland");
  EXPECT_EQ(parsed->ProvinceOf("NL"), "");
}

// What a spreadsheet saves: a byte order mark, a header row, CRLF lines.
TEST(RegionTableTest, ParseAcceptsASpreadsheetsExport) {
  auto parsed = RegionTable::Parse(
      "\xEF\xBB\xBF"
      "code\tname\tprovince\r\nPV26\tUtrecht\t-\r\nGM0344\tUtrecht\tPV26\r\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->ProvinceOf("PV26"), "PV26");
  EXPECT_EQ(parsed->ProvinceOf("GM0344"), "PV26");
  // A header row is only the first line's.
  EXPECT_FALSE(RegionTable::Parse("PV26\tUtrecht\t-\ncode\tname\tprovince\n").ok());
}

}  // namespace
}  // namespace samenspel::matching
