#include "registry-service/core/validation.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samenspel::registry {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

v1::Expert ValidExpert() {
  v1::Expert e;
  e.set_display_name("Anna de Vries");
  e.set_organisation("organisations/gm0363");
  e.set_email("a.devries@amsterdam.nl");
  auto* s = e.add_skills();
  s->set_name("woningbouw");
  s->set_level(4);
  e.add_themes("wonen");
  e.add_region_codes("GM0363");
  e.add_perspectives(type::v1::PERSPECTIVE_EXECUTION);
  e.set_available_hours_per_week(8);
  return e;
}

FieldViolations Check(const v1::Expert& e) {
  FieldViolations v;
  ValidateExpert(e, "expert", v);
  return v;
}

TEST(RegionCodeTest, AcceptsCbsCodes) {
  for (const char* code : {"GM0363", "PV27", "WS0155", "NL"}) {
    EXPECT_TRUE(IsValidRegionCode(code)) << code;
  }
  for (const char* code :
       {"", "GM363", "gm0363", "PV270", "WS01550", "NLD", "XX12", "PV2a"}) {
    EXPECT_FALSE(IsValidRegionCode(code)) << code;
  }
}

TEST(EmailTest, AcceptsPlainAddresses) {
  EXPECT_TRUE(IsValidEmail("j.jansen@minbzk.nl"));
  EXPECT_TRUE(IsValidEmail("info+opgave@provincie-utrecht.nl"));
  for (const char* bad : {"", "jansen", "@minbzk.nl", "a@b", "a@@b.nl", "a b@c.nl",
                          "a@b..nl", "a@.nl", "a@b.n", ".a@b.nl", "a.@b.nl", "a..b@b.nl",
                          "a@-b.nl", "a@b-.nl", "a@b.n1", "a@b.nl."}) {
    EXPECT_FALSE(IsValidEmail(bad)) << bad;
  }
}

TEST(ValidateExpertTest, ValidExpertHasNoViolations) {
  EXPECT_THAT(Check(ValidExpert()).violations(), IsEmpty());
}

TEST(ValidateExpertTest, NamesEveryBadField) {
  v1::Expert e = ValidExpert();
  e.clear_display_name();
  e.set_organisation("orgs/x");
  e.set_email("not-an-email");
  e.mutable_skills(0)->set_level(6);
  e.add_skills()->set_name("Woningbouw");  // duplicate (case-insensitive), level 0
  e.add_region_codes("GM12");
  e.add_perspectives(static_cast<type::v1::Perspective>(42));
  e.set_available_hours_per_week(-1);
  const auto v = Check(e).violations();
  EXPECT_THAT(v, Contains(Pair("expert.display_name", "required")));
  EXPECT_THAT(
      v, Contains(Pair("expert.organisation", StartsWith("must be organisations/"))));
  EXPECT_THAT(v, Contains(Pair("expert.email", testing::_)));
  EXPECT_THAT(v, Contains(Pair("expert.skills[0].level", "must be between 1 and 5")));
  EXPECT_THAT(v, Contains(Pair("expert.skills[1].level", "must be between 1 and 5")));
  EXPECT_THAT(v, Contains(Pair("expert.skills[1].name",
                               StartsWith("duplicate of the earlier skill"))));
  EXPECT_THAT(v,
              Contains(Pair("expert.region_codes[1]", StartsWith("must be a CBS code"))));
  EXPECT_THAT(v, Contains(Pair("expert.perspectives[1]", testing::_)));
  EXPECT_THAT(v, Contains(Pair("expert.available_hours_per_week", testing::_)));
}

// Themes and skills are indexed with case and accents folded, so two that
// differ only in those are one: the second is refused, naming the first.
TEST(ValidateExpertTest, ThemesAndSkillsDifferingInCaseOrAccentsAreDuplicates) {
  v1::Expert e = ValidExpert();
  e.add_themes("Één overheid");
  e.add_themes("een Overheid");
  e.add_themes(
      "e\xCC\x81"
      "e\xCC\x81"
      "n overheid");  // NFD
  e.add_themes("energie");
  e.add_skills()->set_name("Coöperatie");
  e.mutable_skills(1)->set_level(3);
  e.add_skills()->set_name("COOPERATIE");
  e.mutable_skills(2)->set_level(3);
  const auto v = Check(e).violations();
  EXPECT_THAT(v,
              Contains(Pair("expert.themes[2]",
                            "duplicate of the earlier entry \"Één overheid\" (case and "
                            "accents are ignored)")));
  EXPECT_THAT(v,
              Contains(Pair("expert.themes[3]", StartsWith("duplicate of the earlier "
                                                           "entry \"Één overheid\""))));
  EXPECT_THAT(
      v, Contains(Pair("expert.skills[2].name",
                       StartsWith("duplicate of the earlier skill \"Coöperatie\""))));
  EXPECT_THAT(v, Not(Contains(Pair("expert.themes[4]", testing::_))));
  EXPECT_THAT(v, Not(Contains(Pair("expert.skills[1].name", testing::_))));
}

TEST(ValidateExpertTest, RejectsInvalidUtf8AndControlCharacters) {
  v1::Expert e = ValidExpert();
  e.set_bio(std::string("ok \xc3\x28 bad"));
  e.set_job_title("beleids\x01medewerker");
  const auto v = Check(e).violations();
  EXPECT_THAT(v, Contains(Pair("expert.bio", StartsWith("must be valid UTF-8"))));
  EXPECT_THAT(v, Contains(Pair("expert.job_title", StartsWith("must be valid UTF-8"))));
}

// Text fields hold text: no C1 controls or noncharacters; names and other
// one-line fields no line breaks, tabs or bidirectional overrides (which can
// make a name read as another); "required" is not met by characters that
// show nothing.
TEST(ValidateExpertTest, TextIsTextAndOneLineFieldsAreOneLine) {
  v1::Expert e = ValidExpert();
  e.set_display_name("Jan\nJansen");
  e.set_job_title("Adviseur \xe2\x80\xae");  // U+202E
  e.add_themes("wonen\tenergie");
  e.set_bio("Regel een.\nRegel twee,\tmet tab. \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85");
  EXPECT_THAT(
      Check(e).violations(),
      UnorderedElementsAre(Pair("expert.display_name", HasSubstr("one line")),
                           Pair("expert.job_title", HasSubstr("bidirectional")),
                           Pair(StartsWith("expert.themes["), HasSubstr("one line"))));
  e = ValidExpert();
  e.set_bio("\xc2\x85 C1");         // U+0085
  e.set_job_title("\xef\xbf\xbf");  // U+FFFF
  EXPECT_THAT(Check(e).violations(),
              UnorderedElementsAre(Pair("expert.bio", HasSubstr("control")),
                                   Pair("expert.job_title", HasSubstr("noncharacter"))));
  for (const char* blank : {"\xc2\xa0", "\xe2\x80\x8b", " \xe3\x80\x80 "}) {
    e = ValidExpert();
    e.set_display_name(blank);
    EXPECT_THAT(Check(e).violations(),
                ElementsAre(Pair("expert.display_name", "required")))
        << blank;
  }
  e = ValidExpert();
  e.set_display_name("\xc3\x89\xc3\xa9n overheid");  // not blank, not ASCII
  EXPECT_THAT(Check(e).violations(), IsEmpty());
}

TEST(ValidateExpertTest, CountsCharactersNotBytes) {
  v1::Expert e = ValidExpert();
  std::string name;
  for (int i = 0; i < kMaxNameChars; ++i) name += "\xc3\xa9";  // é, 2 bytes each
  e.set_display_name(name);
  EXPECT_THAT(Check(e).violations(), IsEmpty());
  e.set_display_name(name + "e");
  EXPECT_THAT(Check(e).violations(),
              Contains(Pair("expert.display_name", StartsWith("at most 200"))));
}

TEST(ValidateOrganisationTest, LayerRequiredAndOinIsTwentyDigits) {
  v1::Organisation o;
  o.set_display_name("Gemeente Utrecht");
  o.set_oin("1234");
  FieldViolations v;
  ValidateOrganisation(o, "organisation", v);
  EXPECT_THAT(v.violations(), Contains(Pair("organisation.layer", testing::_)));
  EXPECT_THAT(v.violations(),
              Contains(Pair("organisation.oin", StartsWith("must be 20"))));
  o.set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  o.set_oin("00000001002220647000");
  FieldViolations ok;
  ValidateOrganisation(o, "organisation", ok);
  EXPECT_THAT(ok.violations(), IsEmpty());
}

TEST(ValidateTeamTest, MembersAreCheckedOneByOne) {
  v1::TaskTeam t;
  t.set_display_name("Regionale woondeal");
  t.set_owner_organisation("organisations/pv26");
  auto* m = t.add_members();
  m->set_expert("experts/anna");
  m->set_hours_per_week(200);
  *t.add_members() = *m;
  t.set_state(static_cast<v1::TaskTeam::State>(9));
  FieldViolations v;
  ValidateTeam(t, "team", v);
  EXPECT_THAT(v.violations(),
              Contains(Pair("team.members[0].hours_per_week", testing::_)));
  EXPECT_THAT(v.violations(), Contains(Pair("team.members[1].expert",
                                            "this expert is already a member")));
  EXPECT_THAT(v.violations(), Contains(Pair("team.state", testing::_)));
}

TEST(ValidateChallengeTest, RequiredSkillsLevelsAndWeights) {
  v1::Challenge c;
  c.set_title("Warmtetransitie in de wijk");
  c.set_owner_organisation("organisations/gm0344");
  auto* s = c.add_required_skills();
  s->set_name("warmtenetten");
  s->set_min_level(7);
  s->set_weight(-1);
  c.set_team_size(500);
  c.add_desired_layers(type::v1::GOVERNMENT_LAYER_UNSPECIFIED);
  FieldViolations v;
  ValidateChallenge(c, "challenge", v);
  EXPECT_THAT(v.violations(),
              Contains(Pair("challenge.required_skills[0].min_level", testing::_)));
  EXPECT_THAT(v.violations(),
              Contains(Pair("challenge.required_skills[0].weight", testing::_)));
  EXPECT_THAT(v.violations(), Contains(Pair("challenge.team_size", testing::_)));
  EXPECT_THAT(v.violations(), Contains(Pair("challenge.desired_layers[0]", testing::_)));
}

TEST(FieldViolationsTest, StatusCarriesBadRequestDetail) {
  FieldViolations v;
  v.Add("expert.email", "bad");
  absl::Status s = v.ToStatus();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.GetPayload("type.googleapis.com/google.rpc.BadRequest").has_value());
  EXPECT_TRUE(s.GetPayload("type.googleapis.com/google.rpc.ErrorInfo").has_value());
}

}  // namespace
}  // namespace samenspel::registry
