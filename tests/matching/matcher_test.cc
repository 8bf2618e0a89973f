#include "matching-service/core/matcher.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/matching/analyzer_suite.h"
#include "tests/support/status_details.h"

namespace samenspel::matching {
namespace {

using ::samenspel::test_support::BadFields;
namespace rv1 = ::samenspel::registry::v1;
namespace type = ::samenspel::type::v1;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

struct ExpertSpec {
  std::string id;
  std::string org;
  type::GovernmentLayer layer;
  std::string job_title;
  std::string bio;
  std::vector<std::pair<std::string, int>> skills;
  std::vector<std::string> regions;
  std::vector<type::Perspective> perspectives = {type::PERSPECTIVE_POLICY};
  int hours = 8;
  bool consent = true;
  bool shares_contact = false;
};

rv1::Expert MakeExpert(const ExpertSpec& s) {
  rv1::Expert e;
  e.set_name("experts/" + s.id);
  e.set_display_name("Expert " + s.id);
  e.set_organisation("organisations/" + s.org);
  e.set_layer(s.layer);
  e.set_job_title(s.job_title);
  e.set_bio(s.bio);
  for (const auto& [name, level] : s.skills) {
    auto* skill = e.add_skills();
    skill->set_name(name);
    skill->set_level(level);
  }
  for (const auto& r : s.regions) e.add_region_codes(r);
  for (auto p : s.perspectives) e.add_perspectives(p);
  e.set_available_hours_per_week(s.hours);
  e.set_consent_to_matching(s.consent);
  e.set_share_contact_details(s.shares_contact);
  return e;
}

class MatcherTest : public AnalyzerSuite {
 protected:
  MatcherTest() : matcher_(analyzer_, Regions(), Options()) {}

  static RegionTable Regions() {
    auto regions = RegionTable::Load(AnalyzerOptions::DefaultDataDir() + "/regions.tsv");
    EXPECT_TRUE(regions.ok()) << regions.status();
    return *regions;
  }
  virtual MatcherOptions Options() { return MatcherOptions{}; }

  void Load(const std::vector<ExpertSpec>& specs, std::vector<rv1::TaskTeam> teams = {}) {
    std::vector<rv1::Expert> experts;
    for (const auto& s : specs) experts.push_back(MakeExpert(s));
    matcher_.Load({}, experts, teams, {}, 100);
  }

  static rv1::Challenge Housing() {
    rv1::Challenge c;
    c.set_title("Versnellen van de woningbouw");
    c.set_description("Meer betaalbare woningen in de regio.");
    c.set_owner_organisation("organisations/pv26");
    auto* s = c.add_required_skills();
    s->set_name("woningbouw");
    s->set_min_level(3);
    c.add_region_codes("GM0344");
    return c;
  }

  v1::MatchExpertsResponse Match(const rv1::Challenge& c, int k = 10,
                                 v1::MatchFilters filters = {},
                                 absl::string_view on_behalf_of = "") {
    v1::MatchExpertsRequest req;
    *req.mutable_challenge()->mutable_inline_() = c;
    req.set_page_size(k);
    *req.mutable_filters() = filters;
    auto r = matcher_.MatchExperts(req, on_behalf_of);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : v1::MatchExpertsResponse();
  }

  static std::vector<std::string> Names(const v1::MatchExpertsResponse& r) {
    std::vector<std::string> out;
    for (const auto& m : r.matches()) out.push_back(m.expert());
    return out;
  }

  Matcher matcher_;
};

ExpertSpec Builder(const std::string& id, const std::string& org = "gm0344") {
  return ExpertSpec{id,
                    org,
                    type::GOVERNMENT_LAYER_MUNICIPAL,
                    "Adviseur woningbouw",
                    "Werkt aan nieuwe woningen.",
                    {{"woningbouw", 4}},
                    {"GM0344"}};
}

TEST_F(MatcherTest, ExplanationsAddUpToTheScore) {
  Load({Builder("a"),
        Builder("b", "pv26"),
        {"c",
         "bzk",
         type::GOVERNMENT_LAYER_NATIONAL,
         "Policy officer housing",
         "National housing programme.",
         {{"housing policy", 5}},
         {"NL"}}});
  auto r = Match(Housing());
  ASSERT_THAT(r.matches(), SizeIs(3));
  double previous = 1e9;
  for (const auto& m : r.matches()) {
    double sum = 0, text = 0, terms = 0, skills = 0;
    for (const auto& c : m.explanation().components()) {
      sum += c.value();
      if (c.name() == "text") text = c.value();
      if (c.name() == "skills") skills = c.value();
    }
    for (const auto& t : m.explanation().matched_terms()) terms += t.contribution();
    double skill_parts = 0;
    for (const auto& s : m.explanation().matched_skills())
      skill_parts += s.contribution();
    EXPECT_NEAR(sum, m.score(), 1e-9) << m.expert();
    EXPECT_NEAR(terms, text, 1e-6) << m.expert();
    EXPECT_NEAR(skill_parts, skills, 1e-9) << m.expert();
    EXPECT_LE(m.score(), previous + 1e-12);
    previous = m.score();
    EXPECT_FALSE(m.explanation().summary().empty());
  }
}

// A page_size over the maximum is the maximum, as in the registry's lists
// (AIP-158): one paging rule for both services. It was INVALID_ARGUMENT.
TEST_F(MatcherTest, APageSizeOverTheMaximumIsTheMaximum) {
  std::vector<ExpertSpec> specs;
  for (int i = 0; i < 230; ++i) specs.push_back(Builder(absl::StrCat("e", i)));
  Load(specs);
  EXPECT_EQ(Match(Housing(), 5000).matches_size(), 200);
  v1::MatchExpertsRequest negative;
  *negative.mutable_challenge()->mutable_inline_() = Housing();
  negative.set_page_size(-1);
  EXPECT_EQ(matcher_.MatchExperts(negative, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MatcherTest, ARepeatedWordIsOneExplanationEntryPerField) {
  Load({Builder("a")});
  rv1::Challenge c = Housing();
  c.set_description("Woningbouw, woningbouw en nog eens woningbouw. " + c.description());
  auto r = Match(c);
  ASSERT_THAT(r.matches(), SizeIs(1));
  const v1::Explanation& e = r.matches(0).explanation();
  std::set<std::pair<std::string, std::string>> seen;
  double terms = 0, text = 0;
  for (const auto& t : e.matched_terms()) {
    EXPECT_TRUE(seen.insert({t.term(), t.field()}).second)
        << t.term() << " in " << t.field();
    terms += t.contribution();
  }
  for (const auto& comp : e.components()) {
    if (comp.name() == "text") text = comp.value();
  }
  EXPECT_THAT(seen,
              Contains(std::pair<std::string, std::string>("woningbouw", "skills")));
  EXPECT_NEAR(terms, text, 1e-6);
}

TEST_F(MatcherTest, SynonymsCompoundsAndEnglishMatch) {
  Load({{"nl",
         "gm0344",
         type::GOVERNMENT_LAYER_MUNICIPAL,
         "Beleidsmedewerker",
         "Verantwoordelijk voor de volkshuisvesting in de gemeente.",
         {},
         {}},
        {"compound",
         "gm0344",
         type::GOVERNMENT_LAYER_MUNICIPAL,
         "Projectleider",
         "Trekker van de woningbouwopgave.",
         {},
         {}},
        {"en",
         "bzk",
         type::GOVERNMENT_LAYER_NATIONAL,
         "Advisor",
         "Works on social housing.",
         {},
         {}},
        {"energy",
         "gm0344",
         type::GOVERNMENT_LAYER_MUNICIPAL,
         "Adviseur",
         "Werkt aan de energietransitie.",
         {},
         {}}});
  rv1::Challenge c;
  c.set_title("housing");
  auto names = Names(Match(c));
  EXPECT_THAT(names, Contains("experts/nl"));
  EXPECT_THAT(names, Contains("experts/compound"));
  EXPECT_THAT(names, Contains("experts/en"));
  EXPECT_THAT(names, testing::Not(Contains("experts/energy")));
  c.set_title("woningbouw");
  EXPECT_THAT(Names(Match(c)), Contains("experts/compound"));
}

// An expert's skill that matches a required skill's phrase covers its words
// too: "netcongestie" covered 27% of a required "grid congestion" (the
// phrase's group only), less than "grid flexibility" did by sharing "grid".
TEST_F(MatcherTest, ASkillMatchingTheWholePhraseCoversItsWords) {
  ExpertSpec net = Builder("net", "gm0344");
  net.skills = {{"netcongestie", 4}};
  ExpertSpec flex = Builder("flex", "gm0307");
  flex.skills = {{"grid flexibility", 4}};
  Load({net, flex});
  rv1::Challenge c;
  c.set_title("Bedrijventerreinen zonder aansluiting");
  auto* s = c.add_required_skills();
  s->set_name("grid congestion");
  s->set_min_level(3);
  const v1::MatchExpertsResponse r = Match(c);
  std::map<std::string, double> coverage;
  for (const auto& m : r.matches()) {
    for (const auto& ms : m.explanation().matched_skills())
      coverage[m.expert()] = ms.coverage();
  }
  ASSERT_TRUE(coverage.count("experts/net")) << r.DebugString();
  EXPECT_GE(coverage["experts/net"], 0.75);
  EXPECT_GT(coverage["experts/net"], coverage["experts/flex"]);
  EXPECT_EQ(r.matches(0).expert(), "experts/net");
}

// A compound's head part names only the general kind: "projectmanagement"
// at level 5 does not cover "stakeholder management" by its part
// "management" (a review: SuggestTeam said it did, and left the skill off
// the missing list); another part names the topic and covers it whole
// ("woningbouw" of "woningbouwopgave").
TEST_F(MatcherTest, ACompoundsHeadPartAloneDoesNotCoverASkill) {
  ExpertSpec pm = Builder("pm", "gm0344");
  pm.skills = {{"projectmanagement", 5}};
  ExpertSpec wb = Builder("wb", "gm0307");
  wb.skills = {{"woningbouwopgave", 5}};
  Load({pm, wb});
  rv1::Challenge c;
  c.set_title("Woningbouw versnellen");
  auto* s = c.add_required_skills();
  s->set_name("stakeholder management");
  s->set_min_level(2);
  s = c.add_required_skills();
  s->set_name("woningbouw");
  s->set_min_level(3);
  const v1::MatchExpertsResponse r = Match(c);
  std::map<std::string, std::map<std::string, double>> coverage;
  for (const auto& m : r.matches()) {
    for (const auto& ms : m.explanation().matched_skills())
      coverage[m.expert()][ms.name()] = ms.coverage();
  }
  EXPECT_LT(coverage["experts/pm"]["stakeholder management"], 0.5) << r.DebugString();
  EXPECT_GT(coverage["experts/pm"]["stakeholder management"], 0) << r.DebugString();
  EXPECT_EQ(coverage["experts/wb"]["woningbouw"], 1.0) << r.DebugString();

  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(2);
  auto team = matcher_.SuggestTeam(req);
  ASSERT_TRUE(team.ok()) << team.status();
  EXPECT_THAT(team->coverage().skills_covered(), ElementsAre("woningbouw"));
  EXPECT_THAT(team->coverage().skills_missing(), ElementsAre("stakeholder management"));
}

// A phrase of the synonym file counts about once, not three times (as the
// phrase and as each of its words): its words weigh half each.
TEST_F(MatcherTest, APhraseAndItsWordsCountAboutOnce) {
  ExpertSpec e = Builder("n", "gm0344");
  e.job_title = "Adviseur Natura 2000";
  e.bio = "";
  e.skills = {{"Natura 2000", 4}};
  Load({e});
  rv1::Challenge c;
  c.set_title("Natura 2000");
  const v1::MatchExpertsResponse r = Match(c);
  ASSERT_EQ(r.matches_size(), 1);
  std::map<std::string, double> by_term;
  for (const auto& t : r.matches(0).explanation().matched_terms()) {
    by_term[t.term()] += t.contribution();
  }
  ASSERT_GT(by_term["natura 2000"], 0) << r.DebugString();
  double words = 0;
  for (const auto& [term, contribution] : by_term) {
    if (term != "natura 2000") words += contribution;
  }
  EXPECT_LE(words, 1.05 * by_term["natura 2000"]) << r.DebugString();
}

TEST_F(MatcherTest, SkillBelowMinLevelScoresLess) {
  ExpertSpec strong = Builder("strong");
  ExpertSpec weak = Builder("weak");
  weak.skills = {{"woningbouw", 1}};
  Load({strong, weak});
  auto r = Match(Housing());
  ASSERT_THAT(Names(r), ElementsAre("experts/strong", "experts/weak"));
  EXPECT_GT(r.matches(0).explanation().components(1).value(),
            2 * r.matches(1).explanation().components(1).value());
}

TEST_F(MatcherTest, RegionOrderSameMunicipalityThenProvinceThenNational) {
  ExpertSpec same = Builder("same");
  ExpertSpec province = Builder("province", "gm0307");
  province.regions = {"GM0307"};  // Amersfoort, also province Utrecht
  ExpertSpec national = Builder("national", "bzk");
  national.regions = {"NL"};
  ExpertSpec elsewhere = Builder("elsewhere", "gm0599");
  elsewhere.regions = {"GM0599"};  // Rotterdam
  Load({elsewhere, national, province, same});
  auto r = Match(Housing());
  std::map<std::string, double> region;
  for (const auto& m : r.matches())
    region[m.expert()] = m.explanation().components(2).value();
  EXPECT_GT(region["experts/same"], region["experts/province"]);
  EXPECT_GT(region["experts/province"], region["experts/national"]);
  EXPECT_GT(region["experts/national"], region["experts/elsewhere"]);
  EXPECT_EQ(r.matches(0).expert(), "experts/same");
}

// An expert who gives no region codes is taken to work where their
// organisation does: scored, filtered and explained by the organisation's
// region codes, as they are now.
TEST_F(MatcherTest, AnExpertWithoutRegionsWorksInTheirOrganisationsArea) {
  ExpertSpec own = Builder("own");  // GM0344 Utrecht, of gm0344
  ExpertSpec inherits = Builder("inherits");
  inherits.regions = {};
  ExpertSpec unplaced = Builder("unplaced", "adviesbureau");
  unplaced.regions = {};
  ExpertSpec rotterdam = Builder("rotterdam", "gm0599");
  rotterdam.regions = {};
  auto org = [](const std::string& id, std::vector<std::string> codes) {
    rv1::Organisation o;
    o.set_name("organisations/" + id);
    o.set_display_name(id);
    o.set_layer(type::GOVERNMENT_LAYER_MUNICIPAL);
    for (const auto& c : codes) o.add_region_codes(c);
    return o;
  };
  matcher_.Load(
      {org("gm0344", {"GM0344"}), org("adviesbureau", {}), org("gm0599", {"GM0599"})},
      {MakeExpert(own), MakeExpert(inherits), MakeExpert(unplaced),
       MakeExpert(rotterdam)},
      {}, {}, 100);
  auto regions = [&](const v1::MatchExpertsResponse& r) {
    std::map<std::string, std::pair<double, std::string>> out;
    for (const auto& m : r.matches()) {
      out[m.expert()] = {m.explanation().components(2).value(),
                         m.explanation().components(2).detail()};
    }
    return out;
  };
  auto r = regions(Match(Housing()));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_GT(r["experts/own"].first, 0);
  EXPECT_EQ(r["experts/inherits"].first, r["experts/own"].first);
  EXPECT_THAT(
      r["experts/inherits"].second,
      testing::HasSubstr("same region (Utrecht for Utrecht; the organisation's area"));
  EXPECT_THAT(r["experts/own"].second, testing::Not(testing::HasSubstr("organisation")));
  EXPECT_EQ(r["experts/unplaced"].first, 0);
  EXPECT_EQ(r["experts/rotterdam"].first, 0);
  // For a challenge of the province, Utrecht's experts are in the region,
  // as much as the province's own would be, and the explanation says where.
  rv1::Challenge province = Housing();
  province.clear_region_codes();
  province.add_region_codes("PV26");
  const auto p = regions(Match(province));
  EXPECT_EQ(p.at("experts/own").first, r["experts/own"].first);
  EXPECT_THAT(p.at("experts/own").second,
              testing::HasSubstr("in the region (Utrecht in Utrecht"));

  v1::MatchFilters in_province;
  in_province.add_region_codes("PV26");  // Utrecht
  EXPECT_THAT(Names(Match(Housing(), 10, in_province)),
              UnorderedElementsAre("experts/own", "experts/inherits"));
  v1::MatchFilters in_rotterdam;
  in_rotterdam.add_region_codes("GM0599");
  EXPECT_THAT(Names(Match(Housing(), 10, in_rotterdam)),
              ElementsAre("experts/rotterdam"));

  // The organisation moves (a merger, say): its experts without codes of
  // their own move with it.
  rv1::Change moved;
  moved.set_revision(101);
  moved.set_type(rv1::Change::UPDATED);
  moved.set_name("organisations/gm0344");
  *moved.mutable_organisation() = org("gm0344", {"GM0599"});
  matcher_.Apply({moved});
  r = regions(Match(Housing()));
  EXPECT_EQ(r["experts/inherits"].first, 0);
  EXPECT_GT(r["experts/own"].first, 0);
  EXPECT_THAT(Names(Match(Housing(), 10, in_province)), ElementsAre("experts/own"));
}

TEST_F(MatcherTest, ExpertsWithoutConsentOnlyForTheirOwnOrganisation) {
  ExpertSpec shy = Builder("shy", "pv26");
  shy.consent = false;
  ExpertSpec shy_other = Builder("shy-other", "gm0344");
  shy_other.consent = false;
  Load({shy, shy_other, Builder("open")});
  auto names = Names(Match(Housing()));  // owned by organisations/pv26
  EXPECT_THAT(names, Contains("experts/shy"));
  EXPECT_THAT(names, testing::Not(Contains("experts/shy-other")));
}

// The bio counts for every expert, but another organisation learns its
// words only when the expert shares it (share_contact_details, as the
// registry shows the bio itself); an admin, who may read every bio, learns
// them all.
TEST_F(MatcherTest, ExplanationsNameBioWordsOnlyWhereTheBioIsShared) {
  ExpertSpec hidden = Builder("hidden", "gm0344");
  ExpertSpec shared = Builder("shared", "gm0344");
  shared.shares_contact = true;
  ExpertSpec own = Builder("own", "pv26");  // the challenge's organisation
  for (ExpertSpec* s : {&hidden, &shared, &own}) s->bio = "Kenner van stikstofdepositie.";
  Load({hidden, shared, own});
  rv1::Challenge c = Housing();  // owned by organisations/pv26
  c.set_description("Stikstofdepositie bij de woningbouw.");
  for (const bool admin : {false, true}) {
    SCOPED_TRACE(admin ? "admin" : "pv26");
    const auto response = Match(c, 10, {}, admin ? "" : "organisations/pv26");
    ASSERT_EQ(response.matches_size(), 3);
    for (const auto& match : response.matches()) {
      const bool visible = admin || match.expert() != "experts/hidden";
      double bio = 0, sum = 0;
      bool named = false;
      for (const auto& t : match.explanation().matched_terms()) {
        if (t.field() != "bio") continue;
        bio += t.contribution();
        named = named || absl::StrContains(t.term(), "stikstof") ||
                absl::StrContains(t.query_word(), "tikstof");
      }
      EXPECT_GT(bio, 0) << match.expert();  // scored either way
      EXPECT_EQ(named, visible) << match.expert();
      std::string details;
      for (const auto& component : match.explanation().components()) {
        sum += component.value();
        details += component.detail();
      }
      EXPECT_EQ(absl::StrContains(absl::AsciiStrToLower(details), "stikstof"), visible)
          << match.expert() << ": " << details;
      EXPECT_NEAR(sum, match.score(), 1e-5) << match.expert();
    }
  }
}

TEST_F(MatcherTest, CommittedHoursInActiveTeamsAreSubtracted) {
  ExpertSpec busy = Builder("busy");
  busy.hours = 10;
  rv1::TaskTeam team;
  team.set_name("teams/t");
  team.set_state(rv1::TaskTeam::ACTIVE);
  auto* m = team.add_members();
  m->set_expert("experts/busy");
  m->set_hours_per_week(8);
  Load({busy, Builder("free")}, {team});
  v1::MatchFilters filters;
  filters.set_min_available_hours(4);
  EXPECT_THAT(Names(Match(Housing(), 10, filters)), ElementsAre("experts/free"));
  auto all = Match(Housing());
  for (const auto& match : all.matches()) {
    if (match.expert() == "experts/busy") {
      EXPECT_EQ(match.available_hours_per_week(), 2);
    }
  }
}

// Teams that take more than an expert's hours leave none free, not a
// negative number; the explanation says by how much.
TEST_F(MatcherTest, AnOvercommittedExpertHasNoHoursFree) {
  ExpertSpec busy = Builder("busy");
  busy.hours = 2;
  rv1::TaskTeam team;
  team.set_name("teams/t");
  team.set_state(rv1::TaskTeam::ACTIVE);
  auto* m = team.add_members();
  m->set_expert("experts/busy");
  m->set_hours_per_week(6);
  Load({busy}, {team});
  auto all = Match(Housing());
  ASSERT_EQ(all.matches_size(), 1);
  EXPECT_EQ(all.matches(0).available_hours_per_week(), 0);
  bool found = false;
  for (const auto& component : all.matches(0).explanation().components()) {
    if (component.name() != "availability") continue;
    found = true;
    EXPECT_EQ(component.detail(),
              "0 h/week free: active teams take 4 h/week more than the 2 available");
    EXPECT_EQ(component.value(), 0);
  }
  EXPECT_TRUE(found);
}

TEST_F(MatcherTest, DiversityMixesDesiredLayersAtTheTop) {
  std::vector<ExpertSpec> specs;
  for (int i = 0; i < 5; ++i)
    specs.push_back(Builder("muni" + std::to_string(i), "gm" + std::to_string(i)));
  ExpertSpec prov = Builder("prov", "pv26");
  prov.layer = type::GOVERNMENT_LAYER_PROVINCIAL;
  prov.skills = {{"woningbouw", 2}};
  ExpertSpec nat = Builder("nat", "bzk");
  nat.layer = type::GOVERNMENT_LAYER_NATIONAL;
  nat.skills = {{"woningbouw", 2}};
  nat.regions = {"NL"};
  specs.push_back(prov);
  specs.push_back(nat);
  Load(specs);
  rv1::Challenge c = Housing();
  auto plain = Names(Match(c, 3));
  EXPECT_THAT(plain, testing::Not(Contains("experts/nat")));
  c.add_desired_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_PROVINCIAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_NATIONAL);
  auto r = Match(c, 3);
  std::set<int> layers;
  for (const auto& m : r.matches()) layers.insert(m.layer());
  EXPECT_THAT(layers, SizeIs(3));
}

TEST_F(MatcherTest, UpdatesAndDeletesChangeResults) {
  Load({Builder("a"), Builder("b")});
  rv1::Change update;
  update.set_revision(101);
  update.set_type(rv1::Change::UPDATED);
  update.set_name("experts/a");
  ExpertSpec moved = Builder("a");
  moved.skills = {{"stikstof", 4}};
  moved.job_title = "Adviseur natuur";
  moved.bio = "Stikstofreductie rond Natura 2000.";
  *update.mutable_expert() = MakeExpert(moved);
  rv1::Change del;
  del.set_revision(102);
  del.set_type(rv1::Change::DELETED);
  del.set_name("experts/b");
  matcher_.Apply({update, del});
  EXPECT_EQ(matcher_.State()->revision, 102);
  EXPECT_THAT(Names(Match(Housing())), IsEmpty());
  rv1::Challenge c;
  c.set_title("stikstof");
  EXPECT_THAT(Names(Match(c)), ElementsAre("experts/a"));
  // Replayed (older) changes are skipped.
  matcher_.Apply({del});
  EXPECT_EQ(matcher_.State()->revision, 102);
}

class SmallDeltaMatcherTest : public MatcherTest {
 protected:
  MatcherOptions Options() override {
    MatcherOptions o;
    o.index.max_delta_docs = 3;
    return o;
  }
};

TEST_F(SmallDeltaMatcherTest, ResultsSurviveDeltaMerges) {
  Load({Builder("base")});
  int64_t revision = 100;
  for (int i = 0; i < 30; ++i) {
    rv1::Change ch;
    ch.set_revision(++revision);
    ch.set_type(rv1::Change::CREATED);
    ch.set_name("experts/n" + std::to_string(i));
    *ch.mutable_expert() = MakeExpert(Builder("n" + std::to_string(i)));
    matcher_.Apply({ch});
  }
  rv1::Change del;
  del.set_revision(++revision);
  del.set_type(rv1::Change::DELETED);
  del.set_name("experts/base");
  matcher_.Apply({del});
  auto r = Match(Housing(), 100);
  EXPECT_THAT(r.matches(), SizeIs(30));
  EXPECT_THAT(Names(r), testing::Not(Contains("experts/base")));
}

TEST_F(MatcherTest, WaitForRevisionIsBounded) {
  Load({Builder("a")});
  EXPECT_TRUE(matcher_.WaitForRevision(100, absl::Now()).ok());
  const absl::Time start = absl::Now();
  const absl::Status late = matcher_.WaitForRevision(101, start + absl::Milliseconds(50));
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(late), "REVISION_NOT_YET_APPLIED");
  EXPECT_EQ(ErrorMetadata(late, "applied_revision"), "100");
  std::thread later([&] {
    rv1::Change ch;
    ch.set_revision(101);
    ch.set_type(rv1::Change::DELETED);
    ch.set_name("experts/a");
    matcher_.Apply({ch});
  });
  EXPECT_TRUE(matcher_.WaitForRevision(101, absl::Now() + absl::Seconds(10)).ok());
  later.join();
}

// A wait ends when its caller gives up, and every wait ends by the time the
// service's drain sets (an operator review: a drain of 2 s took 7, waiting
// out --max_revision_wait).
TEST_F(MatcherTest, WaitForRevisionEndsWhenCancelledOrStopping) {
  Load({Builder("a")});
  std::atomic<bool> gone{false};
  std::thread leave([&] {
    absl::SleepFor(absl::Milliseconds(100));
    gone = true;
  });
  absl::Time start = absl::Now();
  absl::Status s = matcher_.WaitForRevision(101, start + absl::Seconds(20),
                                            [&] { return gone.load(); });
  leave.join();
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled) << s;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));

  std::thread stop([&] {
    absl::SleepFor(absl::Milliseconds(100));
    matcher_.StopWaitingBy(absl::Now() + absl::Milliseconds(100));
  });
  start = absl::Now();
  s = matcher_.WaitForRevision(101, start + absl::Seconds(20));
  stop.join();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("stopping")) << s;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // Later waits end at once; a revision applied answers still.
  start = absl::Now();
  EXPECT_TRUE(
      absl::IsUnavailable(matcher_.WaitForRevision(101, start + absl::Seconds(20))));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(matcher_.WaitForRevision(100, absl::Now() + absl::Seconds(20)).ok());
}

TEST_F(MatcherTest, SuggestTeamCoversLayersPerspectivesAndLimitsOrganisations) {
  std::vector<ExpertSpec> specs;
  for (int i = 0; i < 4; ++i) specs.push_back(Builder("g" + std::to_string(i), "gm0344"));
  ExpertSpec prov = Builder("prov", "pv26");
  prov.layer = type::GOVERNMENT_LAYER_PROVINCIAL;
  prov.skills = {{"woningbouw", 2}};
  ExpertSpec exec = Builder("exec", "gm0307");
  exec.perspectives = {type::PERSPECTIVE_EXECUTION};
  exec.skills = {{"woningbouw", 2}};
  ExpertSpec nat = Builder("nat", "bzk");
  nat.layer = type::GOVERNMENT_LAYER_NATIONAL;
  nat.skills = {{"volkshuisvesting", 3}};
  specs.insert(specs.end(), {prov, exec, nat});
  Load(specs);
  rv1::Challenge c = Housing();
  c.add_desired_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_PROVINCIAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_NATIONAL);
  c.add_desired_perspectives(type::PERSPECTIVE_EXECUTION);
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(4);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(4));
  std::map<std::string, int> per_org;
  std::set<int> layers;
  bool has_execution = false;
  for (const auto& slot : r->slots()) {
    ++per_org[slot.member().organisation()];
    layers.insert(slot.member().layer());
    for (int p : slot.member().perspectives())
      has_execution |= p == type::PERSPECTIVE_EXECUTION;
    EXPECT_FALSE(slot.reason().empty());
  }
  for (const auto& [org, n] : per_org) EXPECT_EQ(n, 1) << org;
  EXPECT_THAT(layers, SizeIs(3));
  EXPECT_TRUE(has_execution);
  EXPECT_THAT(r->coverage().layers_missing(), IsEmpty());
  EXPECT_THAT(r->coverage().skills_covered(), ElementsAre("woningbouw"));
  EXPECT_GE(r->slots(0).alternates_size(), 1);
}

// A desired layer is not filled by someone who barely matches the
// challenge: the regional expert below shares one word of the description
// and nothing else. They neither get the layer's bonus in the ranking nor
// take a place in the team for their layer (which the team reports missing).
TEST_F(MatcherTest, ABarelyRelevantExpertDoesNotFillALayerForItAlone) {
  std::vector<ExpertSpec> specs;
  for (int i = 0; i < 4; ++i)
    specs.push_back(Builder("muni" + std::to_string(i), "gm" + std::to_string(i)));
  ExpertSpec nat = Builder("nat", "bzk");
  nat.layer = type::GOVERNMENT_LAYER_NATIONAL;
  nat.regions = {"NL"};
  specs.push_back(nat);
  ExpertSpec far = Builder("regional", "foodvalley");
  far.layer = type::GOVERNMENT_LAYER_REGIONAL;
  far.job_title = "Beleidsadviseur mobiliteit";
  far.bio = "Werkt aan fietspaden bij nieuwe woningen.";
  far.skills = {{"verkeersveiligheid", 4}};
  far.regions = {"GM0228"};
  specs.push_back(far);
  Load(specs);
  rv1::Challenge c = Housing();
  c.add_desired_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_NATIONAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_REGIONAL);
  const v1::MatchExpertsResponse all = Match(c, 10);
  ASSERT_THAT(Names(all), Contains("experts/regional"));  // it matches, a little
  EXPECT_EQ(Names(all).back(), "experts/regional");
  for (const auto& m : all.matches()) {
    if (m.expert() != "experts/regional") continue;
    for (const auto& component : m.explanation().components()) {
      if (component.name() == "diversity") {
        EXPECT_LE(component.value(), 0);
      }
    }
  }
  EXPECT_THAT(Names(Match(c, 3)), testing::Not(Contains("experts/regional")));

  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(3);
  auto team = matcher_.SuggestTeam(req);
  ASSERT_TRUE(team.ok()) << team.status();
  for (const auto& slot : team->slots()) {
    EXPECT_NE(slot.member().expert(), "experts/regional") << slot.reason();
  }
  EXPECT_THAT(team->coverage().layers_missing(),
              ElementsAre(type::GOVERNMENT_LAYER_REGIONAL));
  EXPECT_THAT(team->notes(),
              Contains(testing::HasSubstr("match the challenge too little")));
}

// A challenge whose region sets no one apart says so, instead of telling
// every expert (a national one too) "no regional link".
TEST_F(MatcherTest, ARegionNotWeighedSaysWhy) {
  ExpertSpec nat = Builder("nat", "bzk");
  nat.layer = type::GOVERNMENT_LAYER_NATIONAL;
  nat.regions = {"NL"};
  Load({nat, Builder("muni")});
  for (const auto& [regions, why] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"NL"}, "region not weighed: the challenge is national (NL)"},
           {{"NL", "PV26"}, "region not weighed: the challenge is national (NL)"},
           {{}, "region not weighed: the challenge names no region"}}) {
    rv1::Challenge c = Housing();
    c.clear_region_codes();
    for (const std::string& code : regions) c.add_region_codes(code);
    const v1::MatchExpertsResponse r = Match(c);
    ASSERT_THAT(r.matches(), SizeIs(2));
    for (const auto& m : r.matches()) {
      for (const auto& component : m.explanation().components()) {
        if (component.name() != "region") continue;
        EXPECT_EQ(component.value(), 0);
        EXPECT_EQ(component.detail(), why) << m.expert();
      }
    }
  }
}

// A required skill no member covers yet is a need, like a desired layer:
// when the places left are as many as such needs, they go to those who fill
// them. The strongest overall match, who covers nothing new, took the last
// place, and the team lacked a required skill its alternate had.
TEST_F(MatcherTest, SuggestTeamGivesItsLastPlacesToMissingSkills) {
  ExpertSpec strong = Builder("strong", "gm0344");
  strong.skills = {{"woningbouw", 5}};
  strong.bio = "Werkt aan nieuwe woningen en betaalbare woningbouw in de regio.";
  ExpertSpec generalist = Builder("generalist", "gm0307");
  generalist.skills = {{"woningbouw", 5}};
  generalist.bio = "Nieuwe betaalbare woningen, woningbouw in de regio.";
  ExpertSpec grond = Builder("grond", "gm0356");
  grond.job_title = "Adviseur grondzaken";
  grond.bio = "Grondbeleid voor nieuwe woningen.";
  grond.skills = {{"grondbeleid", 4}};
  Load({strong, generalist, grond});
  rv1::Challenge c = Housing();
  c.mutable_required_skills(0)->set_weight(4);
  auto* s2 = c.add_required_skills();
  s2->set_name("grondbeleid");
  s2->set_min_level(3);
  s2->set_weight(0.5);  // a small share: its gain alone did not outweigh relevance
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(2);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(2));
  const std::string first = r->slots(0).member().expert();
  EXPECT_THAT(first, testing::AnyOf("experts/strong", "experts/generalist"));
  EXPECT_EQ(r->slots(1).member().expert(), "experts/grond");
  EXPECT_THAT(r->slots(1).reason(), testing::HasSubstr("covers grondbeleid"));
  EXPECT_THAT(r->coverage().skills_missing(), IsEmpty());
  // The other of the two, a stronger match, is the alternate.
  ASSERT_GE(r->slots(1).alternates_size(), 1);
  EXPECT_EQ(r->slots(1).alternates(0).expert(),
            first == "experts/strong" ? "experts/generalist" : "experts/strong");
  EXPECT_GT(r->slots(1).alternates(0).score(), r->slots(1).member().score());
}

// Every desired perspective is a need the last places go to, not only the
// execution perspective (a domain review: a youth-care challenge asking for
// the frontline got two stronger policy matches, and the region's wijkteam
// consultant, relevant enough, was left out).
TEST_F(MatcherTest, SuggestTeamGivesItsLastPlacesToADesiredPerspective) {
  ExpertSpec a = Builder("a", "gm0344");
  a.skills = {{"woningbouw", 5}};
  a.bio = "Werkt aan nieuwe woningen en betaalbare woningbouw in de regio.";
  ExpertSpec b = Builder("b", "gm0307");
  b.skills = {{"woningbouw", 5}};
  b.bio = "Nieuwe betaalbare woningen, woningbouw in de regio.";
  ExpertSpec frontline = Builder("frontline", "gm0356");
  frontline.skills = {{"woningbouw", 3}};
  frontline.bio = "Wijkteam: spreekt bewoners over woningen.";
  frontline.perspectives = {type::PERSPECTIVE_FRONTLINE};
  Load({a, b, frontline});
  rv1::Challenge c = Housing();
  c.add_desired_perspectives(type::PERSPECTIVE_FRONTLINE);
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(2);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(2));
  std::vector<std::string> team;
  for (const auto& slot : r->slots()) team.push_back(slot.member().expert());
  EXPECT_THAT(team, Contains("experts/frontline")) << r->DebugString();
  EXPECT_THAT(r->coverage().perspectives_missing(), IsEmpty());
}

// A slot's alternates bring what its member was chosen for, when someone
// does: the province's place offers the other province before a stronger
// municipality (a domain review: "adds the REGIONAL layer" offered a province
// and a municipality as alternates).
TEST_F(MatcherTest, SuggestTeamAlternatesBringWhatTheirSlotWasFor) {
  ExpertSpec m1 = Builder("m1", "gm0344");
  m1.skills = {{"woningbouw", 5}};
  m1.bio = "Werkt aan nieuwe woningen en betaalbare woningbouw in de regio.";
  ExpertSpec m2 = Builder("m2", "gm0307");
  m2.skills = {{"woningbouw", 5}};
  m2.bio = "Nieuwe betaalbare woningen, woningbouw in de regio.";
  ExpertSpec p1 = Builder("p1", "pv26");
  p1.layer = type::GOVERNMENT_LAYER_PROVINCIAL;
  p1.skills = {{"woningbouw", 4}};
  p1.regions = {"PV26"};
  ExpertSpec p2 = Builder("p2", "pv27");
  p2.layer = type::GOVERNMENT_LAYER_PROVINCIAL;
  p2.skills = {{"woningbouw", 3}};
  p2.regions = {"PV27"};
  Load({m1, m2, p1, p2});
  rv1::Challenge c = Housing();
  c.clear_region_codes();  // any province brings the layer
  c.add_desired_layers(type::GOVERNMENT_LAYER_PROVINCIAL);
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(2);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(2));
  const v1::TeamSlot* provincial = nullptr;
  for (const auto& slot : r->slots()) {
    if (slot.member().layer() == type::GOVERNMENT_LAYER_PROVINCIAL) provincial = &slot;
  }
  ASSERT_NE(provincial, nullptr) << r->DebugString();
  EXPECT_THAT(provincial->reason(), testing::HasSubstr("PROVINCIAL layer"));
  ASSERT_GE(provincial->alternates_size(), 1);
  EXPECT_EQ(provincial->alternates(0).layer(), type::GOVERNMENT_LAYER_PROVINCIAL)
      << r->DebugString();
}

// The text component names the query words as written; a word matched by
// its own stem is not followed by the stem ("woningen~woning" read as noise
// to a domain reviewer), one matched by a part or synonym is.
TEST_F(MatcherTest, TheTextExplanationNamesWordsNotStems) {
  ExpertSpec e = Builder("e");
  e.bio = "Werkt voor gemeenten aan warmtenetten.";
  Load({e});
  rv1::Challenge c = Housing();
  c.set_description("Samenwerkende gemeenten, en district heating.");
  auto r = Match(c);
  ASSERT_EQ(r.matches_size(), 1);
  const std::string text = r.matches(0).explanation().components(0).detail();
  EXPECT_THAT(text, testing::HasSubstr("gemeenten")) << text;
  EXPECT_THAT(text, Not(testing::HasSubstr("gemeenten~"))) << text;
  EXPECT_THAT(text, testing::HasSubstr("district heating~warmtenet")) << text;
}

TEST_F(MatcherTest, SuggestTeamSaysWhatIsMissingInsteadOfFailing) {
  Load({Builder("only")});
  rv1::Challenge c = Housing();
  c.add_desired_layers(type::GOVERNMENT_LAYER_WATER_AUTHORITY);
  auto* s = c.add_required_skills();
  s->set_name("dijkversterking");
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(3);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->slots(), SizeIs(1));
  EXPECT_THAT(r->coverage().skills_missing(), ElementsAre("dijkversterking"));
  EXPECT_THAT(r->coverage().layers_missing(),
              ElementsAre(type::GOVERNMENT_LAYER_WATER_AUTHORITY));
  EXPECT_GE(r->notes_size(), 3);
  // Why the places stay empty: one expert matches at all (it said the
  // organisation limit, also for a team no one matched).
  EXPECT_THAT(r->notes(), Contains("only 1 of 3 places filled: only 1 expert with free "
                                   "hours matches the challenge's words and skills"));
  rv1::Challenge nothing;
  nothing.set_title("zzzqqq onbekend onderwerp");
  *req.mutable_challenge()->mutable_inline_() = nothing;
  r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->slots(), IsEmpty());
  EXPECT_THAT(r->notes(), Contains("only 0 of 3 places filled: no expert with free hours "
                                   "matches the challenge's words and skills"));
  // Two of one organisation, a limit of one: that is the reason.
  Load({Builder("a"), Builder("b")});
  *req.mutable_challenge()->mutable_inline_() = c;
  r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->notes(), Contains(HasSubstr("within the limit of 1 per organisation")));
}

// Each match's diversity part, by expert.
std::map<std::string, double> DiversityOf(const v1::MatchExpertsResponse& ranked) {
  std::map<std::string, double> out;
  for (const auto& m : ranked.matches()) {
    for (const auto& component : m.explanation().components()) {
      if (component.name() == "diversity") out[m.expert()] = component.value();
    }
  }
  return out;
}

// An expert with no hours free cannot join a team: the layer or
// perspective they would add earns them no bonus in the list (a relevance
// review: a provincial expert with 0 h free took the province's +0.3 at #2).
TEST_F(MatcherTest, NoDiversityBonusWithoutFreeHours) {
  ExpertSpec busy{"busy",
                  "pv27",
                  type::GOVERNMENT_LAYER_PROVINCIAL,
                  "Adviseur stikstof",
                  "Stikstof, stikstofbeleid en natuur.",
                  {{"stikstof", 5}},
                  {"PV27"}};
  busy.hours = 0;
  ExpertSpec free{"free",
                  "pv26",
                  type::GOVERNMENT_LAYER_PROVINCIAL,
                  "Adviseur natuur",
                  "Natuur.",
                  {{"stikstof", 3}},
                  {"PV26"}};
  Load({busy, free});
  rv1::Challenge c;
  c.set_title("Stikstof");
  c.add_required_skills()->set_name("stikstof");
  c.add_desired_layers(type::GOVERNMENT_LAYER_PROVINCIAL);
  const v1::MatchExpertsResponse ranked = Match(c, 2);
  ASSERT_EQ(ranked.matches_size(), 2);
  for (const auto& [expert, bonus] : DiversityOf(ranked)) {
    EXPECT_EQ(bonus > 0, expert == "experts/free") << expert;
  }
}

// Nor does such an expert from the challenge's region keep the layer's bonus
// from others of that layer (a review: nobody got it).
TEST_F(MatcherTest, ALocalExpertWithoutFreeHoursLeavesTheLayersBonusToOthers) {
  ExpertSpec local{"local",
                   "pv31",
                   type::GOVERNMENT_LAYER_PROVINCIAL,
                   "Adviseur hoogwater",
                   "Hoogwater en overstromingen langs de Maas.",
                   {{"hoogwater", 4}},
                   {"PV31"}};
  local.hours = 0;
  ExpertSpec other{"other",
                   "pv22",
                   type::GOVERNMENT_LAYER_PROVINCIAL,
                   "Adviseur hoogwater",
                   "Hoogwater en overstromingen langs de Maas.",
                   {{"hoogwater", 4}},
                   {"PV22"}};
  Load({local, other});
  rv1::Challenge c;
  c.set_title("Hoogwater langs de Maas");
  c.add_region_codes("PV31");
  c.add_desired_layers(type::GOVERNMENT_LAYER_PROVINCIAL);
  const v1::MatchExpertsResponse ranked = Match(c, 2);
  ASSERT_EQ(ranked.matches_size(), 2);
  for (const auto& [expert, bonus] : DiversityOf(ranked)) {
    EXPECT_EQ(bonus > 0, expert == "experts/other") << expert;
  }
}

// Of a challenge with a region, a provincial (municipal, ...) place goes to
// someone from the region when one is relevant enough: a review's nitrogen
// challenge in the Peel (PV30) got Provincie Fryslân, with Noord-Brabant's
// own expert as an alternate. Where the region has nobody of a layer, anyone
// of it still brings it.
TEST_F(MatcherTest, SuggestTeamFillsARegionalChallengesLayersFromTheRegion) {
  auto spec = [](std::string id, std::string org, type::GovernmentLayer layer, int level,
                 std::string region) {
    return ExpertSpec{id,
                      org,
                      layer,
                      "Adviseur stikstof",
                      "Werkt aan stikstof en natuur.",
                      {{"stikstof", level}},
                      {region}};
  };
  ExpertSpec fries = spec("fries", "pv21", type::GOVERNMENT_LAYER_PROVINCIAL, 5, "PV21");
  fries.job_title = "Programmaleider stikstof en de Peel";
  fries.bio = "Stikstof, stikstofreductie en het stikstofbeleid in de Peel en elders.";
  ExpertSpec brabant =
      spec("brabant", "pv30", type::GOVERNMENT_LAYER_PROVINCIAL, 2, "PV30");
  brabant.job_title = "Beleidsmedewerker natuur";
  brabant.bio = "Werkt aan natuurbeleid.";
  Load({fries, brabant,
        spec("peel", "gm0794", type::GOVERNMENT_LAYER_MUNICIPAL, 3, "GM0794"),
        spec("waterschap", "ws0155", type::GOVERNMENT_LAYER_WATER_AUTHORITY, 4,
             "WS0155")});
  rv1::Challenge c;
  c.set_title("Stikstof in de Peel");
  c.add_required_skills()->set_name("stikstof");
  c.add_region_codes("PV30");
  c.add_desired_layers(type::GOVERNMENT_LAYER_PROVINCIAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_WATER_AUTHORITY);
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(3);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> team;
  for (const auto& slot : r->slots()) team.push_back(slot.member().expert());
  // Fryslân is the more relevant (its score without the diversity part is
  // the highest), and would be the team's province without the rule.
  const v1::MatchExpertsResponse ranked = Match(c, 4);
  std::map<std::string, double> relevance;
  for (const auto& m : ranked.matches()) {
    double sum = 0;
    for (const auto& component : m.explanation().components()) {
      if (component.name() != "diversity") sum += component.value();
    }
    relevance[m.expert()] = sum;
  }
  EXPECT_GT(relevance["experts/fries"], relevance["experts/brabant"]);
  EXPECT_GT(relevance["experts/fries"], relevance["experts/peel"]);
  // MatchExperts gives the province's place in its list by the same rule
  // (a relevance review: Limburg's own experts came 5th to 9th).
  std::vector<std::string> order;
  for (const auto& m : ranked.matches()) order.push_back(m.expert());
  ASSERT_EQ(order.size(), 4u);
  EXPECT_LT(std::find(order.begin(), order.end(), "experts/brabant") - order.begin(),
            std::find(order.begin(), order.end(), "experts/fries") - order.begin());
  EXPECT_THAT(team, UnorderedElementsAre("experts/brabant", "experts/peel",
                                         "experts/waterschap"));
  EXPECT_THAT(r->coverage().layers_missing(), IsEmpty());

  // Two places: Fryslân's expert covers the skill but counts for no layer
  // (Noord-Brabant's is there), so the places go to those who fill more.
  req.set_team_size(2);
  r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  team.clear();
  for (const auto& slot : r->slots()) team.push_back(slot.member().expert());
  EXPECT_THAT(team, Not(Contains("experts/fries")));
  EXPECT_THAT(r->coverage().layers_missing(), SizeIs(1));
}

// An alternate can take its slot's place without stacking an organisation
// when candidates allow: alternates were picked as the team was built, so a
// later slot could fill their organisation (two of one organisation after a
// swap), while others of the slot's own organisation were passed over.
TEST_F(MatcherTest, SuggestTeamAlternatesKeepTheOrganisationLimit) {
  std::vector<ExpertSpec> specs;
  const char* orgs[] = {"gm0344", "gm0307", "gm0363"};
  for (int o = 0; o < 3; ++o) {
    for (int i = 0; i < 4; ++i) {
      ExpertSpec e = Builder(absl::StrCat("e", o, i), orgs[o]);
      e.skills = {{"woningbouw", 2 + (i + o) % 4}};
      specs.push_back(e);
    }
  }
  Load(specs);
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = Housing();
  req.set_team_size(3);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(3));
  std::map<std::string, int> per_org;
  for (const auto& slot : r->slots()) ++per_org[slot.member().organisation()];
  int alternates = 0;
  for (const auto& slot : r->slots()) {
    for (const auto& alternate : slot.alternates()) {
      ++alternates;
      std::map<std::string, int> swapped = per_org;
      --swapped[slot.member().organisation()];
      EXPECT_LE(++swapped[alternate.organisation()], 1)
          << alternate.expert() << " in the place of " << slot.member().expert();
    }
  }
  // Every organisation is in the team: each slot's alternates are of its own.
  EXPECT_EQ(alternates, 6);
}

// Notes say why something is missing: here a team too small for the
// desired layers, not a lack of experts from them; a layers filter that
// leaves one out; a skill nobody has.
TEST_F(MatcherTest, SuggestTeamNotesSayWhySomethingIsMissing) {
  ExpertSpec muni = Builder("muni");
  muni.skills = {{"woningbouw", 5}};
  ExpertSpec prov = Builder("prov", "pv26");
  prov.layer = type::GOVERNMENT_LAYER_PROVINCIAL;
  prov.skills = {{"woningbouw", 2}};
  Load({muni, prov});
  rv1::Challenge c = Housing();
  c.add_desired_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_PROVINCIAL);
  c.add_desired_layers(type::GOVERNMENT_LAYER_NATIONAL);
  c.add_required_skills()->set_name("dijkversterking");
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(1);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(1));
  const std::string missing =
      r->coverage().layers_missing(0) == type::GOVERNMENT_LAYER_PROVINCIAL ? "PROVINCIAL"
                                                                           : "MUNICIPAL";
  EXPECT_THAT(r->notes(), Contains(testing::HasSubstr(absl::StrCat(
                              "no member from the ", missing, " layer: candidates"))));
  EXPECT_THAT(r->notes(), Contains("no matching expert with free hours from the "
                                   "NATIONAL layer"));
  EXPECT_THAT(r->notes(), Contains("no suitable expert found for: dijkversterking"));

  req.set_team_size(3);
  req.mutable_filters()->add_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
  r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->notes(), Contains("the PROVINCIAL layer is left out by "
                                   "filters.layers"));
}

// However many candidates a later slot's organisation has, an alternate that
// keeps the limit is found (the runners-up were cut off at a few times the
// team size, past which it ranked).
TEST_F(MatcherTest, SuggestTeamFindsALimitKeepingAlternateBehindManyOthers) {
  ExpertSpec a1 = Builder("a1", "gm0344");
  a1.skills = {{"woningbouw", 5}};
  std::vector<ExpertSpec> specs = {a1};
  for (int i = 0; i < 12; ++i) {
    ExpertSpec b = Builder(absl::StrCat("b", i < 10 ? "0" : "", i), "gm0307");
    b.skills = {{"woningbouw", 4}};
    specs.push_back(b);
  }
  ExpertSpec c1 = Builder("c1", "gm0363");
  c1.skills = {{"woningbouw", 2}};
  specs.push_back(c1);
  Load(specs);
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = Housing();
  req.set_team_size(2);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(2));
  ASSERT_EQ(r->slots(0).member().expert(), "experts/a1");
  ASSERT_GE(r->slots(0).alternates_size(), 1);
  EXPECT_EQ(r->slots(0).alternates(0).expert(), "experts/c1");
}

// A team short of places (everyone left is of an organisation at the limit):
// the notes say the limit kept the missing skill and perspective out, not
// that a larger team would take them in.
TEST_F(MatcherTest, SuggestTeamNotesNameTheOrganisationLimitForAShortTeam) {
  ExpertSpec x1 = Builder("x1", "gm0344");
  x1.skills = {{"woningbouw", 5}};
  ExpertSpec x2 = Builder("x2", "gm0344");
  x2.skills = {{"dijkversterking", 5}};
  x2.perspectives = {type::PERSPECTIVE_EXECUTION};
  // Too little relevant to be taken for the needs it fills (with housing in
  // its texts it fills two needs to x1's one, and goes first).
  x2.job_title = "Adviseur";
  x2.bio = "";
  ExpertSpec y1 = Builder("y1", "gm0307");
  y1.skills = {{"woningbouw", 4}};
  Load({x1, x2, y1});
  rv1::Challenge c = Housing();
  c.mutable_required_skills(0)->set_weight(5);  // x1 first, then X is at its limit
  auto* dike = c.add_required_skills();
  dike->set_name("dijkversterking");
  dike->set_weight(0.1);
  c.add_desired_perspectives(type::PERSPECTIVE_EXECUTION);
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  req.set_team_size(3);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(2));
  std::set<std::string> members;
  for (const auto& slot : r->slots()) members.insert(slot.member().expert());
  ASSERT_EQ(members.count("experts/x2"), 0u) << "the test wants x2 left out";
  EXPECT_THAT(
      r->notes(),
      Contains("no member covers dijkversterking: candidates who would bring it are "
               "of organisations the team already has 1 of (a higher "
               "max_per_organisation may take one in)"));
  EXPECT_THAT(r->notes(),
              Contains(testing::StartsWith(
                  "no member with the PERSPECTIVE_EXECUTION perspective: candidates who "
                  "would bring it are of organisations the team already has 1 of")));
}

TEST_F(MatcherTest, MatchTeamsFindsSimilarTeamsWithLessons) {
  rv1::TaskTeam housing;
  housing.set_name("teams/woondeal");
  housing.set_display_name("Regionale woondeal Utrecht");
  housing.set_description("Versnelling van de woningbouw met betaalbare huurwoningen.");
  housing.add_themes("wonen");
  housing.set_lessons_learned("Begin vroeg met netbeheerders.");
  rv1::TaskTeam water;
  water.set_name("teams/water");
  water.set_display_name("Deltaprogramma");
  water.set_description("Dijkversterking en waterveiligheid.");
  Load({}, {housing, water});
  v1::MatchTeamsRequest req;
  *req.mutable_challenge()->mutable_inline_() = Housing();
  auto r = matcher_.MatchTeams(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->matches(), SizeIs(1));
  EXPECT_EQ(r->matches(0).team(), "teams/woondeal");
  EXPECT_EQ(r->matches(0).lessons_learned(), "Begin vroeg met netbeheerders.");
}

// Themes are compared as text is: a challenge's "dike reinforcement" is a
// team's "dijkversterking", its "wonen" a team's "volkshuisvesting" (an exact
// comparison gave both 0); one word of two ("sociaal domein", "fysiek
// domein") is not the same theme.
TEST_F(MatcherTest, MatchTeamsComparesThemesAsText) {
  auto team = [](std::string id, std::string theme) {
    rv1::TaskTeam t;
    t.set_name("teams/" + id);
    t.set_display_name("Team " + id);
    t.set_description("Een programma.");
    t.add_themes(theme);
    return t;
  };
  Load({}, {team("dijk", "dijkversterking"), team("wonen", "volkshuisvesting"),
            team("fysiek", "fysiek domein")});
  rv1::Challenge c;
  c.set_title("Een programma");
  c.add_themes("dike reinforcement");
  c.add_themes("wonen");
  c.add_themes("sociaal domein");
  v1::MatchTeamsRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  auto r = matcher_.MatchTeams(req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::map<std::string, std::string> shared;
  for (const auto& m : r->matches()) {
    for (const auto& comp : m.explanation().components()) {
      if (comp.name() == "themes" && comp.value() > 0) shared[m.team()] = comp.detail();
    }
  }
  EXPECT_EQ(shared["teams/dijk"], "shares dijkversterking");
  EXPECT_EQ(shared["teams/wonen"], "shares volkshuisvesting");
  EXPECT_EQ(shared.count("teams/fysiek"), 0u);
  // A team without a shared theme is told so (the detail was empty).
  for (const auto& m : r->matches()) {
    for (const auto& comp : m.explanation().components()) {
      if (comp.name() == "themes" && comp.value() == 0) {
        EXPECT_EQ(comp.detail(), "no theme in common") << m.team();
      }
    }
  }
}

// A word in both the challenge's title and its description counts once
// towards a team, as towards an expert (it counted twice, and the
// explanation named it twice).
TEST_F(MatcherTest, MatchTeamsCountsAWordOfTheChallengeOnce) {
  rv1::TaskTeam heat;
  heat.set_name("teams/hitte");
  heat.set_display_name("Hitteplan Amsterdam");
  heat.set_description("Een hitteplan voor kwetsbare ouderen.");
  Load({}, {heat});
  rv1::Challenge c;
  c.set_title("Hitteplan voor ouderen");
  c.set_description("Koele plekken en een hitteplan bij hittegolven.");
  v1::MatchTeamsRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  auto r = matcher_.MatchTeams(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->matches(), SizeIs(1));
  std::map<std::string, int> times;
  double sum = 0;
  for (const auto& t : r->matches(0).explanation().matched_terms()) {
    ++times[t.term()];
    sum += t.contribution();
  }
  for (const auto& [term, n] : times) EXPECT_EQ(n, 1) << term;
  EXPECT_NEAR(sum, r->matches(0).explanation().components(0).value(), 1e-9);
}

TEST_F(MatcherTest, MatchTeamsWeighsMembersSkills) {
  // Two teams alike in words; only one has a member with the required skill.
  auto team = [](const std::string& id, const std::string& member) {
    rv1::TaskTeam t;
    t.set_name("teams/" + id);
    t.set_display_name("Versnelling woningbouw " + id);
    t.set_description("Betaalbare woningen in de regio.");
    t.set_state(rv1::TaskTeam::ACTIVE);
    auto* m = t.add_members();
    m->set_expert("experts/" + member);
    m->set_hours_per_week(4);
    return t;
  };
  ExpertSpec builder{"builder",  "gm0344", type::GOVERNMENT_LAYER_MUNICIPAL,
                     "Adviseur", "",       {{"woningbouw", 4}},
                     {"GM0344"}};
  ExpertSpec lawyer{"lawyer",   "gm0344", type::GOVERNMENT_LAYER_MUNICIPAL,
                    "Adviseur", "",       {{"privacyrecht", 4}},
                    {"GM0344"}};
  // "a" sorts first: without the skills component the tie would go to it.
  Load({builder, lawyer}, {team("a", "lawyer"), team("b", "builder")});
  v1::MatchTeamsRequest req;
  *req.mutable_challenge()->mutable_inline_() = Housing();
  auto r = matcher_.MatchTeams(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->matches(), SizeIs(2));
  EXPECT_EQ(r->matches(0).team(), "teams/b");
  const v1::Explanation& e = r->matches(0).explanation();
  ASSERT_THAT(e.matched_skills(), SizeIs(1));
  EXPECT_EQ(e.matched_skills(0).expert(), "experts/builder");
  EXPECT_EQ(e.matched_skills(0).expert_skill(), "woningbouw");
  EXPECT_EQ(e.matched_skills(0).expert_level(), 4);
  for (const auto& m : r->matches()) {
    double sum = 0;
    for (const auto& c : m.explanation().components()) sum += c.value();
    EXPECT_NEAR(sum, m.score(), 1e-9) << m.team();
  }
  EXPECT_GT(r->matches(0).score(), r->matches(1).score());
}

// A team found only by a member's skill says so: its text part says no word
// is shared (it said "shares " and nothing), and its summary names the skill
// (it ended in ": ").
TEST_F(MatcherTest, MatchTeamsSaysWhatATeamWithoutSharedWordsWasFoundBy) {
  rv1::TaskTeam t;
  t.set_name("teams/limburg");
  t.set_display_name("Herstel na de wateroverlast");
  t.set_description("Dijken en beken in Zuid-Limburg.");
  t.set_state(rv1::TaskTeam::COMPLETED);
  auto* m = t.add_members();
  m->set_expert("experts/koen");
  m->set_hours_per_week(4);
  ExpertSpec koen = Builder("koen", "gm0344");
  koen.skills = {{"hittestress", 3}};
  Load({koen}, {t});
  rv1::Challenge c;
  c.set_title("Koele pleinen");
  auto* s = c.add_required_skills();
  s->set_name("hittestress");
  s->set_min_level(3);
  v1::MatchTeamsRequest req;
  *req.mutable_challenge()->mutable_inline_() = c;
  auto r = matcher_.MatchTeams(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->matches(), SizeIs(1)) << r->DebugString();
  const v1::Explanation& e = r->matches(0).explanation();
  std::map<std::string, std::string> detail;
  for (const auto& c : e.components()) detail[c.name()] = c.detail();
  EXPECT_EQ(detail["text"], "no word in common");
  EXPECT_THAT(e.summary(),
              HasSubstr("Herstel na de wateroverlast: skills hittestress <- "));
}

// The options of a matcher that prunes its candidates, re-ranking `pool`,
// and of one that scores every touched expert and always the whole pool:
// their results must be the same.
std::pair<MatcherOptions, MatcherOptions> PrunedAndUnpruned(int pool) {
  MatcherOptions options;
  options.rerank_pool = pool;
  MatcherOptions unpruned = options;
  unpruned.prune_candidates = false;
  unpruned.lazy_rerank = false;
  return {options, unpruned};
}

// Candidate pruning must not change any result: a generated corpus with
// common and rare words, queried with pruning on and off, part of it in the
// delta, with and without filters.
TEST_F(MatcherTest, CandidatePruningKeepsResultsExact) {
  const std::vector<std::string> common = {"beleid",  "advies",     "gemeente",
                                           "project", "uitvoering", "regio"};
  const std::vector<std::string> rare = {"woningbouw", "energietransitie",
                                         "jeugdzorg",  "klimaatadaptatie",
                                         "stikstof",   "armoede",
                                         "schuldhulp", "mobiliteit",
                                         "privacy",    "waterberging",
                                         "natuur",     "archief",
                                         "erfgoed",    "asiel",
                                         "onderwijs"};
  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& words) {
    return words[std::uniform_int_distribution<size_t>(0, words.size() - 1)(rng)];
  };
  const std::vector<std::string> regions = {"GM0344", "GM0363", "PV26", "PV27", "NL"};
  std::vector<rv1::Expert> experts;
  for (int i = 0; i < 1500; ++i) {
    ExpertSpec spec{"e" + std::to_string(i),
                    "o" + std::to_string(i % 40),
                    static_cast<type::GovernmentLayer>(1 + i % 5),
                    pick(common) + " " + pick(rare),
                    "",
                    {{pick(rare), 1 + static_cast<int>(rng() % 5)},
                     {pick(common) + " " + pick(rare), 1 + static_cast<int>(rng() % 5)}},
                    {pick(regions)}};
    for (int w = 0; w < 25; ++w)
      spec.bio += (rng() % 3 ? pick(common) : pick(rare)) + " ";
    spec.hours = static_cast<int>(rng() % 30);
    spec.consent = rng() % 10 != 0;
    experts.push_back(MakeExpert(spec));
  }
  // Pools of 200 (every touched expert a candidate at this size) and of 10
  // (a few hundred candidates out of about 1,400, completed in one or two
  // rounds).
  for (int pool : {200, 10}) {
    SCOPED_TRACE(absl::StrCat("rerank pool ", pool));
    const auto [options, unpruned_options] = PrunedAndUnpruned(pool);
    Matcher pruned(analyzer_, Regions(), options);
    Matcher unpruned(analyzer_, Regions(), unpruned_options);
    // Three threads over ranges of 500 experts: a range across the base
    // (1,200) and the delta.
    MatcherOptions threaded_options = options;
    threaded_options.query_threads = 3;
    threaded_options.min_docs_per_query_thread = 100;
    Matcher threaded(analyzer_, Regions(), threaded_options);
    const std::vector<rv1::Expert> base(experts.begin(), experts.begin() + 1200);
    std::vector<rv1::Change> changes;
    for (size_t i = 1200; i < experts.size(); ++i) {
      rv1::Change ch;
      ch.set_revision(100 + i);
      ch.set_type(rv1::Change::CREATED);
      ch.set_name(experts[i].name());
      *ch.mutable_expert() = experts[i];
      changes.push_back(ch);
    }
    for (Matcher* m : {&pruned, &unpruned, &threaded}) {
      m->Load({}, base, {}, {}, 100);
      m->Apply(changes);
    }
    for (int q = 0; q < 40; ++q) {
      v1::MatchExpertsRequest req;
      req.set_page_size(q % 2 ? 10 : 50);
      rv1::Challenge* c = req.mutable_challenge()->mutable_inline_();
      c->set_title(pick(rare) + " en " + pick(common));
      for (int w = 0; w < 12; ++w) c->mutable_description()->append(pick(common) + " ");
      c->mutable_description()->append(pick(rare));
      auto* skill = c->add_required_skills();
      skill->set_name(pick(rare));
      skill->set_min_level(3);
      c->add_region_codes(pick(regions));
      c->set_owner_organisation("organisations/o" + std::to_string(q));
      if (q % 4 == 3) req.mutable_filters()->set_min_available_hours(10);
      if (q % 5 == 4) req.mutable_filters()->add_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
      auto a = pruned.MatchExperts(req);
      auto b = unpruned.MatchExperts(req);
      auto t = threaded.MatchExperts(req);
      ASSERT_TRUE(a.ok() && b.ok() && t.ok());
      ASSERT_EQ(t->matches_size(), b->matches_size()) << "query " << q;
      for (int i = 0; i < t->matches_size(); ++i) {
        EXPECT_EQ(t->matches(i).expert(), b->matches(i).expert()) << "query " << q;
        EXPECT_NEAR(t->matches(i).score(), b->matches(i).score(), 1e-5) << "query " << q;
      }
      ASSERT_EQ(a->matches_size(), b->matches_size()) << "query " << q;
      EXPECT_GT(a->matches_size(), 0);
      for (int i = 0; i < a->matches_size(); ++i) {
        EXPECT_EQ(a->matches(i).expert(), b->matches(i).expert()) << "query " << q;
        // The pruned path adds the same float terms in another order.
        EXPECT_NEAR(a->matches(i).score(), b->matches(i).score(), 1e-5) << "query " << q;
      }
    }
  }
}

// The skills bound of the accumulation must hold for an expert whose skill
// is a synonym of the required one (a word group of several terms, whose
// lists the accumulation visits in its own order): experts with a lot of
// text on the word but without the skill are more relevant by text alone,
// and only their skills bounds keep the skilled experts among the
// candidates. Pruned results must equal every touched expert's exact
// scores.
TEST_F(MatcherTest, SkillBoundsOfSynonymsKeepPruningExact) {
  // One synonym group (synonyms.txt): woningcorporatie, housing association,
  // housing corporation, corporatie, wooncorporatie.
  const std::vector<std::string> synonyms = {"woningcorporatie", "wooncorporatie",
                                             "corporatie"};
  const std::vector<std::string> other = {"archief",    "erfgoed",  "privacy",
                                          "mobiliteit", "stikstof", "onderwijs"};
  std::mt19937 rng(5);
  auto pick = [&](const std::vector<std::string>& words) {
    return words[std::uniform_int_distribution<size_t>(0, words.size() - 1)(rng)];
  };
  std::vector<rv1::Expert> experts;
  std::set<std::string> skilled;
  for (int i = 0; i < 900; ++i) {
    ExpertSpec spec{"e" + std::to_string(i),
                    "o" + std::to_string(i % 60),
                    static_cast<type::GovernmentLayer>(1 + i % 5),
                    "adviseur",
                    "",
                    {{pick(other), 3}},
                    {i % 2 ? "GM0344" : "PV27"}};
    if (i % 30 == 0) {
      // Skilled: the skill under one of the group's words, little text.
      spec.org = "s" + std::to_string(i);  // no penalty for one organisation
      spec.skills = {{synonyms[i / 30 % synonyms.size()], 3 + i / 30 % 3}};
      spec.bio = pick(other);
      skilled.insert("experts/" + spec.id);
    } else if (i % 3 == 0) {
      // Much text on the group's words, no such skill.
      spec.job_title = "adviseur " + pick(synonyms);
      for (int w = 0; w < 6; ++w) spec.bio += pick(synonyms) + " ";
    } else {
      spec.bio = pick(synonyms) + " " + pick(other) + " " + pick(other);
    }
    spec.hours = 8 + static_cast<int>(rng() % 9);
    experts.push_back(MakeExpert(spec));
  }
  for (int pool : {10, 200}) {
    SCOPED_TRACE(absl::StrCat("rerank pool ", pool));
    const auto [options, unpruned_options] = PrunedAndUnpruned(pool);
    Matcher pruned(analyzer_, Regions(), options);
    Matcher unpruned(analyzer_, Regions(), unpruned_options);
    pruned.Load({}, experts, {}, {}, 100);
    unpruned.Load({}, experts, {}, {}, 100);
    for (const std::string& required : synonyms) {
      SCOPED_TRACE(required);
      v1::MatchExpertsRequest req;
      req.set_page_size(10);
      rv1::Challenge* c = req.mutable_challenge()->mutable_inline_();
      c->set_title(required);
      auto* skill = c->add_required_skills();
      skill->set_name(required);
      skill->set_min_level(3);
      skill->set_weight(2);
      c->add_region_codes("GM0344");
      auto a = pruned.MatchExperts(req);
      auto b = unpruned.MatchExperts(req);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(Names(*a), Names(*b));
      ASSERT_EQ(a->matches_size(), 10);
      // The skilled experts lead, whichever of the words names their skill.
      for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(skilled.contains(a->matches(i).expert())) << a->matches(i).expert();
        EXPECT_NEAR(a->matches(i).score(), b->matches(i).score(), 1e-5);
      }
    }
  }
}

// The same for a required skill that is a phrase ("grid congestion"): an
// expert's skill matching the whole phrase covers its words too, and the
// bound that pruning uses must count them (it did not: such experts could be
// dropped behind others with much text on the phrase's words).
TEST_F(MatcherTest, SkillBoundsOfPhrasesKeepPruningExact) {
  const std::vector<std::string> whole = {"netcongestie", "transportcapaciteit"};
  const std::vector<std::string> words = {"grid", "congestion", "grid capacity"};
  const std::vector<std::string> other = {"archief", "erfgoed", "privacy", "mobiliteit"};
  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  std::vector<rv1::Expert> experts;
  std::set<std::string> skilled;
  for (int i = 0; i < 900; ++i) {
    ExpertSpec spec{"e" + std::to_string(i),
                    "o" + std::to_string(i % 60),
                    static_cast<type::GovernmentLayer>(1 + i % 5),
                    "adviseur",
                    "",
                    {{pick(other), 3}},
                    {i % 2 ? "GM0344" : "PV27"}};
    if (i % 30 == 0) {
      spec.org = "s" + std::to_string(i);
      spec.skills = {{whole[i / 30 % whole.size()], 4}};
      spec.bio = pick(other);
      skilled.insert("experts/" + spec.id);
    } else if (i % 3 == 0) {
      spec.job_title = "adviseur " + pick(words);
      for (int w = 0; w < 6; ++w) spec.bio += pick(words) + " ";
      spec.skills = {{pick(words) + " planning", 3}};
    } else {
      spec.bio = pick(words) + " " + pick(other);
    }
    spec.hours = 8 + static_cast<int>(rng() % 9);
    experts.push_back(MakeExpert(spec));
  }
  for (int pool : {10, 200}) {
    SCOPED_TRACE(absl::StrCat("rerank pool ", pool));
    const auto [options, unpruned_options] = PrunedAndUnpruned(pool);
    Matcher pruned(analyzer_, Regions(), options);
    Matcher unpruned(analyzer_, Regions(), unpruned_options);
    pruned.Load({}, experts, {}, {}, 100);
    unpruned.Load({}, experts, {}, {}, 100);
    v1::MatchExpertsRequest req;
    req.set_page_size(10);
    rv1::Challenge* c = req.mutable_challenge()->mutable_inline_();
    c->set_title("Bedrijventerreinen");
    auto* skill = c->add_required_skills();
    skill->set_name("grid congestion");
    skill->set_min_level(3);
    skill->set_weight(3);
    auto a = pruned.MatchExperts(req);
    auto b = unpruned.MatchExperts(req);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(Names(*a), Names(*b));
    for (int i = 0; i < std::min(a->matches_size(), b->matches_size()); ++i) {
      EXPECT_NEAR(a->matches(i).score(), b->matches(i).score(), 1e-5);
    }
    int led = 0;
    for (const auto& m : b->matches()) led += skilled.contains(m.expert());
    EXPECT_GE(led, 5) << "the test wants the skilled experts near the top";
  }
}

// MatchExperts scores the components of only the most relevant candidates
// that prove its picks (MatcherOptions::lazy_rerank); the results must be
// those of the whole pool, to the bit. Organisations with many equally
// relevant experts make the same-organisation penalty reach past the first
// candidates scored, so some queries need the pool after all.
TEST_F(MatcherTest, LazyRerankingKeepsResultsExact) {
  const std::vector<std::string> words = {
      "woningbouw", "energietransitie", "jeugdzorg", "klimaatadaptatie", "stikstof",
      "armoede",    "mobiliteit",       "privacy",   "waterberging"};
  std::mt19937 rng(11);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  std::vector<rv1::Expert> experts;
  // 30 experts of one organisation, the most relevant to "woningbouw", and
  // 30 of as many other organisations, the same but for 4 hours less a week
  // (0.02 less relevant, less than the penalty of 0.04 for a second pick of
  // one organisation): the second pick is one of the others, which are not
  // among the first 20 most relevant.
  for (int i = 0; i < 60; ++i) {
    ExpertSpec spec{(i < 30 ? "same" : "other") + std::to_string(i % 30),
                    i < 30 ? "groot" : "klein" + std::to_string(i),
                    type::GOVERNMENT_LAYER_MUNICIPAL,
                    "adviseur woningbouw",
                    "woningbouw en woningbouwopgave",
                    {{"woningbouw", 4}},
                    {}};
    spec.hours = i < 30 ? 16 : 12;
    experts.push_back(MakeExpert(spec));
  }
  // And 1,000 of 40 organisations with random words.
  for (int i = 0; i < 1000; ++i) {
    ExpertSpec spec{"r" + std::to_string(i),
                    "o" + std::to_string(i % 40),
                    static_cast<type::GovernmentLayer>(1 + i % 5),
                    pick(words),
                    "",
                    {{pick(words), 1 + static_cast<int>(rng() % 5)}},
                    {i % 2 ? "GM0344" : "PV26"}};
    for (int w = 0; w < 8; ++w) spec.bio += pick(words) + " ";
    spec.hours = static_cast<int>(rng() % 20);
    spec.perspectives = {static_cast<type::Perspective>(1 + i % 4)};
    experts.push_back(MakeExpert(spec));
  }
  MatcherOptions whole_pool;
  whole_pool.lazy_rerank = false;
  Matcher lazy(analyzer_, Regions(), MatcherOptions{});
  Matcher reference(analyzer_, Regions(), whole_pool);
  lazy.Load({}, experts, {}, {}, 100);
  reference.Load({}, experts, {}, {}, 100);
  int queries = 0;
  for (int q = 0; q < 60; ++q) {
    v1::MatchExpertsRequest req;
    req.set_page_size(q % 3 == 0 ? 5 : (q % 3 == 1 ? 10 : 25));
    rv1::Challenge* c = req.mutable_challenge()->mutable_inline_();
    c->set_title(q % 6 == 0 ? "woningbouw" : pick(words) + " " + pick(words));
    c->set_description(q % 6 == 0 ? "woningbouwopgave" : pick(words));
    c->set_owner_organisation("organisations/o0");
    if (q % 2) c->add_required_skills()->set_name(pick(words));
    if (q % 10 == 9) c->add_desired_layers(type::GOVERNMENT_LAYER_NATIONAL);
    if (q % 10 == 7) c->add_desired_perspectives(type::PERSPECTIVE_EXECUTION);
    if (q % 8 == 5) req.mutable_filters()->set_min_available_hours(10);
    // Filters that few pass: the candidates above the first threshold do
    // not fill the page, so it is lowered step by step.
    if (q % 8 == 6 && q % 6 != 0) {
      req.mutable_filters()->set_min_available_hours(17);
      req.mutable_filters()->add_layers(type::GOVERNMENT_LAYER_NATIONAL);
    }
    auto a = lazy.MatchExperts(req);
    auto b = reference.MatchExperts(req);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_GT(a->matches_size(), 0) << "query " << q;
    EXPECT_EQ(Names(*a), Names(*b)) << "query " << q;
    // Scores and explanations too: every component, to the bit.
    EXPECT_TRUE(a->SerializeAsString() == b->SerializeAsString()) << "query " << q;
    ++queries;
  }
  // Some queries needed the pool (at least the 10 for "woningbouw"), and
  // most did not.
  EXPECT_GE(lazy.rerank_retries(), 10u);
  EXPECT_LT(lazy.rerank_retries(), static_cast<uint64_t>(queries) / 2);
  EXPECT_EQ(reference.rerank_retries(), 0u);
}

TEST_F(MatcherTest, UnknownOrEmptyChallengeIsAnError) {
  Load({});
  v1::MatchExpertsRequest req;
  EXPECT_EQ(matcher_.MatchExperts(req).status().code(),
            absl::StatusCode::kInvalidArgument);
  req.mutable_challenge()->set_name("challenges/nope");
  EXPECT_EQ(matcher_.MatchExperts(req).status().code(), absl::StatusCode::kNotFound);
  req.mutable_challenge()->mutable_inline_();
  EXPECT_EQ(matcher_.MatchExperts(req).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Only stop words: said, not an empty answer.
  req.mutable_challenge()->mutable_inline_()->set_title("de het een van en in op");
  const absl::Status only_stop_words = matcher_.MatchExperts(req).status();
  EXPECT_EQ(only_stop_words.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(only_stop_words), ElementsAre("challenge.inline"));
  v1::SuggestTeamRequest team;
  *team.mutable_challenge() = req.challenge();
  EXPECT_EQ(matcher_.SuggestTeam(team).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::MatchTeamsRequest teams;
  *teams.mutable_challenge() = req.challenge();
  EXPECT_EQ(matcher_.MatchTeams(teams).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A challenge about "IT" finds the expert whose skill is "IT" (a stop word
// in capitals is an abbreviation): it was INVALID_ARGUMENT, "only stop
// words", and the skill had no terms to be found by.
TEST_F(MatcherTest, AnAbbreviationThatIsAlsoAStopWordIsMatched) {
  ExpertSpec it = Builder("it");
  it.job_title = "Adviseur";
  it.bio = "Werkt aan systemen.";
  it.skills = {{"IT", 4}};
  Load({Builder("a"), it});
  rv1::Challenge c;
  c.set_title("IT");
  c.add_themes("IT");
  EXPECT_THAT(Names(Match(c)), ElementsAre("experts/it"));
}

TEST_F(MatcherTest, MatchTeamsLeavesOutTheSkillsOfMembersWithoutConsent) {
  rv1::TaskTeam t;
  t.set_name("teams/woondeal");
  t.set_display_name("Woondeal");
  t.set_description("Betaalbare woningen in de regio.");
  t.set_state(rv1::TaskTeam::ACTIVE);
  t.add_members()->set_expert("experts/private");
  ExpertSpec member = Builder("private", "gm0344");
  member.consent = false;
  Load({member}, {t});
  auto skills_of = [&](const std::string& owner) {
    rv1::Challenge c = Housing();
    c.set_owner_organisation(owner);
    v1::MatchTeamsRequest req;
    *req.mutable_challenge()->mutable_inline_() = c;
    auto r = matcher_.MatchTeams(req);
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_THAT(r->matches(), SizeIs(1));
    return r->matches_size() == 1 ? r->matches(0).explanation() : v1::Explanation();
  };
  // Another organisation's challenge: the member is neither used nor named.
  const v1::Explanation other = skills_of("organisations/pv26");
  EXPECT_THAT(other.matched_skills(), IsEmpty());
  for (const auto& c : other.components()) {
    if (c.name() == "skills") {
      EXPECT_EQ(c.value(), 0) << c.detail();
    }
    EXPECT_EQ(c.detail().find("Expert private"), std::string::npos) << c.detail();
  }
  // Their own organisation's challenge: the member's skill counts.
  const v1::Explanation own = skills_of("organisations/gm0344");
  ASSERT_THAT(own.matched_skills(), SizeIs(1));
  EXPECT_EQ(own.matched_skills(0).expert(), "experts/private");
}

TEST_F(MatcherTest, InlineChallengesAndFiltersAreCheckedLikeStoredOnes) {
  Load({Builder("a")});
  // A challenge given inline obeys the registry's limits for a stored one.
  rv1::Challenge bad = Housing();
  bad.set_description(std::string(20001, 'a'));
  for (int i = 0; i < 101; ++i) bad.add_themes(absl::StrCat("thema", i));
  bad.mutable_required_skills(0)->set_min_level(9);
  bad.mutable_required_skills(0)->set_weight(1e38);
  bad.add_region_codes("Amsterdam");
  bad.add_desired_layers(static_cast<type::GovernmentLayer>(40));
  bad.set_team_size(1000000);
  const auto bad_challenge = UnorderedElementsAre(
      "challenge.inline.description", "challenge.inline.themes",
      "challenge.inline.required_skills[0].min_level",
      "challenge.inline.required_skills[0].weight", "challenge.inline.region_codes[1]",
      "challenge.inline.desired_layers[0]", "challenge.inline.team_size");
  v1::MatchExpertsRequest match;
  *match.mutable_challenge()->mutable_inline_() = bad;
  auto m = matcher_.MatchExperts(match);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(m.status()), bad_challenge);
  v1::SuggestTeamRequest suggest;
  *suggest.mutable_challenge()->mutable_inline_() = bad;
  auto t = matcher_.SuggestTeam(suggest);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(t.status()), bad_challenge);
  v1::MatchTeamsRequest teams;
  *teams.mutable_challenge()->mutable_inline_() = bad;
  auto s = matcher_.MatchTeams(teams);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(s.status()), bad_challenge);

  // Filters too.
  v1::MatchFilters filters;
  filters.add_layers(static_cast<type::GovernmentLayer>(40));
  filters.add_layers(type::GOVERNMENT_LAYER_UNSPECIFIED);
  filters.add_region_codes("GM12");
  filters.set_min_available_hours(-1);
  const auto bad_filters =
      UnorderedElementsAre("filters.layers[0]", "filters.layers[1]",
                           "filters.region_codes[0]", "filters.min_available_hours");
  match.Clear();
  *match.mutable_challenge()->mutable_inline_() = Housing();
  *match.mutable_filters() = filters;
  m = matcher_.MatchExperts(match);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(m.status()), bad_filters);
  suggest.Clear();
  *suggest.mutable_challenge()->mutable_inline_() = Housing();
  *suggest.mutable_filters() = filters;
  t = matcher_.SuggestTeam(suggest);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(t.status()), bad_filters);

  // Unlike a stored challenge, one given inline needs no title and no owner.
  rv1::Challenge untitled;
  untitled.set_description("Versnellen van de woningbouw");
  EXPECT_THAT(Names(Match(untitled)), ElementsAre("experts/a"));
  // And a valid filter passes.
  v1::MatchFilters good;
  good.add_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
  good.add_region_codes("PV26");
  EXPECT_THAT(Names(Match(Housing(), 10, good)), ElementsAre("experts/a"));
}

// Equal scores come out in the order of the experts' names: not in the
// order the snapshot listed them, nor moved by an update that changes
// nothing, so every replica gives the same list and pages.
TEST_F(MatcherTest, EqualScoresAreOrderedByNameWhateverTheLoadOrderOrUpdates) {
  const ExpertSpec a = Builder("twin-a", "gm0344");
  const ExpertSpec b = Builder("twin-b", "gm0307");
  rv1::Change touch;  // a no-op update of twin-a
  touch.set_revision(101);
  touch.set_type(rv1::Change::UPDATED);
  touch.set_name("experts/twin-a");
  *touch.mutable_expert() = MakeExpert(a);
  for (const bool b_first : {true, false}) {
    for (const bool touched : {false, true}) {
      SCOPED_TRACE(absl::StrCat(b_first ? "b loaded first" : "a loaded first",
                                touched ? ", a updated" : ""));
      Load(b_first ? std::vector<ExpertSpec>{b, a} : std::vector<ExpertSpec>{a, b});
      if (touched) matcher_.Apply({touch});
      const v1::MatchExpertsResponse r = Match(Housing());
      ASSERT_THAT(r.matches(), SizeIs(2));
      EXPECT_EQ(r.matches(0).score(), r.matches(1).score());
      EXPECT_THAT(Names(r), ElementsAre("experts/twin-a", "experts/twin-b"));
      EXPECT_THAT(Names(Match(Housing(), 1)), ElementsAre("experts/twin-a"));
      v1::SuggestTeamRequest req;
      *req.mutable_challenge()->mutable_inline_() = Housing();
      req.set_team_size(1);
      auto team = matcher_.SuggestTeam(req);
      ASSERT_TRUE(team.ok()) << team.status();
      ASSERT_THAT(team->slots(), SizeIs(1));
      EXPECT_EQ(team->slots(0).member().expert(), "experts/twin-a");
    }
  }
}

// Two replicas that loaded the same experts in different orders (the
// snapshot comes in on parallel streams) rank alike, to the bit: ties go by
// name. (One that followed updates may still differ slightly until its next
// merge: document frequencies and average lengths count superseded copies.)
TEST_F(MatcherTest, SameDataRanksTheSameWhateverTheLoadOrder) {
  const std::vector<std::string> words = {
      "beleid",  "advies",     "gemeente",   "project",          "uitvoering",
      "regio",   "woningbouw", "jeugdzorg",  "klimaatadaptatie", "stikstof",
      "armoede", "schuldhulp", "mobiliteit", "privacy",          "waterberging"};
  std::mt19937 rng(11);
  auto pick = [&] {
    return words[std::uniform_int_distribution<size_t>(0, words.size() - 1)(rng)];
  };
  std::vector<ExpertSpec> specs;
  for (int i = 0; i < 300; ++i) {
    ExpertSpec spec{"e" + std::to_string(i),
                    "o" + std::to_string(i % 20),
                    static_cast<type::GovernmentLayer>(1 + i % 5),
                    pick() + " " + pick(),
                    "",
                    {{pick(), 1 + static_cast<int>(rng() % 5)}},
                    {i % 2 ? "GM0344" : "PV26"}};
    for (int w = 0; w < 12; ++w) spec.bio += pick() + " ";
    specs.push_back(spec);
  }
  std::vector<rv1::Expert> experts;
  for (const ExpertSpec& s : specs) experts.push_back(MakeExpert(s));

  Matcher forward(analyzer_, Regions(), Options());
  forward.Load({}, experts, {}, {}, 100);
  Matcher reverse(analyzer_, Regions(), Options());
  reverse.Load({}, std::vector<rv1::Expert>(experts.rbegin(), experts.rend()), {}, {},
               100);

  for (int q = 0; q < 20; ++q) {
    SCOPED_TRACE(absl::StrCat("query ", q));
    v1::MatchExpertsRequest req;
    req.set_page_size(q % 2 ? 10 : 40);
    rv1::Challenge* c = req.mutable_challenge()->mutable_inline_();
    c->set_title(pick() + " en " + pick());
    for (int w = 0; w < 6; ++w) c->mutable_description()->append(pick() + " ");
    auto* skill = c->add_required_skills();
    skill->set_name(pick());
    c->add_region_codes("GM0344");
    if (q % 3 == 2) c->add_desired_layers(type::GOVERNMENT_LAYER_NATIONAL);
    auto a = forward.MatchExperts(req);
    auto b = reverse.MatchExperts(req);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_GT(a->matches_size(), 0);
    EXPECT_EQ(Names(*a), Names(*b));
    // Scores and explanations too, to the bit.
    EXPECT_TRUE(a->SerializeAsString() == b->SerializeAsString())
        << a->DebugString() << "\n---\n"
        << b->DebugString();
    v1::SuggestTeamRequest team;
    *team.mutable_challenge() = req.challenge();
    team.set_team_size(4);
    auto ta = forward.SuggestTeam(team);
    auto tb = reverse.SuggestTeam(team);
    ASSERT_TRUE(ta.ok() && tb.ok());
    EXPECT_TRUE(ta->SerializeAsString() == tb->SerializeAsString());
  }
}

// A name that cannot name a challenge, and an excluded organisation that
// cannot name one, are the caller's mistakes: INVALID_ARGUMENT naming the
// field, as the registry answers them, not NOT_FOUND or ignored.
TEST_F(MatcherTest, MalformedChallengeNamesAndExcludedOrganisationsAreInvalid) {
  Load({Builder("a")});
  for (const std::string name : {"", "foo bar", "experts/a", "challenges/Nope!"}) {
    SCOPED_TRACE(name);
    v1::MatchExpertsRequest match;
    match.mutable_challenge()->set_name(name);
    auto m = matcher_.MatchExperts(match);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(BadFields(m.status()), ElementsAre("challenge.name"));
    v1::SuggestTeamRequest suggest;
    suggest.mutable_challenge()->set_name(name);
    auto t = matcher_.SuggestTeam(suggest);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(BadFields(t.status()), ElementsAre("challenge.name"));
    v1::MatchTeamsRequest teams;
    teams.mutable_challenge()->set_name(name);
    auto s = matcher_.MatchTeams(teams);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(BadFields(s.status()), ElementsAre("challenge.name"));
  }
  // A well-formed name of no challenge is still NOT_FOUND.
  v1::MatchExpertsRequest unknown;
  unknown.mutable_challenge()->set_name("challenges/nope");
  EXPECT_EQ(matcher_.MatchExperts(unknown).status().code(), absl::StatusCode::kNotFound);

  v1::MatchFilters filters;
  filters.add_exclude_organisations("organisations/gm0307");
  filters.add_exclude_organisations("gemeente utrecht");
  filters.add_exclude_organisations("");
  const auto bad_filters =
      ElementsAre("filters.exclude_organisations[1]", "filters.exclude_organisations[2]");
  v1::MatchExpertsRequest match;
  *match.mutable_challenge()->mutable_inline_() = Housing();
  *match.mutable_filters() = filters;
  auto m = matcher_.MatchExperts(match);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(m.status()), bad_filters);
  v1::SuggestTeamRequest suggest;
  *suggest.mutable_challenge()->mutable_inline_() = Housing();
  *suggest.mutable_filters() = filters;
  auto t = matcher_.SuggestTeam(suggest);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(t.status()), bad_filters);
  // A well-formed name of an organisation no expert has excludes nobody.
  v1::MatchFilters good;
  good.add_exclude_organisations("organisations/gm0307");
  EXPECT_THAT(Names(Match(Housing(), 10, good)), ElementsAre("experts/a"));
}

// An alternate is someone who could take the slot instead: never a member
// of the proposed team.
TEST_F(MatcherTest, SuggestTeamAlternatesAreNotInTheTeam) {
  std::vector<ExpertSpec> specs;
  for (int i = 0; i < 8; ++i) {
    ExpertSpec s = Builder("m" + std::to_string(i), "gm" + std::to_string(i));
    s.skills = {{"woningbouw", 5 - i % 3}};
    s.hours = 4 + i;
    specs.push_back(s);
  }
  Load(specs);
  v1::SuggestTeamRequest req;
  *req.mutable_challenge()->mutable_inline_() = Housing();
  req.set_team_size(4);
  auto r = matcher_.SuggestTeam(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->slots(), SizeIs(4));
  std::set<std::string> members;
  for (const auto& slot : r->slots()) members.insert(slot.member().expert());
  EXPECT_THAT(members, SizeIs(4));
  for (const auto& slot : r->slots()) {
    EXPECT_THAT(slot.alternates(), SizeIs(2)) << slot.member().expert();
    for (const auto& alt : slot.alternates()) {
      EXPECT_FALSE(members.contains(alt.expert()))
          << alt.expert() << " is an alternate of " << slot.member().expert()
          << " and in the team";
      double sum = 0;
      for (const auto& c : alt.explanation().components()) sum += c.value();
      EXPECT_NEAR(sum, alt.score(), 1e-9) << alt.expert();
    }
  }
}

}  // namespace
}  // namespace samenspel::matching
