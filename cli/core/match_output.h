// Readable text for the matching service's answers (`-o table`): every
// match with its score, each score component (value and detail), the
// matched skills and matched terms, so a person can see why. JSON and YAML
// print the responses themselves (output.h).
//
// Example:
//   std::cout << RenderExpertMatches(response);
#ifndef SAMENSPEL_CLI_CORE_MATCH_OUTPUT_H_
#define SAMENSPEL_CLI_CORE_MATCH_OUTPUT_H_

#include <string>

#include "samenspel/matching/v1/matching_service.pb.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::cli {

std::string RenderExpertMatches(
    const samenspel::matching::v1::MatchExpertsResponse& response);
std::string RenderTeamSuggestion(
    const samenspel::matching::v1::SuggestTeamResponse& response);
std::string RenderTeamMatches(
    const samenspel::matching::v1::MatchTeamsResponse& response);
// One line: revision, type, name, commit time.
std::string RenderChange(const samenspel::registry::v1::Change& change);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_MATCH_OUTPUT_H_
