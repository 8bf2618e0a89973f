#include "matching-service/core/catalog.h"

namespace samenspel::matching {

void Catalog::RecomputeCommittedHours() {
  committed_hours.clear();
  for (const auto& [name, entry] : teams) {
    if (entry->team.state() != registry::v1::TaskTeam::ACTIVE) continue;
    for (const auto& m : entry->team.members())
      committed_hours[m.expert()] += m.hours_per_week();
  }
}

}  // namespace samenspel::matching
