#include "matching-service/core/catalog.h"

#include <algorithm>

namespace samenspel::matching {

void Catalog::RecomputeCommittedHours() {
  committed_hours.clear();
  for (const auto& [name, entry] : teams) {
    if (entry->team.state() != registry::v1::TaskTeam::ACTIVE) continue;
    for (const auto& m : entry->team.members())
      committed_hours[m.expert()] += m.hours_per_week();
  }
  min_committed_hours = 0;
  for (const auto& [expert, hours] : committed_hours)
    min_committed_hours = std::min(min_committed_hours, hours);
}

}  // namespace samenspel::matching
