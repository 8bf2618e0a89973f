// Writes the seed corpus of registry_request_fuzzer: one meaningful request
// of every kind against the fixture (registry_request.h), valid ones and
// typical mistakes. Usage:
//   registry_request_seeds tests/fuzz/corpus/registry_request
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "google/protobuf/message.h"
#include "samenspel/registry/v1/registry_service.pb.h"
#include "tests/fuzz/registry_request.h"

namespace samenspel::registry::fuzz {
namespace {

namespace type = ::samenspel::type::v1;

class SeedWriter {
 public:
  explicit SeedWriter(std::string dir) : dir_(std::move(dir)) {}

  void Write(const std::string& name, RequestKind kind,
             const google::protobuf::Message& request) {
    std::ofstream out(dir_ + "/" + name, std::ios::binary | std::ios::trunc);
    out << static_cast<char>(kind) << request.SerializeAsString();
    ok_ = ok_ && out.good();
  }
  bool ok() const { return ok_; }

 private:
  const std::string dir_;
  bool ok_ = true;
};

v1::Expert Expert() {
  v1::Expert e;
  e.set_display_name("Fatima El Amrani");
  e.set_organisation(kFixtureOrgBzk);
  e.set_job_title("Programmamanager digitale overheid");
  e.set_email("f.elamrani@minbzk.nl");
  e.set_bio("Ervaring met de Wet open overheid (Woo), AVG/GDPR en informatiebeheer.");
  type::Skill* s = e.add_skills();
  s->set_name("informatiebeheer");
  s->set_level(5);
  e.add_themes("Digitale overheid");
  e.add_region_codes("NL");
  e.add_perspectives(type::PERSPECTIVE_GOVERNANCE);
  e.set_available_hours_per_week(4);
  e.set_consent_to_matching(true);
  return e;
}

void WriteSeeds(SeedWriter& w) {
  v1::CreateOrganisationRequest org;
  org.set_organisation_id("pv27");
  org.mutable_organisation()->set_display_name("Provincie Noord-Holland");
  org.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_PROVINCIAL);
  org.mutable_organisation()->add_region_codes("PV27");
  org.set_request_id("3f0c2a9e-org");
  w.Write("create_organisation", kCreateOrganisation, org);
  org.mutable_organisation()->set_oin("12345");
  org.mutable_organisation()->add_region_codes("pv27");
  w.Write("create_organisation_bad_oin_region", kCreateOrganisation, org);

  v1::UpdateOrganisationRequest update_org;
  update_org.mutable_organisation()->set_name(kFixtureOrgAmsterdam);
  update_org.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_REGIONAL);
  update_org.mutable_organisation()->set_etag("\"2\"");
  update_org.mutable_update_mask()->add_paths("layer");
  w.Write("update_organisation_layer", kUpdateOrganisation, update_org);
  update_org.mutable_update_mask()->add_paths("create_time.seconds");
  update_org.mutable_update_mask()->add_paths("no_such_field");
  w.Write("update_organisation_bad_mask", kUpdateOrganisation, update_org);

  v1::DeleteOrganisationRequest delete_org;
  delete_org.set_name(kFixtureOrgBzk);
  w.Write("delete_organisation_in_use", kDeleteOrganisation, delete_org);

  v1::ListOrganisationsRequest list_orgs;
  list_orgs.set_page_size(1);
  list_orgs.set_layer(type::GOVERNMENT_LAYER_MUNICIPAL);
  w.Write("list_organisations", kListOrganisations, list_orgs);

  v1::CreateExpertRequest expert;
  expert.set_expert_id("fatima");
  *expert.mutable_expert() = Expert();
  w.Write("create_expert", kCreateExpert, expert);
  expert.set_request_id("retry-7");
  expert.clear_expert_id();
  w.Write("create_expert_idempotent", kCreateExpert, expert);
  expert.mutable_expert()->set_organisation("organisations/bestaat-niet");
  expert.mutable_expert()->set_email("geen-adres");
  expert.mutable_expert()->mutable_skills(0)->set_level(9);
  w.Write("create_expert_bad", kCreateExpert, expert);

  v1::UpdateExpertRequest update_expert;
  update_expert.mutable_expert()->set_name(kFixtureExpertAnna);
  update_expert.mutable_expert()->set_organisation(kFixtureOrgBzk);
  update_expert.mutable_expert()->set_etag("\"3\"");
  update_expert.mutable_update_mask()->add_paths("organisation");
  w.Write("update_expert_organisation", kUpdateExpert, update_expert);
  update_expert.mutable_expert()->add_themes("wonen");
  update_expert.mutable_expert()->add_themes("Wonen");
  update_expert.mutable_update_mask()->add_paths("themes");
  update_expert.mutable_expert()->clear_etag();
  w.Write("update_expert_duplicate_theme", kUpdateExpert, update_expert);

  v1::DeleteExpertRequest delete_expert;
  delete_expert.set_name(kFixtureExpertJan);
  delete_expert.set_etag("\"4\"");
  w.Write("delete_expert_in_team", kDeleteExpert, delete_expert);

  v1::ListExpertsRequest list_experts;
  list_experts.set_organisation(kFixtureOrgAmsterdam);
  list_experts.set_skill("WONINGBOUW");
  list_experts.set_page_size(1);
  w.Write("list_experts", kListExperts, list_experts);

  v1::BatchCreateExpertsRequest batch;
  for (const char* id : {"piet", "marieke"}) {
    v1::CreateExpertRequest* item = batch.add_requests();
    item->set_expert_id(id);
    item->set_request_id(std::string("batch-") + id);
    *item->mutable_expert() = Expert();
  }
  w.Write("batch_create_experts", kBatchCreateExperts, batch);

  v1::CreateTeamRequest team;
  team.set_team_id("wmo");
  v1::TaskTeam* t = team.mutable_team();
  t->set_display_name("Wmo-hervorming");
  t->set_description("Maatwerk in de Wet maatschappelijke ondersteuning.");
  t->set_owner_organisation(kFixtureOrgAmsterdam);
  t->add_themes("zorg");
  v1::TeamMember* m = t->add_members();
  m->set_expert(kFixtureExpertAnna);
  m->set_role("trekker");
  m->set_hours_per_week(8);
  w.Write("create_team", kCreateTeam, team);

  v1::UpdateTeamRequest update_team;
  update_team.mutable_team()->set_name(kFixtureTeam);
  update_team.mutable_team()->set_state(v1::TaskTeam::ACTIVE);
  update_team.mutable_team()->set_lessons_learned("Vroeg de uitvoering betrekken.");
  w.Write("update_team_replace_incomplete", kUpdateTeam, update_team);
  update_team.mutable_team()->set_display_name("Versnelling woningbouw");
  update_team.mutable_team()->set_owner_organisation(kFixtureOrgAmsterdam);
  update_team.mutable_team()->add_members()->set_expert(kFixtureExpertJan);
  w.Write("update_team_replace", kUpdateTeam, update_team);

  v1::DeleteTeamRequest delete_team;
  delete_team.set_name(kFixtureTeam);
  w.Write("delete_team", kDeleteTeam, delete_team);

  v1::ListTeamsRequest list_teams;
  list_teams.set_member(kFixtureExpertJan);
  list_teams.set_theme("Wonen");
  w.Write("list_teams", kListTeams, list_teams);

  v1::AddTeamMemberRequest add;
  add.set_team(kFixtureTeam);
  add.set_etag("\"5\"");
  add.mutable_member()->set_expert(kFixtureExpertJan);
  w.Write("add_team_member_existing", kAddTeamMember, add);

  v1::RemoveTeamMemberRequest remove;
  remove.set_team(kFixtureTeam);
  remove.set_expert(kFixtureExpertAnna);
  w.Write("remove_team_member", kRemoveTeamMember, remove);

  v1::CreateChallengeRequest challenge;
  v1::Challenge* c = challenge.mutable_challenge();
  c->set_title("Wachtlijsten jeugdzorg verkorten");
  c->set_description("Samen met zorgaanbieders de wachttijden in de jeugdzorg halveren.");
  c->set_owner_organisation(kFixtureOrgBzk);
  c->add_themes("jeugdzorg");
  type::SkillRequirement* req = c->add_required_skills();
  req->set_name("ketensamenwerking");
  req->set_min_level(3);
  req->set_weight(2.5);
  c->add_desired_layers(type::GOVERNMENT_LAYER_MUNICIPAL);
  c->add_desired_perspectives(type::PERSPECTIVE_FRONTLINE);
  c->set_team_size(6);
  w.Write("create_challenge", kCreateChallenge, challenge);

  v1::UpdateChallengeRequest update_challenge;
  update_challenge.mutable_challenge()->set_name(kFixtureChallenge);
  update_challenge.mutable_challenge()->set_state(v1::Challenge::STAFFED);
  update_challenge.mutable_challenge()->set_etag("\"6\"");
  update_challenge.mutable_update_mask()->add_paths("state");
  w.Write("update_challenge_state", kUpdateChallenge, update_challenge);

  v1::DeleteChallengeRequest delete_challenge;
  delete_challenge.set_name(kFixtureChallenge);
  delete_challenge.set_etag("\"1\"");
  w.Write("delete_challenge_stale_etag", kDeleteChallenge, delete_challenge);

  v1::ListChallengesRequest list_challenges;
  list_challenges.set_owner_organisation(kFixtureOrgAmsterdam);
  list_challenges.set_state(v1::Challenge::OPEN);
  w.Write("list_challenges", kListChallenges, list_challenges);
}

}  // namespace
}  // namespace samenspel::registry::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  samenspel::registry::fuzz::SeedWriter writer(argv[1]);
  samenspel::registry::fuzz::WriteSeeds(writer);
  if (!writer.ok()) {
    std::fprintf(stderr, "cannot write seeds to %s\n", argv[1]);
    return 1;
  }
  return 0;
}
