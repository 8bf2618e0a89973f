#include "matching-service/core/region.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "registry-service/core/validation.h"

namespace samenspel::matching {

absl::StatusOr<RegionTable> RegionTable::Parse(absl::string_view text) {
  RegionTable table;
  // Each province a line names, with the first line naming it (checked once
  // the whole file is read: provinces may come after their municipalities).
  std::vector<std::pair<std::string, int>> province_refs;
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // a UTF-8 byte order mark
  int line_no = 0;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    // A header row, as a spreadsheet writes one ("code<TAB>name<TAB>province").
    const bool header = first && absl::StartsWithIgnoreCase(line, "code\t");
    first = false;
    if (header) continue;
    auto refuse = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("regions:", line_no, ": ", why));
    };
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() != 3) return refuse("want code<TAB>name<TAB>province");
    const std::string& code = cols[0];
    if (!registry::IsValidRegionCode(code)) {
      return refuse(absl::StrCat(
          "code \"", code,
          "\" is not a CBS code of a province (PV + 2 digits), municipality (GM + 4 "
          "digits) or water board (WS + 4 digits), or NL"));
    }
    if (absl::StripAsciiWhitespace(cols[1]).empty()) {
      return refuse(absl::StrCat("code ", code, " has no name"));
    }
    std::string province = cols[2] == "-" ? "" : cols[2];
    if (code == "NL" && !province.empty()) {
      return refuse("NL (national scope) lies in no province; want -");
    }
    if (absl::StartsWith(code, "PV")) {
      if (!province.empty() && province != code) {
        return refuse(
            absl::StrCat("province ", code, " lies in no other province; want -"));
      }
      province = code;
    } else if (!province.empty()) {
      if (!absl::StartsWith(province, "PV") || !registry::IsValidRegionCode(province)) {
        return refuse(absl::StrCat("province \"", province, "\" of ", code,
                                   " is not a province code (PV + 2 digits) or -"));
      }
      province_refs.emplace_back(province, line_no);
    }
    if (!table.entries_.emplace(code, Entry{cols[1], province}).second) {
      return refuse(absl::StrCat("code ", code, " is listed twice"));
    }
  }
  for (const auto& [province, line] : province_refs) {
    if (!table.entries_.contains(province)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "regions:", line, ": province ", province, " has no line of its own"));
    }
  }
  return table;
}

absl::StatusOr<RegionTable> RegionTable::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read regions file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str());
}

std::string RegionTable::ProvinceOf(absl::string_view code) const {
  auto it = entries_.find(code);
  return it == entries_.end() ? "" : it->second.province;
}

std::string RegionTable::NameOf(absl::string_view code) const {
  auto it = entries_.find(code);
  return it == entries_.end() ? std::string(code) : it->second.name;
}

bool RegionTable::SetsApart(const std::vector<std::string>& challenge_codes) {
  return !challenge_codes.empty() &&
         std::find(challenge_codes.begin(), challenge_codes.end(), "NL") ==
             challenge_codes.end();
}

RegionMatch RegionTable::Match(const std::vector<std::string>& challenge_codes,
                               const std::vector<std::string>& expert_codes,
                               bool expert_national) const {
  if (!SetsApart(challenge_codes)) return RegionMatch{};
  RegionMatch best;
  for (const std::string& e : expert_codes)
    expert_national = expert_national || e == "NL";
  // Of equal "same region" links, the most specific one names it: a listed
  // municipality rather than its province.
  auto specificity = [](const std::string& code) {
    return code == "NL" ? 0 : absl::StartsWith(code, "PV") ? 1 : 2;
  };
  auto consider = [&](RegionMatch::Kind kind, const std::string& c,
                      const std::string& e) {
    if (kind > best.kind || (kind == best.kind && kind == RegionMatch::kSame &&
                             specificity(c) > specificity(best.challenge_code))) {
      best = RegionMatch{kind, c, e};
    }
  };
  for (const std::string& c : challenge_codes) {
    const std::string c_province = ProvinceOf(c);
    for (const std::string& e : expert_codes) {
      // A municipality lies in its province: an expert of Arnhem is in the
      // region of a challenge for Gelderland (a domain review: the
      // province's own expert, or one who also listed the province, got the
      // full region score, Arnhem's only "same province").
      if (e == c || (absl::StartsWith(c, "PV") && ProvinceOf(e) == c)) {
        consider(RegionMatch::kSame, c, e);
      } else if (!c_province.empty() && ProvinceOf(e) == c_province) {
        consider(RegionMatch::kSameProvince, c, e);
      }
    }
    if (expert_national) consider(RegionMatch::kNational, c, "NL");
  }
  return best;
}

}  // namespace samenspel::matching
