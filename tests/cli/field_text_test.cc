// Field values as text: the forms flags and CSV cells use.
#include "cli/core/field_text.h"

#include <initializer_list>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samenspel/registry/v1/resources.pb.h"
#include "samenspel/type/v1/types.pb.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
namespace type = ::samenspel::type::v1;
using ::testing::HasSubstr;

const google::protobuf::FieldDescriptor& F(const google::protobuf::Message& m,
                                           const char* name) {
  return *m.GetDescriptor()->FindFieldByName(name);
}

TEST(FieldTextTest, EnumsAcceptShortAndFullNamesInAnyCase) {
  const auto* layer = type::GovernmentLayer_descriptor();
  for (const char* text : {"municipal", "MUNICIPAL", "Government_Layer_Municipal",
                           "GOVERNMENT_LAYER_MUNICIPAL"}) {
    auto value = ParseEnumText(*layer, text);
    ASSERT_TRUE(value.ok()) << text;
    EXPECT_EQ((*value)->number(), type::GOVERNMENT_LAYER_MUNICIPAL);
  }
  auto water = ParseEnumText(*layer, "water-authority");
  ASSERT_TRUE(water.ok());
  EXPECT_EQ((*water)->number(), type::GOVERNMENT_LAYER_WATER_AUTHORITY);
  // States have no prefix on their values.
  auto state = ParseEnumText(*v1::TaskTeam::State_descriptor(), "active");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ((*state)->number(), v1::TaskTeam::ACTIVE);
}

TEST(FieldTextTest, UnknownEnumListsTheAcceptedNamesButNotUnspecified) {
  auto value = ParseEnumText(*type::Perspective_descriptor(), "beleidsmatig");
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(),
              HasSubstr("POLICY, EXECUTION, GOVERNANCE, FRONTLINE"));
  EXPECT_FALSE(ParseEnumText(*type::Perspective_descriptor(), "unspecified").ok());
}

TEST(FieldTextTest, EnumShortNameStripsThePrefix) {
  EXPECT_EQ(EnumShortName(*type::GovernmentLayer_descriptor()->FindValueByNumber(
                type::GOVERNMENT_LAYER_NATIONAL)),
            "NATIONAL");
  EXPECT_EQ(EnumShortName(*v1::Challenge::State_descriptor()->FindValueByNumber(
                v1::Challenge::OPEN)),
            "OPEN");
}

TEST(FieldTextTest, SkillsAreNameColonLevel) {
  v1::Expert e;
  ASSERT_TRUE(AppendFieldText(e, F(e, "skills"), "woningbouw:4").ok());
  ASSERT_TRUE(AppendFieldText(e, F(e, "skills"), "data: analyse:2").ok());
  ASSERT_EQ(e.skills_size(), 2);
  EXPECT_EQ(e.skills(0).name(), "woningbouw");
  EXPECT_EQ(e.skills(0).level(), 4);
  EXPECT_EQ(e.skills(1).name(), "data: analyse");  // The level is after the last ':'.
  EXPECT_EQ(FieldText(e, F(e, "skills"), ";"), "woningbouw:4;data: analyse:2");

  auto bad = AppendFieldText(e, F(e, "skills"), "woningbouw");
  EXPECT_THAT(bad.message(), HasSubstr("NAME:LEVEL"));
  bad = AppendFieldText(e, F(e, "skills"), "woningbouw:vier");
  EXPECT_THAT(bad.message(), HasSubstr("not a whole number"));
  EXPECT_EQ(e.skills_size(), 2);  // A bad value adds nothing.
}

TEST(FieldTextTest, RequiredSkillsTakeOptionalLevelAndWeight) {
  v1::Challenge c;
  const auto& field = F(c, "required_skills");
  ASSERT_TRUE(AppendFieldText(c, field, "woningbouw").ok());
  ASSERT_TRUE(AppendFieldText(c, field, "sociaal domein:2").ok());
  ASSERT_TRUE(AppendFieldText(c, field, "stikstof:3:0.5").ok());
  ASSERT_EQ(c.required_skills_size(), 3);
  EXPECT_EQ(c.required_skills(0).min_level(), 0);
  EXPECT_EQ(c.required_skills(1).name(), "sociaal domein");
  EXPECT_EQ(c.required_skills(1).min_level(), 2);
  EXPECT_EQ(c.required_skills(2).min_level(), 3);
  EXPECT_DOUBLE_EQ(c.required_skills(2).weight(), 0.5);
  EXPECT_EQ(FieldText(c, field, ";"), "woningbouw;sociaal domein:2;stikstof:3:0.5");
}

// A level or weight that does not parse is an error, not part of the name:
// "woningbouw:3:0,5" (a Dutch decimal comma) was a skill of that name at no
// minimum level, and experts below level 3 then ranked first.
TEST(FieldTextTest, ARequiredSkillsLevelOrWeightThatDoesNotParseIsAnError) {
  v1::Challenge c;
  const auto& field = F(c, "required_skills");
  for (const char* bad : {"woningbouw:3:0,5", "grondbeleid:drie", "stikstof:3.5.1",
                          "water:Vier:1", "wonen: ,5", "wonen:0,5:1"}) {
    const absl::Status status = AppendFieldText(c, field, bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("is not a number")) << bad;
    EXPECT_THAT(status.message(), HasSubstr("woningbouw:3:0.5")) << bad;
  }
  EXPECT_EQ(c.required_skills_size(), 0);
  // Words after a colon are still part of a name, also words that start
  // with a digit.
  ASSERT_TRUE(AppendFieldText(c, field, "ICT: architectuur:3").ok());
  EXPECT_EQ(c.required_skills(0).name(), "ICT: architectuur");
  EXPECT_EQ(c.required_skills(0).min_level(), 3);
  for (const char* name : {"ICT: 2e lijn support", "ISO:27001-certificering",
                           "Omgevingswet: 2024 wijziging", "Zorg:half"}) {
    ASSERT_TRUE(AppendFieldText(c, field, absl::StrCat(name, ":3")).ok()) << name;
    EXPECT_EQ(c.required_skills().rbegin()->name(), name);
    EXPECT_EQ(c.required_skills().rbegin()->min_level(), 3) << name;
  }
}

// Skills written as in a spreadsheet ("woningbouw:4, ruimtelijke ordening:3")
// or with a challenge's syntax in an expert's skill ("stikstof:4:1") were one
// skill with a level inside its name, shown as two: refused, saying how.
TEST(FieldTextTest, ALevelInsideASkillNameIsRefused) {
  v1::Expert e;
  const auto& skills = F(e, "skills");
  absl::Status status =
      AppendFieldText(e, skills, "woningbouw:4, ruimtelijke ordening:3");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("more than one skill: separate them with ';'"));
  status = AppendFieldText(e, skills, "stikstof:4:1");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("'4' looks like a level inside the name"));
  EXPECT_EQ(e.skills_size(), 0);
  for (const char* bad : {"woningbouw:4;ruimtelijke ordening:3", "woningbouw:04:3"}) {
    EXPECT_EQ(AppendFieldText(e, skills, bad).code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  for (const char* fine :
       {"NEN:7510:3", "ICT: 2e lijn:2", "data: analyse:2",
        "Omgevingswet: 2024 wijziging:3", "Sociaal domein: 3 decentralisaties:4"}) {
    EXPECT_TRUE(AppendFieldText(e, skills, fine).ok()) << fine;
  }

  v1::Challenge c;
  const auto& required = F(c, "required_skills");
  for (const char* bad :
       {"woningbouw:3, stikstof:2", "klimaatadaptatie:3:abc", "water:2 , wonen"}) {
    status = AppendFieldText(c, required, bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(c.required_skills_size(), 0);
}

// A weight keeps every digit through text and back (it was written with 6
// significant digits: 0.123456789 came back as 0.123457).
TEST(FieldTextTest, WeightsRoundTripExactly) {
  for (double weight : {0.123456789, 1.0 / 3, 2.5, 1e-7, 123456.789012}) {
    v1::Challenge c;
    auto* skill = c.add_required_skills();
    skill->set_name("stikstof");
    skill->set_min_level(3);
    skill->set_weight(weight);
    const auto& field = F(c, "required_skills");
    const std::string text = FieldText(c, field, ";");
    v1::Challenge back;
    ASSERT_TRUE(AppendFieldText(back, field, text).ok()) << text;
    EXPECT_EQ(back.required_skills(0).weight(), weight) << text;
  }
}

// Names and roles with ':' survive being written and read again.
TEST(FieldTextTest, ColonsInNamesAndRolesRoundTrip) {
  v1::Challenge c;
  auto* nen = c.add_required_skills();
  nen->set_name("NEN:7510");
  nen->set_min_level(3);
  c.add_required_skills()->set_name("ISO:27001");
  v1::TaskTeam t;
  t.add_members()->set_expert("experts/jan");
  t.mutable_members(0)->set_role("lid: werkgroep A");
  for (google::protobuf::Message* m :
       std::initializer_list<google::protobuf::Message*>{&c, &t}) {
    const auto& field = F(*m, m == &c ? "required_skills" : "members");
    const std::string text = FieldText(*m, field, ";");
    std::unique_ptr<google::protobuf::Message> back(m->New());
    for (absl::string_view item : absl::StrSplit(text, ';')) {
      ASSERT_TRUE(AppendFieldText(*back, field, item).ok()) << text;
    }
    EXPECT_EQ(back->SerializeAsString(), m->SerializeAsString()) << text;
  }
}

TEST(FieldTextTest, MembersAreExpertRoleHoursAndIdsAreQualified) {
  v1::TaskTeam t;
  const auto& field = F(t, "members");
  ASSERT_TRUE(AppendFieldText(t, field, "jan:voorzitter:8").ok());
  ASSERT_TRUE(AppendFieldText(t, field, "experts/piet").ok());
  ASSERT_TRUE(AppendFieldText(t, field, "kees::4").ok());
  EXPECT_EQ(t.members(0).expert(), "experts/jan");
  EXPECT_EQ(t.members(0).role(), "voorzitter");
  EXPECT_EQ(t.members(0).hours_per_week(), 8);
  EXPECT_EQ(t.members(1).expert(), "experts/piet");
  EXPECT_EQ(t.members(2).hours_per_week(), 4);
  EXPECT_EQ(FieldText(t, field, ";"),
            "experts/jan:voorzitter:8;experts/piet;experts/kees::4");
}

TEST(FieldTextTest, ReferencesMayOmitTheCollection) {
  v1::Expert e;
  ASSERT_TRUE(AppendFieldText(e, F(e, "organisation"), "bzk").ok());
  EXPECT_EQ(e.organisation(), "organisations/bzk");
  ASSERT_TRUE(AppendFieldText(e, F(e, "organisation"), "organisations/gm0363").ok());
  EXPECT_EQ(e.organisation(), "organisations/gm0363");
  // Other strings stay as given.
  ASSERT_TRUE(AppendFieldText(e, F(e, "job_title"), "beleid/uitvoering").ok());
  EXPECT_EQ(e.job_title(), "beleid/uitvoering");
}

TEST(FieldTextTest, BoolsInEnglishAndDutch) {
  for (const char* yes : {"true", "Yes", "ja", "1"})
    EXPECT_TRUE(*ParseBoolText(yes)) << yes;
  for (const char* no : {"false", "NO", "nee", "0"})
    EXPECT_FALSE(*ParseBoolText(no)) << no;
  EXPECT_FALSE(ParseBoolText("misschien").ok());
}

TEST(FieldTextTest, CellsAreSemicolonListsAndEmptyCellsLeaveDefaults) {
  v1::Expert e;
  ASSERT_TRUE(SetFieldFromCell(e, F(e, "themes"), " wonen ; energie;;").ok());
  EXPECT_THAT(e.themes(), ::testing::ElementsAre("wonen", "energie"));
  ASSERT_TRUE(SetFieldFromCell(e, F(e, "themes"), "klimaat").ok());  // Replaces.
  EXPECT_THAT(e.themes(), ::testing::ElementsAre("klimaat"));
  ASSERT_TRUE(SetFieldFromCell(e, F(e, "perspectives"), "policy;EXECUTION").ok());
  EXPECT_EQ(e.perspectives_size(), 2);
  ASSERT_TRUE(SetFieldFromCell(e, F(e, "available_hours_per_week"), "").ok());
  EXPECT_EQ(e.available_hours_per_week(), 0);
  EXPECT_FALSE(SetFieldFromCell(e, F(e, "available_hours_per_week"), "acht").ok());
  EXPECT_EQ(FieldText(e, F(e, "perspectives"), ";"), "POLICY;EXECUTION");
}

}  // namespace
}  // namespace samenspel::cli
