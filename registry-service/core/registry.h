// The registry's standard methods over a Store: validation, resource names,
// field masks, etags, idempotent creates, referential rules and paging. The
// gRPC adapter (registry-service/server) calls exactly one method per RPC.
//
// Rules kept here:
//  - output-only fields (name on create, etag, revision, create/update_time,
//    Expert.layer) are ignored on input and set by the registry;
//  - a non-empty etag on update/delete must match, else ABORTED; without an
//    etag a concurrent write is retried transparently;
//  - references (an expert's organisation, team members, owners) must exist
//    at the moment of the write, checked atomically with it;
//  - deleting an organisation that still has experts, teams or challenges is
//    FAILED_PRECONDITION; deleting an expert removes them from every team in
//    the same atomic commit;
//  - changing an organisation's layer rewrites its experts' layer in the same
//    commit.
//
// Access: every method takes the calling principal and checks it per object
// (access_policy.h): PERMISSION_DENIED for a write the caller's role or
// organisation does not allow; reads return experts with the personal fields
// the caller may not see cleared. The default caller is SystemPrincipal()
// (an admin), for internal use and core tests; the gRPC adapter always passes
// the authenticated principal.
//
// Thread-safe: methods may be called concurrently; state lives in the Store.
//
// Example:
//   MemoryStore store;
//   Registry registry(&store, {});
//   v1::CreateOrganisationRequest req;
//   req.set_organisation_id("bzk");
//   req.mutable_organisation()->set_display_name("Ministerie van BZK");
//   req.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);
//   absl::StatusOr<v1::Organisation> org = registry.CreateOrganisation(req);
#ifndef SAMENSPEL_REGISTRY_CORE_REGISTRY_H_
#define SAMENSPEL_REGISTRY_CORE_REGISTRY_H_

#include <functional>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "registry-service/core/access_policy.h"
#include "registry-service/core/store.h"
#include "samenspel/registry/v1/registry_service.pb.h"

namespace samenspel::registry {

struct RegistryOptions {
  // The clock for create_time/update_time (default: absl::Now).
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // page_size 0 means this (default 50).
  int default_page_size = 50;
  // Larger page sizes are lowered to this (default 1000).
  int max_page_size = 1000;
  // At most this many experts per BatchCreateExperts (default 1000).
  int max_batch_size = 1000;
  // How often a write without an etag is retried when a concurrent write got
  // in between (default 10), before ABORTED.
  int max_write_attempts = 10;
  // Called with an organisation's name after a create, update or delete of
  // it was tried (whatever the outcome), so that credentials cached for it
  // are forgotten (AccessControl::OrganisationChanged). May be empty.
  std::function<void(const std::string& organisation)> organisation_changed;
};

class OrganisationCache;
template <typename R>
class ResourceOps;

class Registry {
 public:
  // `store` must outlive the registry. The Delete methods answer the
  // deleted resource as it was (as the caller may see it), its `revision`
  // the feed revision of the delete: the RPC answers Empty with that
  // revision in its trailing metadata, the audit log records whose it was.
  // Errors about a stored
  // resource carry a ResourceInfo with its owner (WithOwner).
  Registry(Store* store, RegistryOptions options);
  ~Registry();

  absl::StatusOr<v1::Organisation> CreateOrganisation(
      const v1::CreateOrganisationRequest& r,
      const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::Organisation> GetOrganisation(
      const v1::GetOrganisationRequest& r,
      const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::ListOrganisationsResponse> ListOrganisations(
      const v1::ListOrganisationsRequest& r,
      const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::Organisation> UpdateOrganisation(
      const v1::UpdateOrganisationRequest& r,
      const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::Organisation> DeleteOrganisation(
      const v1::DeleteOrganisationRequest& r,
      const v1::Principal& caller = SystemPrincipal(),
      std::vector<std::string>* also_changed = nullptr);

  absl::StatusOr<v1::Expert> CreateExpert(
      const v1::CreateExpertRequest& r, const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::Expert> GetExpert(const v1::GetExpertRequest& r,
                                       const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::ListExpertsResponse> ListExperts(
      const v1::ListExpertsRequest& r, const v1::Principal& caller = SystemPrincipal());
  // The same into `response` (empty), whose experts are parsed in place: on
  // its arena when it has one (the server's, see RegistryServiceImpl).
  absl::Status ListExpertsInto(const v1::ListExpertsRequest& r,
                               const v1::Principal& caller,
                               v1::ListExpertsResponse* response);
  absl::StatusOr<v1::Expert> UpdateExpert(
      const v1::UpdateExpertRequest& r, const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::Expert> DeleteExpert(
      const v1::DeleteExpertRequest& r, const v1::Principal& caller = SystemPrincipal(),
      std::vector<std::string>* also_changed = nullptr);
  // All or nothing. A retry with the same request_ids (every request must
  // carry one for the batch to be idempotent) returns the first result.
  absl::StatusOr<v1::BatchCreateExpertsResponse> BatchCreateExperts(
      const v1::BatchCreateExpertsRequest& r,
      const v1::Principal& caller = SystemPrincipal());

  absl::StatusOr<v1::TaskTeam> CreateTeam(
      const v1::CreateTeamRequest& r, const v1::Principal& caller = SystemPrincipal(),
      std::vector<std::string>* also_changed = nullptr);
  absl::StatusOr<v1::TaskTeam> GetTeam(const v1::GetTeamRequest& r,
                                       const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::ListTeamsResponse> ListTeams(
      const v1::ListTeamsRequest& r, const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::TaskTeam> UpdateTeam(
      const v1::UpdateTeamRequest& r, const v1::Principal& caller = SystemPrincipal(),
      std::vector<std::string>* also_changed = nullptr);
  absl::StatusOr<v1::TaskTeam> DeleteTeam(
      const v1::DeleteTeamRequest& r, const v1::Principal& caller = SystemPrincipal(),
      std::vector<std::string>* also_changed = nullptr);
  // ALREADY_EXISTS when the expert is a member already.
  absl::StatusOr<v1::TaskTeam> AddTeamMember(
      const v1::AddTeamMemberRequest& r, const v1::Principal& caller = SystemPrincipal(),
      std::vector<std::string>* also_changed = nullptr);
  // NOT_FOUND when the expert is not a member.
  absl::StatusOr<v1::TaskTeam> RemoveTeamMember(
      const v1::RemoveTeamMemberRequest& r,
      const v1::Principal& caller = SystemPrincipal(),
      std::vector<std::string>* also_changed = nullptr);

  absl::StatusOr<v1::Challenge> CreateChallenge(
      const v1::CreateChallengeRequest& r,
      const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::Challenge> GetChallenge(
      const v1::GetChallengeRequest& r, const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::ListChallengesResponse> ListChallenges(
      const v1::ListChallengesRequest& r,
      const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::Challenge> UpdateChallenge(
      const v1::UpdateChallengeRequest& r,
      const v1::Principal& caller = SystemPrincipal());
  absl::StatusOr<v1::Challenge> DeleteChallenge(
      const v1::DeleteChallengeRequest& r,
      const v1::Principal& caller = SystemPrincipal(),
      std::vector<std::string>* also_changed = nullptr);

  // The Get methods through the store's asynchronous calls, answered in
  // wire form: `done` receives the resource the blocking method would
  // return, serialized, or its error, possibly on another thread (RedisStore's
  // I/O thread) and possibly before the method returns; it must not block.
  // The server's hot read path: no thread waits for Redis, except one that
  // RedisStore keeps to send and answer a batch of reads, and a well-formed
  // stored record is not parsed: its bytes are checked and rearranged
  // (wire_record.h; bench/RESULTS.md, "Session 23").
  struct WireResource {
    // The resource as the caller may see it, serialized.
    std::string bytes;
    // For the audit log: its name; an expert's organisation; whether
    // `bytes` hold personal data (an expert's email or bio, not empty).
    std::string name;
    std::string organisation;
    bool personal_data = false;
  };
  using WireDone = absl::AnyInvocable<void(absl::StatusOr<WireResource>) &&>;
  void GetOrganisationAsync(const v1::GetOrganisationRequest& r,
                            const v1::Principal& caller, WireDone done);
  void GetExpertAsync(const v1::GetExpertRequest& r, const v1::Principal& caller,
                      WireDone done);
  void GetTeamAsync(const v1::GetTeamRequest& r, const v1::Principal& caller,
                    WireDone done);
  void GetChallengeAsync(const v1::GetChallengeRequest& r, const v1::Principal& caller,
                         WireDone done);
  // A result's `done`, possibly on another thread (see CreateExpertAsync).
  template <typename R>
  using Done = absl::AnyInvocable<void(absl::StatusOr<R>) &&>;
  // CreateExpert the same way: the organisation is read, then the commit
  // made, both through the store's asynchronous calls (a replayed request_id
  // reads the first result likewise; Store::CommitAsync may keep the calling
  // thread to send and answer a batch of commits). `r` must stay valid until `done` runs.
  // When `abandoned` (may be empty) returns true just before the commit is
  // sent (CommitRequest::abandoned; the caller's deadline passed while Redis
  // was slow, say), nothing is written and `done` gets CANCELLED. It may be
  // called on any thread. Organisations come from a
  // cache when they can: a commit that relied on a changed one is retried
  // with a fresh read.
  void CreateExpertAsync(const v1::CreateExpertRequest& r, const v1::Principal& caller,
                         Done<v1::Expert> done, std::function<bool()> abandoned = {});

  // The public form of a feed entry. INTERNAL if its data does not parse.
  static absl::StatusOr<v1::Change> ToChange(const StoredChange& change);

  // Clears what `caller` may not see in `change`: an expert's email and bio
  // unless the caller is an admin or of the expert's organisation (stricter
  // than for GetExpert: a feed entry cannot know of share_contact_details
  // withdrawn since). Returns true when personal data remains visible.
  static bool RedactFor(const v1::Principal& caller, v1::Change& change);

  // The etag of a resource at `revision`.
  static std::string Etag(int64_t revision);
  // Whether an etag a caller gave is the resource's `current` one: as it
  // is, or without its double quotes (`555` for `"555"`).
  static bool EtagMatches(absl::string_view given, absl::string_view current);

 private:
  template <typename R>
  friend class ResourceOps;

  // CreateExpertAsync's steps; `ops` reads and commits for it.
  void StartCreateExpert(std::shared_ptr<ResourceOps<v1::Expert>> ops,
                         const v1::CreateExpertRequest& r, Done<v1::Expert> done,
                         std::function<bool()> abandoned);

  // Tells options_.organisation_changed, if set.
  void OrganisationChanged(const std::string& name) const;
  // `first`, the store's FAILED_PRECONDITION for deleting organisation
  // `name` (its first blocker), as one naming every kind of record still in
  // the way, with up to three names each.
  absl::Status EverythingInTheWay(absl::string_view name, absl::Status first) const;

  Store* const store_;
  const RegistryOptions options_;
  // Organisations as last read, for CreateExpert (see registry.cc).
  const std::unique_ptr<OrganisationCache> organisations_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_REGISTRY_H_
