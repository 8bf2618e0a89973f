// Fuzzes the Gets' wire form (registry-service/core/wire_record.h and
// Registry::GetExpertAsync): a stored record whose bytes are checked and
// rearranged instead of parsed, with protobuf's parser for whatever the check
// refuses.
//
// Input: a selector byte (modulo 4: an expert; a challenge, which has a
// double, packed enums and nested messages; a team; an organisation), then the
// bytes the store holds for that record.
// Invariants: what ScanWire accepts, protobuf parses, and its fields tile the
// bytes; each Get in wire form answers as the blocking Get does, for an admin,
// a reader of the record's organisation (gm0363) and one of another (from whom
// an expert's email and bio are kept unless it shares them): the same error,
// or bytes that parse to a message equal to its answer (as protobuf serializes
// both), with the same name, organisation and personal-data flag for the
// audit log.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "registry-service/core/access_policy.h"
#include "registry-service/core/memory_store.h"
#include "registry-service/core/registry.h"
#include "registry-service/core/wire_record.h"
#include "tests/fuzz/fuzz_check.h"

namespace samenspel::registry {
namespace {

// A MemoryStore whose reads return the fuzzer's bytes.
class FuzzedStore : public MemoryStore {
 public:
  absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) override {
    absl::StatusOr<StoredRecord> rec = MemoryStore::Get(kind, id);
    if (rec.ok() && data.has_value()) rec->data = *data;
    return rec;
  }
  std::optional<std::string> data;
};

struct Fixture {
  Fixture() : registry(&store, RegistryOptions()) {
    v1::CreateOrganisationRequest org;
    org.set_organisation_id("gm0363");
    org.mutable_organisation()->set_display_name("Amsterdam");
    org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
    FUZZ_CHECK(registry.CreateOrganisation(org).ok());
    v1::CreateExpertRequest expert;
    expert.set_expert_id("e1");
    expert.mutable_expert()->set_display_name("Expert");
    expert.mutable_expert()->set_organisation("organisations/gm0363");
    FUZZ_CHECK(registry.CreateExpert(expert).ok());
    v1::CreateChallengeRequest challenge;
    challenge.set_challenge_id("c1");
    challenge.mutable_challenge()->set_title("Warmtenet");
    challenge.mutable_challenge()->set_owner_organisation("organisations/gm0363");
    FUZZ_CHECK(registry.CreateChallenge(challenge).ok());
    v1::CreateTeamRequest team;
    team.set_team_id("t1");
    team.mutable_team()->set_display_name("Team Wonen");
    team.mutable_team()->set_owner_organisation("organisations/gm0363");
    team.mutable_team()->add_members()->set_expert("experts/e1");
    FUZZ_CHECK(registry.CreateTeam(team).ok());
  }
  FuzzedStore store;
  Registry registry;
  const v1::Principal callers[3] = {
      MakePrincipal("admin", "", v1::ROLE_ADMIN),
      MakePrincipal("own", "organisations/gm0363", v1::ROLE_READER),
      MakePrincipal("other", "organisations/pv27", v1::ROLE_READER)};
};

template <typename R>
void CheckGet(const absl::StatusOr<R>& expected,
              const std::optional<absl::StatusOr<Registry::WireResource>>& wire) {
  FUZZ_CHECK(wire.has_value());  // MemoryStore answers at once
  FUZZ_CHECK(wire->status().code() == expected.status().code());
  if (!expected.ok()) return;
  R answer;
  FUZZ_CHECK(answer.ParseFromString((*wire)->bytes));
  // Equal values, compared as protobuf writes them (a NaN weight is not
  // equal to itself).
  FUZZ_CHECK(answer.SerializeAsString() == expected->SerializeAsString());
  FUZZ_CHECK((*wire)->name == expected->name());
  if constexpr (std::is_same_v<R, v1::Expert>) {
    FUZZ_CHECK((*wire)->organisation == expected->organisation());
    FUZZ_CHECK((*wire)->personal_data ==
               (!expected->email().empty() || !expected->bio().empty()));
  } else {
    FUZZ_CHECK(!(*wire)->personal_data);
  }
}

void CheckScan(const google::protobuf::Descriptor& type,
               const google::protobuf::Message& prototype, absl::string_view data) {
  const std::optional<WireFields> fields = ScanWire(type, data);
  if (!fields.has_value()) return;
  std::unique_ptr<google::protobuf::Message> parsed(prototype.New());
  FUZZ_CHECK(parsed->ParseFromArray(data.data(), static_cast<int>(data.size())));
  size_t at = 0;
  for (const WireField& f : *fields) {
    FUZZ_CHECK(f.begin == at && f.end > f.begin);
    at = f.end;
  }
  FUZZ_CHECK(at == data.size());
}

// The scan of `bytes` as an R, then its Get by each caller both ways.
template <typename R, typename Request>
void CheckKind(Fixture& fixture, const char* name,
               absl::StatusOr<R> (Registry::*get)(const Request&, const v1::Principal&),
               void (Registry::*get_async)(const Request&, const v1::Principal&,
                                           Registry::WireDone),
               absl::string_view bytes) {
  CheckScan(*R::descriptor(), R::default_instance(), bytes);
  Request req;
  req.set_name(name);
  for (const v1::Principal& caller : fixture.callers) {
    const absl::StatusOr<R> expected = (fixture.registry.*get)(req, caller);
    std::optional<absl::StatusOr<Registry::WireResource>> wire;
    (fixture.registry.*get_async)(
        req, caller,
        [&wire](absl::StatusOr<Registry::WireResource> r) { wire = std::move(r); });
    CheckGet(expected, wire);
  }
}

}  // namespace
}  // namespace samenspel::registry

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace samenspel::registry;
  static const google::protobuf::LogSilencer* quiet = new google::protobuf::LogSilencer;
  (void)quiet;
  static Fixture* fixture = new Fixture;
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  fixture->store.data = bytes;
  switch (data[0] % 4) {
    case 0:
      CheckKind<v1::Expert, v1::GetExpertRequest>(
          *fixture, "experts/e1", &Registry::GetExpert, &Registry::GetExpertAsync, bytes);
      break;
    case 1:
      CheckKind<v1::Challenge, v1::GetChallengeRequest>(
          *fixture, "challenges/c1", &Registry::GetChallenge,
          &Registry::GetChallengeAsync, bytes);
      break;
    case 2:
      CheckKind<v1::TaskTeam, v1::GetTeamRequest>(
          *fixture, "teams/t1", &Registry::GetTeam, &Registry::GetTeamAsync, bytes);
      break;
    default:
      CheckKind<v1::Organisation, v1::GetOrganisationRequest>(
          *fixture, "organisations/gm0363", &Registry::GetOrganisation,
          &Registry::GetOrganisationAsync, bytes);
  }
  fixture->store.data.reset();
  return 0;
}
