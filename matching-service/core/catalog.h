// Everything the matching service follows from the registry besides the
// expert index: organisations, task teams (with their analysed text, for
// MatchTeams, and the hours their members committed), and challenges (so a
// request can name one). Immutable once published; copied on write.
#ifndef SAMENSPEL_MATCHING_CORE_CATALOG_H_
#define SAMENSPEL_MATCHING_CORE_CATALOG_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "matching-service/core/expert_index.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::matching {

struct TeamEntry {
  registry::v1::TaskTeam team;
  // Analysed description, themes, name and lessons: term -> weighted tf.
  absl::flat_hash_map<TermId, float> terms;
  float length = 0;
};

struct Catalog {
  absl::flat_hash_map<std::string, std::shared_ptr<const registry::v1::Organisation>>
      organisations;
  absl::flat_hash_map<std::string, std::shared_ptr<const TeamEntry>> teams;
  absl::flat_hash_map<std::string, std::shared_ptr<const registry::v1::Challenge>>
      challenges;
  // Hours per week each expert has committed to ACTIVE teams.
  absl::flat_hash_map<std::string, int> committed_hours;
  // The smallest value in committed_hours, or 0 if that is smaller: no
  // expert has more free hours than available_hours - min_committed_hours.
  int min_committed_hours = 0;

  void RecomputeCommittedHours();
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_CATALOG_H_
