#include "registry-service/core/validation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/text_fold.h"
#include "common/utf8.h"
#include "google/protobuf/util/time_util.h"
#include "registry-service/core/names.h"

namespace samenspel::registry {
namespace {

namespace type = ::samenspel::type::v1;

std::string Path(absl::string_view prefix, absl::string_view field) {
  return absl::StrCat(prefix, ".", field);
}
std::string Path(absl::string_view prefix, absl::string_view field, int index) {
  return absl::StrCat(prefix, ".", field, "[", index, "]");
}

// Whitespace and characters that show nothing: what a blank "required"
// field may consist of.
bool IsInvisible(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         c == 0x180e || (c >= 0x2000 && c <= 0x200d) || c == 0x2028 || c == 0x2029 ||
         c == 0x202f || c == 0x205f || c == 0x2060 || c == 0x3000 || c == 0xfeff;
}

// What is wrong with valid UTF-8 `value` as text beyond what Utf8Length
// checks (C0 controls but tab, newline and carriage return), or "": C1
// controls and noncharacters; in one line also line breaks, tabs and the
// bidirectional overrides that can make a name read as another.
std::string TextFault(absl::string_view value, bool one_line) {
  const bool ascii = std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
  if (ascii) {
    return one_line && value.find_first_of("\t\n\r") != absl::string_view::npos
               ? "must be one line, without tabs"
               : "";
  }
  for (char32_t c : Utf8CodePoints(value)) {
    if (c >= 0x80 && c <= 0x9f) return "must not contain control characters";
    if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe) {
      return "must not contain noncharacters (such as U+FFFF)";
    }
    if (!one_line) continue;
    if (c == '\t' || c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029) {
      return "must be one line, without tabs";
    }
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      return "must not contain bidirectional overrides (U+202A to U+202E, U+2066 to "
             "U+2069)";
    }
  }
  return "";
}

bool IsBlank(absl::string_view value) {
  const absl::string_view stripped = absl::StripAsciiWhitespace(value);
  if (stripped.empty()) return true;
  if (static_cast<unsigned char>(stripped.front()) < 0x80) return false;
  const std::u32string code_points = Utf8CodePoints(stripped);
  return std::all_of(code_points.begin(), code_points.end(), IsInvisible);
}

enum class Lines { kOne, kMany };

void CheckText(absl::string_view value, const std::string& field, int max_chars,
               bool required, FieldViolations& v, Lines lines = Lines::kOne) {
  const int n = Utf8Length(value);
  if (n < 0) {
    v.Add(field, "must be valid UTF-8 text without control characters");
    return;
  }
  if (required && IsBlank(value)) {
    v.Add(field, "required");
  } else if (n > max_chars) {
    v.Add(field, absl::StrCat("at most ", max_chars, " characters (got ", n, ")"));
  } else if (std::string fault = TextFault(value, lines == Lines::kOne); !fault.empty()) {
    v.Add(field, std::move(fault));
  }
}

}  // namespace

void ValidateTermFilter(absl::string_view term, const std::string& field,
                        FieldViolations& v) {
  if (!term.empty()) CheckText(term, field, kMaxTermChars, /*required=*/false, v);
}

namespace {

// A theme or skill is indexed folded: one of only characters the fold drops
// (combining marks, a soft hyphen, joiners) would be indexed as "", which
// no filter can ask for.
void CheckFoldable(absl::string_view term, const std::string& path, FieldViolations& v) {
  if (!term.empty() && FoldTerm(term).empty() && !v.Names(path)) {
    v.Add(path, "holds no letter, digit or other visible character");
  }
}

// Themes or skills seen so far, by the value their index keeps (TermKey in
// registry.cc: case and accents folded): two that fold alike are one.
class TermSet {
 public:
  // nullptr when `term` is new; else the earlier term it duplicates.
  const std::string* Insert(const std::string& term) {
    auto [it, inserted] = first_.try_emplace(FoldTerm(term), &term);
    return inserted ? nullptr : it->second;
  }

 private:
  std::map<std::string, const std::string*> first_;
};

template <typename Strings>
void CheckTerms(const Strings& terms, absl::string_view prefix, absl::string_view field,
                int max_items, FieldViolations& v) {
  if (terms.size() > max_items) {
    v.Add(Path(prefix, field), absl::StrCat("at most ", max_items, " entries"));
    return;
  }
  TermSet seen;
  for (int i = 0; i < terms.size(); ++i) {
    const std::string path = Path(prefix, field, i);
    CheckText(terms[i], path, kMaxTermChars, /*required=*/true, v);
    CheckFoldable(terms[i], path, v);
    if (const std::string* earlier = seen.Insert(terms[i])) {
      v.Add(path, absl::StrCat("duplicate of the earlier entry \"", *earlier,
                               "\" (case and accents are ignored)"));
    }
  }
}

void CheckRegionCodes(const google::protobuf::RepeatedPtrField<std::string>& codes,
                      absl::string_view prefix, FieldViolations& v) {
  if (codes.size() > kMaxRegionCodes) {
    v.Add(Path(prefix, "region_codes"),
          absl::StrCat("at most ", kMaxRegionCodes, " entries"));
    return;
  }
  std::set<std::string> seen;
  for (int i = 0; i < codes.size(); ++i) {
    const std::string path = Path(prefix, "region_codes", i);
    if (!IsValidRegionCode(codes[i])) {
      v.Add(path, std::string(kRegionCodeRule));
    } else if (!seen.insert(codes[i]).second) {
      v.Add(path, "duplicate region code");
    }
  }
}

bool ValidEnum(int value, const google::protobuf::EnumDescriptor* d) {
  return value != 0 && d->FindValueByNumber(value) != nullptr;
}

void CheckLayer(int layer, const std::string& path, bool required, FieldViolations& v) {
  if (layer == 0 && !required) return;
  if (!ValidEnum(layer, type::GovernmentLayer_descriptor())) {
    v.Add(path,
          "must be one of GOVERNMENT_LAYER_NATIONAL, _PROVINCIAL, _MUNICIPAL, "
          "_WATER_AUTHORITY, _REGIONAL");
  }
}

template <typename Enums>
void CheckEnumList(const Enums& values, const google::protobuf::EnumDescriptor* d,
                   absl::string_view prefix, absl::string_view field,
                   FieldViolations& v) {
  std::set<int> seen;
  for (int i = 0; i < values.size(); ++i) {
    const std::string path = Path(prefix, field, i);
    if (values[i] == 0 || d->FindValueByNumber(values[i]) == nullptr) {
      v.Add(path, absl::StrCat("not a valid ", d->name(), " value"));
    } else if (!seen.insert(values[i]).second) {
      v.Add(path, "duplicate value");
    }
  }
}

void CheckHours(int hours, const std::string& path, FieldViolations& v) {
  if (hours < 0 || hours > kMaxHoursPerWeek) {
    v.Add(path, absl::StrCat("must be between 0 and ", kMaxHoursPerWeek));
  }
}

void CheckReference(Kind kind, absl::string_view name, const std::string& path,
                    FieldViolations& v) {
  absl::StatusOr<std::string> id = ParseName(kind, name, path);
  if (!id.ok()) {
    v.Add(path, name.empty()
                    ? absl::StrCat("required: ", KindCollection(kind), "/{id}")
                    : absl::StrCat("must be ", KindCollection(kind),
                                   "/{id} with id matching [a-z0-9][a-z0-9-]{0,62}"));
  }
}

void CheckState(int state, const google::protobuf::EnumDescriptor* d,
                const std::string& path, FieldViolations& v) {
  if (state != 0 && d->FindValueByNumber(state) == nullptr) {
    v.Add(path, absl::StrCat("not a valid ", d->name(), " value"));
  }
}

}  // namespace

bool IsValidRegionCode(absl::string_view code) {
  if (code == "NL") return true;
  size_t digits;
  if (code.substr(0, 2) == "GM" || code.substr(0, 2) == "WS") {
    digits = 4;
  } else if (code.substr(0, 2) == "PV") {
    digits = 2;
  } else {
    return false;
  }
  if (code.size() != 2 + digits) return false;
  for (char c : code.substr(2)) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

bool IsValidEmail(absl::string_view email) {
  if (email.size() > 254) return false;
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || at == 0 || at > 64 ||
      email.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  const absl::string_view local = email.substr(0, at);
  const absl::string_view domain = email.substr(at + 1);
  // The local part: RFC 5322's dot-atom (no dot first, last or twice).
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != absl::string_view::npos) {
    return false;
  }
  for (char c : local) {
    if (!absl::ascii_isalnum(c) &&
        absl::string_view(".!#$%&'*+/=?^_`{|}~-").find(c) == absl::string_view::npos) {
      return false;
    }
  }
  // The domain: two or more labels of letters, digits and inner hyphens,
  // the last (the top-level domain) of two or more letters.
  const std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return false;
  for (absl::string_view label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-') return false;
    }
  }
  const absl::string_view tld = labels.back();
  return tld.size() >= 2 && std::all_of(tld.begin(), tld.end(), absl::ascii_isalpha);
}

bool IsValidTimestamp(const google::protobuf::Timestamp& t) {
  using google::protobuf::util::TimeUtil;
  return t.seconds() >= TimeUtil::kTimestampMinSeconds &&
         t.seconds() <= TimeUtil::kTimestampMaxSeconds && t.nanos() >= 0 &&
         t.nanos() <= 999999999;
}

void ValidateOrganisation(const v1::Organisation& o, absl::string_view prefix,
                          FieldViolations& v) {
  CheckText(o.display_name(), Path(prefix, "display_name"), kMaxNameChars, true, v);
  CheckLayer(o.layer(), Path(prefix, "layer"), /*required=*/true, v);
  if (!o.oin().empty()) {
    bool digits = o.oin().size() == 20;
    for (char c : o.oin()) digits = digits && absl::ascii_isdigit(c);
    if (!digits)
      v.Add(Path(prefix, "oin"), "must be 20 digits (Organisatie-identificatienummer)");
  }
  CheckRegionCodes(o.region_codes(), prefix, v);
}

void ValidateExpert(const v1::Expert& e, absl::string_view prefix, FieldViolations& v) {
  CheckText(e.display_name(), Path(prefix, "display_name"), kMaxNameChars, true, v);
  CheckReference(Kind::kOrganisation, e.organisation(), Path(prefix, "organisation"), v);
  CheckText(e.job_title(), Path(prefix, "job_title"), kMaxShortTextChars, false, v);
  if (!e.email().empty() && !IsValidEmail(e.email())) {
    v.Add(Path(prefix, "email"), "must be an e-mail address such as naam@minbzk.nl");
  }
  CheckText(e.bio(), Path(prefix, "bio"), kMaxLongTextChars, false, v, Lines::kMany);
  if (e.skills_size() > kMaxListItems) {
    v.Add(Path(prefix, "skills"), absl::StrCat("at most ", kMaxListItems, " entries"));
  } else {
    TermSet seen;
    for (int i = 0; i < e.skills_size(); ++i) {
      const std::string path = Path(prefix, "skills", i);
      const auto& s = e.skills(i);
      CheckText(s.name(), path + ".name", kMaxTermChars, true, v);
      if (s.level() < 1 || s.level() > 5)
        v.Add(path + ".level", "must be between 1 and 5");
      CheckFoldable(s.name(), path + ".name", v);
      if (const std::string* earlier = seen.Insert(s.name())) {
        v.Add(path + ".name", absl::StrCat("duplicate of the earlier skill \"", *earlier,
                                           "\" (case and accents are ignored)"));
      }
    }
  }
  CheckTerms(e.themes(), prefix, "themes", kMaxListItems, v);
  CheckRegionCodes(e.region_codes(), prefix, v);
  CheckEnumList(e.perspectives(), type::Perspective_descriptor(), prefix, "perspectives",
                v);
  CheckHours(e.available_hours_per_week(), Path(prefix, "available_hours_per_week"), v);
}

void ValidateTeamMember(const v1::TeamMember& m, absl::string_view prefix,
                        FieldViolations& v) {
  CheckReference(Kind::kExpert, m.expert(), Path(prefix, "expert"), v);
  CheckText(m.role(), Path(prefix, "role"), kMaxShortTextChars, false, v);
  CheckHours(m.hours_per_week(), Path(prefix, "hours_per_week"), v);
}

void ValidateTeam(const v1::TaskTeam& t, absl::string_view prefix, FieldViolations& v) {
  CheckText(t.display_name(), Path(prefix, "display_name"), kMaxNameChars, true, v);
  CheckText(t.description(), Path(prefix, "description"), kMaxLongTextChars, false, v,
            Lines::kMany);
  CheckTerms(t.themes(), prefix, "themes", kMaxListItems, v);
  CheckRegionCodes(t.region_codes(), prefix, v);
  CheckState(t.state(), v1::TaskTeam::State_descriptor(), Path(prefix, "state"), v);
  if (t.members_size() > kMaxTeamMembers) {
    v.Add(Path(prefix, "members"), absl::StrCat("at most ", kMaxTeamMembers, " members"));
  } else {
    std::set<std::string> seen;
    for (int i = 0; i < t.members_size(); ++i) {
      const std::string path = Path(prefix, "members", i);
      ValidateTeamMember(t.members(i), path, v);
      if (!seen.insert(t.members(i).expert()).second) {
        v.Add(path + ".expert", "this expert is already a member");
      }
    }
  }
  CheckReference(Kind::kOrganisation, t.owner_organisation(),
                 Path(prefix, "owner_organisation"), v);
  CheckText(t.lessons_learned(), Path(prefix, "lessons_learned"), kMaxLongTextChars,
            false, v, Lines::kMany);
}

namespace {

// ValidateChallenge (`stored`) or ValidateInlineChallenge.
void CheckChallenge(const v1::Challenge& c, absl::string_view prefix, bool stored,
                    FieldViolations& v) {
  CheckText(c.title(), Path(prefix, "title"), kMaxNameChars, stored, v);
  CheckText(c.description(), Path(prefix, "description"), kMaxLongTextChars, false, v,
            Lines::kMany);
  if (stored || !c.owner_organisation().empty()) {
    CheckReference(Kind::kOrganisation, c.owner_organisation(),
                   Path(prefix, "owner_organisation"), v);
  }
  CheckTerms(c.themes(), prefix, "themes", kMaxListItems, v);
  if (c.required_skills_size() > kMaxListItems) {
    v.Add(Path(prefix, "required_skills"),
          absl::StrCat("at most ", kMaxListItems, " entries"));
  } else {
    TermSet seen;
    for (int i = 0; i < c.required_skills_size(); ++i) {
      const std::string path = Path(prefix, "required_skills", i);
      const auto& s = c.required_skills(i);
      CheckText(s.name(), path + ".name", kMaxTermChars, true, v);
      if (s.min_level() < 0 || s.min_level() > 5) {
        v.Add(path + ".min_level", "must be between 1 and 5 (0 means 1)");
      }
      if (!std::isfinite(s.weight()) || s.weight() < 0 || s.weight() > 100) {
        v.Add(path + ".weight", "must be between 0 and 100 (0 means 1)");
      }
      CheckFoldable(s.name(), path + ".name", v);
      if (const std::string* earlier = seen.Insert(s.name())) {
        v.Add(path + ".name", absl::StrCat("duplicate of the earlier skill \"", *earlier,
                                           "\" (case and accents are ignored)"));
      }
    }
  }
  CheckRegionCodes(c.region_codes(), prefix, v);
  CheckEnumList(c.desired_layers(), type::GovernmentLayer_descriptor(), prefix,
                "desired_layers", v);
  CheckEnumList(c.desired_perspectives(), type::Perspective_descriptor(), prefix,
                "desired_perspectives", v);
  if (c.team_size() < 0 || c.team_size() > kMaxTeamSize) {
    v.Add(Path(prefix, "team_size"), absl::StrCat("must be between 0 and ", kMaxTeamSize,
                                                  " (0 means the default, 5)"));
  }
  CheckState(c.state(), v1::Challenge::State_descriptor(), Path(prefix, "state"), v);
}

}  // namespace

void ValidateChallenge(const v1::Challenge& c, absl::string_view prefix,
                       FieldViolations& v) {
  CheckChallenge(c, prefix, /*stored=*/true, v);
}

void ValidateInlineChallenge(const v1::Challenge& c, absl::string_view prefix,
                             FieldViolations& v) {
  CheckChallenge(c, prefix, /*stored=*/false, v);
}

}  // namespace samenspel::registry
