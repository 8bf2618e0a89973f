// Field-level validation of the registry's resources. Each function adds one
// violation per bad field to `v`, naming it by its path under `prefix`
// (e.g. "expert.skills[2].level"), and never stops at the first problem so a
// caller can fix everything in one round.
//
// Validation is about the resource's own content; whether referenced
// resources exist is checked atomically with the write (store preconditions).
//
// Example:
//   FieldViolations v;
//   ValidateExpert(request.expert(), "expert", v);
//   SAMENSPEL_RETURN_IF_ERROR(v.ToStatus());
#ifndef SAMENSPEL_REGISTRY_CORE_VALIDATION_H_
#define SAMENSPEL_REGISTRY_CORE_VALIDATION_H_

#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "google/protobuf/timestamp.pb.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::registry {

// Limits, shared with the documentation in README.md.
inline constexpr int kMaxNameChars = 200;
inline constexpr int kMaxShortTextChars = 200;
inline constexpr int kMaxTermChars = 100;
inline constexpr int kMaxLongTextChars = 20000;
inline constexpr int kMaxListItems = 100;
inline constexpr int kMaxRegionCodes = 50;
inline constexpr int kMaxTeamMembers = 200;
inline constexpr int kMaxHoursPerWeek = 168;
inline constexpr int kMaxTeamSize = 50;

// True for a CBS-style region code: GM + 4 digits, PV + 2, WS + 4, or NL.
bool IsValidRegionCode(absl::string_view code);
// What a field violation says of a code IsValidRegionCode refuses.
inline constexpr absl::string_view kRegionCodeRule =
    "must be a CBS code: GM + 4 digits (municipality), PV + 2 digits (province), WS + 4 "
    "digits (water board) or NL";
// True for a plausible e-mail address (local@domain.tld, at most 254 bytes).
bool IsValidEmail(absl::string_view email);
// True for a Timestamp in google.protobuf's range: years 1 to 9999, nanos
// 0 to 999,999,999 (what JSON and RFC 3339 can show).
bool IsValidTimestamp(const google::protobuf::Timestamp& t);
inline constexpr absl::string_view kInvalidTimestamp =
    "not a valid timestamp: seconds within years 1 to 9999, nanos 0 to 999,999,999";

// A list filter's term (a theme, a skill): empty (no filter), or text a
// stored term could be (length, UTF-8, no control characters); otherwise
// violations of `field`, which no record can match.
void ValidateTermFilter(absl::string_view term, const std::string& field,
                        FieldViolations& v);

void ValidateOrganisation(const v1::Organisation& o, absl::string_view prefix,
                          FieldViolations& v);
void ValidateExpert(const v1::Expert& e, absl::string_view prefix, FieldViolations& v);
void ValidateTeamMember(const v1::TeamMember& m, absl::string_view prefix,
                        FieldViolations& v);
void ValidateTeam(const v1::TaskTeam& t, absl::string_view prefix, FieldViolations& v);
void ValidateChallenge(const v1::Challenge& c, absl::string_view prefix,
                       FieldViolations& v);
// A challenge given inline to the matching service instead of stored: the
// same limits, but no field is required (the title and owner_organisation
// may be empty; a given owner_organisation must be well formed).
void ValidateInlineChallenge(const v1::Challenge& c, absl::string_view prefix,
                             FieldViolations& v);

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_VALIDATION_H_
