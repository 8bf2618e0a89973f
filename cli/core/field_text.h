// Field values as text, the form flags and CSV cells use, for any field of
// any resource or request (by reflection):
//
//   string                 as is; a reference (organisation, owner_organisation,
//                          expert, member) may omit its collection: "bzk" means
//                          "organisations/bzk"
//   int32, double          decimal
//   bool                   true/false, yes/no, ja/nee, 1/0 (any case)
//   enum                   the value name, any case, prefix optional:
//                          "municipal" = "GOVERNMENT_LAYER_MUNICIPAL"
//   Skill                  NAME:LEVEL              ("woningbouw:4")
//   SkillRequirement       NAME:MIN_LEVEL[:WEIGHT] ("woningbouw:3:2.5")
//   TeamMember             EXPERT[:ROLE[:HOURS]]   ("jan:voorzitter:8")
//   Timestamp              RFC 3339, output only   ("2024-05-01T09:30:00Z")
//   repeated fields        one value per flag; in CSV a ';'-separated list
//
// Example:
//   v1::Expert e;
//   const FieldDescriptor* skills = e.GetDescriptor()->FindFieldByName("skills");
//   absl::Status s = AppendFieldText(e, *skills, "woningbouw:4");
//   std::string cell = FieldText(e, *skills, ";");  // "woningbouw:4"
#ifndef SAMENSPEL_CLI_CORE_FIELD_TEXT_H_
#define SAMENSPEL_CLI_CORE_FIELD_TEXT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace samenspel::cli {

// Sets a singular field, or appends one element to a repeated one.
// INVALID_ARGUMENT (with a message that says what is expected) for a value
// that does not parse; the message does not repeat the field name.
absl::Status AppendFieldText(google::protobuf::Message& message,
                             const google::protobuf::FieldDescriptor& field,
                             absl::string_view text);

// Sets a field from a CSV cell: for a repeated field, replaces its elements
// by the ';'-separated items of `cell` (blank items are skipped).
absl::Status SetFieldFromCell(google::protobuf::Message& message,
                              const google::protobuf::FieldDescriptor& field,
                              absl::string_view cell);

// The text of a field; the elements of a repeated field joined by
// `separator`. Enums by their short name ("MUNICIPAL").
std::string FieldText(const google::protobuf::Message& message,
                      const google::protobuf::FieldDescriptor& field,
                      absl::string_view separator);

// "municipal", "MUNICIPAL" or "GOVERNMENT_LAYER_MUNICIPAL" -> the value.
// INVALID_ARGUMENT listing the accepted names otherwise (never UNSPECIFIED).
absl::StatusOr<const google::protobuf::EnumValueDescriptor*> ParseEnumText(
    const google::protobuf::EnumDescriptor& type, absl::string_view text);
// The value name without the enum's prefix: "MUNICIPAL", "EXECUTION", "OPEN".
std::string EnumShortName(const google::protobuf::EnumValueDescriptor& value);

absl::StatusOr<bool> ParseBoolText(absl::string_view text);

// Parses `text`, protobuf's JSON mapping of `message`'s type, into
// `message`, taking enum values as the flags and CSV take them too (short
// names, any case: "layer": "municipal"). A document protobuf's parser takes
// as it is is parsed exactly so; one it refuses is parsed again with its enum
// values rewritten to their full names, unless it repeats a key or nests
// deeper than 32 (whose rewriting could change it). Returns the parser's
// error.
absl::Status JsonToMessage(absl::string_view text, google::protobuf::Message& message);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_FIELD_TEXT_H_
