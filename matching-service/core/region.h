// Which municipality lies in which province, and how close an expert's
// working area is to a challenge's: same municipality (or the very region
// named) > same province > national scope > elsewhere.
//
// Example:
//   auto regions = RegionTable::Parse(text);
//   // A challenge in Utrecht (GM0344), an expert in Amersfoort (GM0307) and
//   // Amsterdam (GM0363): Amersfoort lies in Utrecht's province (PV26).
//   RegionMatch m = regions->Match({"GM0344"}, {"GM0363", "GM0307"}, false);
//   // m.kind == RegionMatch::kSameProvince, m.expert_code == "GM0307"
#ifndef SAMENSPEL_MATCHING_CORE_REGION_H_
#define SAMENSPEL_MATCHING_CORE_REGION_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samenspel::matching {

struct RegionMatch {
  enum Kind { kNone = 0, kNational = 1, kSameProvince = 2, kSame = 3 };
  Kind kind = kNone;
  // The challenge code that matched and the expert code it matched with.
  std::string challenge_code;
  std::string expert_code;
};

// Immutable after Parse; thread-safe.
class RegionTable {
 public:
  // Parses the regions.tsv format (code TAB name TAB province-or-"-", '#'
  // comments; a byte order mark and a first "code<TAB>..." header row are
  // skipped). Every code a province (PV), municipality (GM) or water board
  // (WS) code, or NL, listed once, with a name; a province's own province "-"
  // (or itself), NL's "-"; any other province a PV code that has a line of
  // its own. INVALID_ARGUMENT naming the bad line.
  static absl::StatusOr<RegionTable> Parse(absl::string_view text);
  static absl::StatusOr<RegionTable> Load(const std::string& path);

  // The province code of a municipality, or of a province itself; empty when
  // unknown or not applicable.
  std::string ProvinceOf(absl::string_view code) const;
  std::string NameOf(absl::string_view code) const;

  // The best match of any challenge code with the expert's codes. An expert
  // with national scope (`expert_national`, or code "NL") is kNational for
  // any regional challenge. A challenge without codes, or with "NL", makes
  // region irrelevant: kNone for everyone.
  RegionMatch Match(const std::vector<std::string>& challenge_codes,
                    const std::vector<std::string>& expert_codes,
                    bool expert_national) const;
  // Whether Match() can set any expert apart for these challenge codes:
  // false without codes or with "NL" (every expert is then kNone).
  static bool SetsApart(const std::vector<std::string>& challenge_codes);

 private:
  struct Entry {
    std::string name;
    std::string province;
  };
  absl::flat_hash_map<std::string, Entry> entries_;
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_REGION_H_
