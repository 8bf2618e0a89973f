// The input format of registry_request_fuzzer, shared with the program that
// writes its seed corpus (registry_request_seeds.cc): one selector byte
// naming the request type (RequestKind, taken modulo kRequestKinds), then
// the serialized request proto. The request runs against a store that holds
// the fixture below, so names, references and etags in seeds can hit.
//
// Example (a seed):
//   v1::DeleteExpertRequest r;
//   r.set_name(kFixtureExpertAnna);
//   std::string input = std::string(1, RequestKind::kDeleteExpert) +
//                       r.SerializeAsString();
#ifndef SAMENSPEL_TESTS_FUZZ_REGISTRY_REQUEST_H_
#define SAMENSPEL_TESTS_FUZZ_REGISTRY_REQUEST_H_

#include <cstdint>

namespace samenspel::registry::fuzz {

// Append only: the seed corpus stores these numbers.
enum RequestKind : uint8_t {
  kCreateOrganisation,
  kUpdateOrganisation,
  kDeleteOrganisation,
  kListOrganisations,
  kCreateExpert,
  kUpdateExpert,
  kDeleteExpert,
  kListExperts,
  kBatchCreateExperts,
  kCreateTeam,
  kUpdateTeam,
  kDeleteTeam,
  kListTeams,
  kAddTeamMember,
  kRemoveTeamMember,
  kCreateChallenge,
  kUpdateChallenge,
  kDeleteChallenge,
  kListChallenges,
  kRequestKinds,  // the number of kinds
};

// The fixture, written in this order (so its revisions are 1 to 6, and the
// etag of kFixtureExpertAnna is "\"3\""): two organisations, an expert in
// each, a team of both experts owned by BZK, a challenge of Amsterdam.
inline constexpr char kFixtureOrgBzk[] = "organisations/bzk";           // national
inline constexpr char kFixtureOrgAmsterdam[] = "organisations/gm0363";  // municipal
inline constexpr char kFixtureExpertAnna[] = "experts/anna";            // of gm0363
inline constexpr char kFixtureExpertJan[] = "experts/jan";              // of bzk
inline constexpr char kFixtureTeam[] = "teams/wonen";
inline constexpr char kFixtureChallenge[] = "challenges/warmtenet";

}  // namespace samenspel::registry::fuzz

#endif  // SAMENSPEL_TESTS_FUZZ_REGISTRY_REQUEST_H_
