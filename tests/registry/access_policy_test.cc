// The registry core's per-object access rules (access_policy.h) over a
// MemoryStore: every write × role × own/other organisation, and the privacy
// redaction of reads. The same matrix runs over gRPC in
// registry_access_integration_test.cc.
#include "registry-service/core/access_policy.h"

#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry-service/core/memory_store.h"
#include "registry-service/core/registry.h"

namespace samenspel::registry {
namespace {

using ::testing::HasSubstr;

const v1::Principal kAdmin = MakePrincipal("t-admin", "", v1::ROLE_ADMIN);
const v1::Principal kEditorA =
    MakePrincipal("t-editor-a", "organisations/org-a", v1::ROLE_EDITOR);
const v1::Principal kReaderA =
    MakePrincipal("t-reader-a", "organisations/org-a", v1::ROLE_READER);
const v1::Principal kReaderB =
    MakePrincipal("t-reader-b", "organisations/org-b", v1::ROLE_READER);

class AccessPolicyTest : public ::testing::Test {
 public:
  AccessPolicyTest() : registry_(&store_, {}) {
    for (const char* org : {"org-a", "org-b"}) {
      v1::CreateOrganisationRequest req;
      req.set_organisation_id(org);
      req.mutable_organisation()->set_display_name(org);
      req.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
      EXPECT_TRUE(registry_.CreateOrganisation(req).ok());
      const std::string suffix = std::string(org).substr(4);
      EXPECT_TRUE(registry_.CreateExpert(ExpertRequest("exp-" + suffix, org)).ok());
      EXPECT_TRUE(registry_.CreateTeam(TeamRequest("team-" + suffix, org)).ok());
      EXPECT_TRUE(
          registry_.CreateChallenge(ChallengeRequest("challenge-" + suffix, org)).ok());
    }
  }

  static v1::CreateExpertRequest ExpertRequest(const std::string& id,
                                               const std::string& org) {
    v1::CreateExpertRequest req;
    req.set_expert_id(id);
    v1::Expert* e = req.mutable_expert();
    e->set_display_name("Expert " + id);
    e->set_organisation("organisations/" + org);
    e->set_email(id + "@example.nl");
    e->set_bio("Werkt aan woningbouw en warmtetransitie.");
    e->set_available_hours_per_week(8);
    e->set_consent_to_matching(true);
    return req;
  }
  static v1::CreateTeamRequest TeamRequest(const std::string& id,
                                           const std::string& org) {
    v1::CreateTeamRequest req;
    req.set_team_id(id);
    req.mutable_team()->set_display_name("Team " + id);
    req.mutable_team()->set_owner_organisation("organisations/" + org);
    req.mutable_team()->set_state(v1::TaskTeam::FORMING);
    return req;
  }
  static v1::CreateChallengeRequest ChallengeRequest(const std::string& id,
                                                     const std::string& org) {
    v1::CreateChallengeRequest req;
    req.set_challenge_id(id);
    req.mutable_challenge()->set_title("Challenge " + id);
    req.mutable_challenge()->set_owner_organisation("organisations/" + org);
    req.mutable_challenge()->set_team_size(3);
    req.mutable_challenge()->set_state(v1::Challenge::OPEN);
    return req;
  }

 protected:
  MemoryStore store_;
  Registry registry_;
};

// One write, aimed at organisation `org` ("org-a" or "org-b"), as `caller`.
using Write = std::function<absl::Status(Registry&, const v1::Principal&,
                                         const std::string& org, int n)>;

struct WriteCase {
  const char* name;
  Write write;
  // Whether an editor may do it on its own organisation.
  bool editor_own;
};

std::vector<WriteCase> WriteCases() {
  auto suffix = [](const std::string& org) { return org.substr(4); };
  return {
      {"CreateOrganisation",
       [](Registry& r, const v1::Principal& p, const std::string& org, int n) {
         v1::CreateOrganisationRequest req;
         req.set_organisation_id(org + "-new" + std::to_string(n));
         req.mutable_organisation()->set_display_name("Nieuw");
         req.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);
         return r.CreateOrganisation(req, p).status();
       },
       false},
      {"UpdateOrganisation",
       [](Registry& r, const v1::Principal& p, const std::string& org, int) {
         v1::UpdateOrganisationRequest req;
         req.mutable_organisation()->set_name("organisations/" + org);
         req.mutable_organisation()->set_display_name("Hernoemd");
         req.mutable_update_mask()->add_paths("display_name");
         return r.UpdateOrganisation(req, p).status();
       },
       true},
      {"CreateExpert",
       [](Registry& r, const v1::Principal& p, const std::string& org, int n) {
         return r
             .CreateExpert(
                 AccessPolicyTest::ExpertRequest("new-" + std::to_string(n), org), p)
             .status();
       },
       true},
      {"UpdateExpert",
       [=](Registry& r, const v1::Principal& p, const std::string& org, int) {
         v1::UpdateExpertRequest req;
         req.mutable_expert()->set_name("experts/exp-" + suffix(org));
         req.mutable_expert()->set_job_title("Adviseur");
         req.mutable_update_mask()->add_paths("job_title");
         return r.UpdateExpert(req, p).status();
       },
       true},
      {"BatchCreateExperts",
       [](Registry& r, const v1::Principal& p, const std::string& org, int n) {
         v1::BatchCreateExpertsRequest req;
         *req.add_requests() =
             AccessPolicyTest::ExpertRequest("batch-" + std::to_string(n), org);
         return r.BatchCreateExperts(req, p).status();
       },
       true},
      {"CreateTeam",
       [](Registry& r, const v1::Principal& p, const std::string& org, int n) {
         return r
             .CreateTeam(AccessPolicyTest::TeamRequest("new-" + std::to_string(n), org),
                         p)
             .status();
       },
       true},
      {"AddTeamMember",
       [=](Registry& r, const v1::Principal& p, const std::string& org, int) {
         v1::AddTeamMemberRequest req;
         req.set_team("teams/team-" + suffix(org));
         // Teams are intergovernmental: members may come from anywhere.
         req.mutable_member()->set_expert("experts/exp-b");
         req.mutable_member()->set_hours_per_week(2);
         return r.AddTeamMember(req, p).status();
       },
       true},
      {"UpdateChallenge",
       [=](Registry& r, const v1::Principal& p, const std::string& org, int) {
         v1::UpdateChallengeRequest req;
         req.mutable_challenge()->set_name("challenges/challenge-" + suffix(org));
         req.mutable_challenge()->set_team_size(4);
         req.mutable_update_mask()->add_paths("team_size");
         return r.UpdateChallenge(req, p).status();
       },
       true},
      {"DeleteChallenge",
       [=](Registry& r, const v1::Principal& p, const std::string& org, int) {
         v1::DeleteChallengeRequest req;
         req.set_name("challenges/challenge-" + suffix(org));
         return r.DeleteChallenge(req, p).status();
       },
       true},
      {"DeleteTeam",
       [=](Registry& r, const v1::Principal& p, const std::string& org, int) {
         v1::DeleteTeamRequest req;
         req.set_name("teams/team-" + suffix(org));
         return r.DeleteTeam(req, p).status();
       },
       true},
      {"DeleteExpert",
       [=](Registry& r, const v1::Principal& p, const std::string& org, int) {
         v1::DeleteExpertRequest req;
         req.set_name("experts/exp-" + suffix(org));
         return r.DeleteExpert(req, p).status();
       },
       true},
  };
}

TEST_F(AccessPolicyTest, WriteMatrix) {
  struct Who {
    const v1::Principal& principal;
    bool admin;
    bool editor;
  };
  int n = 0;
  for (const WriteCase& c : WriteCases()) {
    for (const std::string org : {"org-a", "org-b"}) {
      // Deny cases first: they must not change anything.
      for (const Who& who : {Who{kReaderA, false, false}, Who{kReaderB, false, false},
                             Who{kEditorA, false, true}}) {
        const bool allowed = who.editor && c.editor_own && org == "org-a";
        if (allowed) continue;
        const int64_t before = *store_.CurrentRevision();
        absl::Status s = c.write(registry_, who.principal, org, ++n);
        EXPECT_TRUE(absl::IsPermissionDenied(s))
            << c.name << " by " << who.principal.subject() << " on " << org << ": " << s;
        EXPECT_EQ(*store_.CurrentRevision(), before) << c.name;
      }
      if (c.editor_own && org == "org-a") {
        EXPECT_TRUE(c.write(registry_, kEditorA, org, ++n).ok()) << c.name;
      }
    }
  }
  // Admins may do everything, on any organisation (org-b is still intact).
  for (const WriteCase& c : WriteCases()) {
    EXPECT_TRUE(c.write(registry_, kAdmin, "org-b", ++n).ok()) << c.name;
  }
}

TEST_F(AccessPolicyTest, EditorCannotMoveResourcesToAnotherOrganisation) {
  v1::UpdateExpertRequest req;
  req.mutable_expert()->set_name("experts/exp-a");
  req.mutable_expert()->set_organisation("organisations/org-b");
  req.mutable_update_mask()->add_paths("organisation");
  absl::Status s = registry_.UpdateExpert(req, kEditorA).status();
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("organisations/org-b"));

  v1::UpdateTeamRequest team;
  team.mutable_team()->set_name("teams/team-a");
  team.mutable_team()->set_owner_organisation("organisations/org-b");
  team.mutable_update_mask()->add_paths("owner_organisation");
  EXPECT_TRUE(absl::IsPermissionDenied(registry_.UpdateTeam(team, kEditorA).status()));
}

TEST_F(AccessPolicyTest, ReaderSeesNoPersonalDataOfOtherOrganisations) {
  v1::GetExpertRequest get;
  get.set_name("experts/exp-a");
  absl::StatusOr<v1::Expert> other = registry_.GetExpert(get, kReaderB);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->email(), "");
  EXPECT_EQ(other->bio(), "");
  EXPECT_EQ(other->display_name(), "Expert exp-a");

  absl::StatusOr<v1::Expert> own = registry_.GetExpert(get, kReaderA);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->email(), "exp-a@example.nl");
  EXPECT_NE(own->bio(), "");
  EXPECT_EQ(registry_.GetExpert(get, kAdmin)->email(), "exp-a@example.nl");

  v1::ListExpertsRequest list;
  absl::StatusOr<v1::ListExpertsResponse> page = registry_.ListExperts(list, kReaderB);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->experts_size(), 2);
  for (const v1::Expert& e : page->experts()) {
    EXPECT_EQ(e.email().empty(), e.organisation() != "organisations/org-b") << e.name();
  }
}

TEST_F(AccessPolicyTest, ConsentToShareShowsContactDetailsToEveryone) {
  v1::UpdateExpertRequest req;
  req.mutable_expert()->set_name("experts/exp-a");
  req.mutable_expert()->set_share_contact_details(true);
  req.mutable_update_mask()->add_paths("share_contact_details");
  ASSERT_TRUE(registry_.UpdateExpert(req, kEditorA).ok());
  v1::GetExpertRequest get;
  get.set_name("experts/exp-a");
  EXPECT_EQ(registry_.GetExpert(get, kReaderB)->email(), "exp-a@example.nl");
  // Not to a caller without personal data (the audit log failing), whether
  // of another organisation or of the expert's own, nor in a list.
  for (const v1::Principal& caller : {kReaderB, kReaderA, kEditorA}) {
    const v1::Principal without = WithoutPersonalData(caller);
    absl::StatusOr<v1::Expert> read = registry_.GetExpert(get, without);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->email(), "") << caller.subject();
    EXPECT_EQ(read->bio(), "") << caller.subject();
    absl::StatusOr<v1::ListExpertsResponse> page =
        registry_.ListExperts(v1::ListExpertsRequest(), without);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->experts_size(), 2);
    for (const v1::Expert& e : page->experts())
      EXPECT_EQ(e.email() + e.bio(), "") << e.name();
  }
}

// A request_id is the caller's own: another caller using the same id (a
// guess, or a client library's counter) creates its own resource instead of
// getting the first caller's as a replay.
TEST_F(AccessPolicyTest, RequestIdsArePerCaller) {
  const v1::Principal editor_b =
      MakePrincipal("t-editor-b", "organisations/org-b", v1::ROLE_EDITOR);
  v1::CreateExpertRequest a = ExpertRequest("by-a", "org-a");
  a.set_request_id("request-1");
  v1::CreateExpertRequest b = ExpertRequest("by-b", "org-b");
  b.set_request_id("request-1");
  absl::StatusOr<v1::Expert> first = registry_.CreateExpert(a, kEditorA);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<v1::Expert> other = registry_.CreateExpert(b, editor_b);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->name(), "experts/by-b");
  // The same caller's retry is still a replay.
  absl::StatusOr<v1::Expert> retry = registry_.CreateExpert(a, kEditorA);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->name(), "experts/by-a");
  EXPECT_EQ(retry->revision(), first->revision());
  // Batches too.
  v1::BatchCreateExpertsRequest batch_a;
  *batch_a.add_requests() = ExpertRequest("batch-a", "org-a");
  batch_a.mutable_requests(0)->set_request_id("request-2");
  v1::BatchCreateExpertsRequest batch_b;
  *batch_b.add_requests() = ExpertRequest("batch-b", "org-b");
  batch_b.mutable_requests(0)->set_request_id("request-2");
  ASSERT_TRUE(registry_.BatchCreateExperts(batch_a, kEditorA).ok());
  absl::StatusOr<v1::BatchCreateExpertsResponse> batch_other =
      registry_.BatchCreateExperts(batch_b, editor_b);
  ASSERT_TRUE(batch_other.ok()) << batch_other.status();
  ASSERT_EQ(batch_other->experts_size(), 1);
  EXPECT_EQ(batch_other->experts(0).name(), "experts/batch-b");
}

TEST_F(AccessPolicyTest, ChangesAreRedactedPerCaller) {
  v1::Change change;
  *change.mutable_expert() = *registry_.GetExpert([] {
    v1::GetExpertRequest g;
    g.set_name("experts/exp-a");
    return g;
  }());
  v1::Change for_b = change;
  EXPECT_FALSE(Registry::RedactFor(kReaderB, for_b));
  EXPECT_EQ(for_b.expert().email(), "");
  EXPECT_TRUE(Registry::RedactFor(kReaderA, change));
  EXPECT_EQ(change.expert().email(), "exp-a@example.nl");
}

// A feed entry of an expert who shared contact details then, and withdrew
// that since: other organisations get no contact details from the feed (it
// cannot know of the withdrawal), only from GetExpert, which does.
TEST_F(AccessPolicyTest, TheFeedGivesOtherOrganisationsNoContactDetails) {
  v1::UpdateExpertRequest share;
  share.mutable_expert()->set_name("experts/exp-a");
  share.mutable_expert()->set_share_contact_details(true);
  share.mutable_update_mask()->add_paths("share_contact_details");
  absl::StatusOr<v1::Expert> shared = registry_.UpdateExpert(share, kEditorA);
  ASSERT_TRUE(shared.ok()) << shared.status();
  v1::Change change;
  *change.mutable_expert() = *shared;
  v1::Change for_b = change;
  Registry::RedactFor(kReaderB, for_b);
  EXPECT_EQ(for_b.expert().email(), "");
  EXPECT_EQ(for_b.expert().bio(), "");
  v1::Change for_admin = change;
  EXPECT_TRUE(Registry::RedactFor(kAdmin, for_admin));
  EXPECT_EQ(for_admin.expert().email(), "exp-a@example.nl");
  v1::GetExpertRequest get;
  get.set_name("experts/exp-a");
  EXPECT_EQ(registry_.GetExpert(get, kReaderB)->email(), "exp-a@example.nl");
}

}  // namespace
}  // namespace samenspel::registry
