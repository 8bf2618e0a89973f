#include "cli/core/field_text.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <optional>
#include <system_error>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "samenspel/registry/v1/resources.pb.h"
#include "samenspel/type/v1/types.pb.h"

namespace samenspel::cli {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
namespace v1 = ::samenspel::registry::v1;
namespace type = ::samenspel::type::v1;

// Fields holding a resource name, and the collection a bare id belongs to.
absl::string_view ReferenceCollection(const FieldDescriptor& field) {
  const std::string& name = field.name();
  if (name == "organisation" || name == "owner_organisation" ||
      name == "exclude_organisations") {
    return "organisations";
  }
  if (name == "expert" || name == "member") return "experts";
  return "";
}

std::string Qualify(absl::string_view collection, absl::string_view text) {
  if (collection.empty() || text.empty() || absl::StrContains(text, '/')) {
    return std::string(text);
  }
  return absl::StrCat(collection, "/", text);
}

// "GOVERNMENT_LAYER_" for GovernmentLayer: the zero value's name without
// "UNSPECIFIED".
absl::string_view EnumPrefix(const EnumDescriptor& type) {
  const EnumValueDescriptor* zero = type.FindValueByNumber(0);
  if (zero == nullptr) return "";
  absl::string_view name = zero->name();
  return absl::ConsumeSuffix(&name, "UNSPECIFIED") ? name : absl::string_view();
}

absl::StatusOr<int> ParseInt(absl::string_view text, absl::string_view what) {
  int value;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a whole number",
                                                   what.empty() ? "" : " (", what,
                                                   what.empty() ? "" : ")"));
  }
  return value;
}

absl::StatusOr<double> ParseDouble(absl::string_view text, absl::string_view what) {
  double value;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(text), &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a number (", what, ")"));
  }
  return value;
}

// A problem with a part of `item`, said with the whole item.
absl::Status InItem(absl::string_view item, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrCat("'", item, "': ", status.message()));
}

bool IsNumber(absl::string_view text) {
  double ignored;
  return absl::SimpleAtod(absl::StripAsciiWhitespace(text), &ignored);
}

// A number that did not parse ("0,5", "3.", "+-2"), or one written out
// ("drie", "three"): meant as a level or weight, not as a word of a name.
// Only the whole part counts: "2e lijn" and "27001-certificering" are words.
bool LooksMeantAsNumber(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  bool digit = false;
  bool other = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.' && c != ',' && c != '+' && c != '-') {
      other = true;
    }
  }
  if (digit && !other) return true;
  static constexpr absl::string_view kWords[] = {"een",   "één",  "twee", "drie",
                                                 "vier",  "vijf", "one",  "two",
                                                 "three", "four", "five"};
  const std::string lower = absl::AsciiStrToLower(text);
  return std::find(std::begin(kWords), std::end(kWords), lower) != std::end(kWords);
}

// Refuses a skill name that holds a level or another skill: a part after a
// ':' that starts with a level (0..5, as a number of its own) followed by
// nothing or ',' ("woningbouw:4, ruimtelijke ordening:3", skills
// separated as in a spreadsheet, was one skill named "woningbouw:4,
// ruimtelijke ordening"; "stikstof:4:1" an expert's skill "stikstof:4"), or
// a ';' (the separator of a CSV cell's list). Names such as "NEN:7510",
// "ICT: 2e lijn" or "Omgevingswet: 2024" stay names.
absl::Status CheckNoLevelInName(absl::string_view text, absl::string_view name,
                                absl::string_view syntax) {
  auto more_than_one = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text,
        "' holds more than one skill: separate them with ';' in a CSV cell "
        "(woningbouw:4;ruimtelijke ordening:3), or give the flag once per skill"));
  };
  if (absl::StrContains(name, ';')) return more_than_one();
  std::vector<absl::string_view> parts = absl::StrSplit(name, ':');
  for (size_t i = 1; i < parts.size(); ++i) {
    const absl::string_view part = absl::StripLeadingAsciiWhitespace(parts[i]);
    size_t digits = 0;
    while (digits < part.size() && absl::ascii_isdigit(part[digits])) ++digits;
    int number;
    if (digits == 0 || !absl::SimpleAtoi(part.substr(0, digits), &number) || number > 5) {
      continue;
    }
    const absl::string_view after =
        absl::StripLeadingAsciiWhitespace(part.substr(digits));
    if (after.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "': '", part.substr(0, digits),
                       "' looks like a level inside the name; write ", syntax));
    }
    // ("Sociaal domein: 3 decentralisaties" is a name: a level followed by
    // words is not refused.)
    if (after[0] == ',') return more_than_one();
  }
  return absl::OkStatus();
}

// NAME:LEVEL
absl::Status ParseSkill(absl::string_view text, type::Skill& skill) {
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not NAME:LEVEL (e.g. woningbouw:4, level 1..5)"));
  }
  absl::StatusOr<int> level = ParseInt(text.substr(colon + 1), "the level, 1..5");
  if (!level.ok()) return InItem(text, level.status());
  const absl::string_view name = absl::StripAsciiWhitespace(text.substr(0, colon));
  SAMENSPEL_RETURN_IF_ERROR(CheckNoLevelInName(
      text, name,
      "NAME:LEVEL (e.g. woningbouw:4; NAME:MIN_LEVEL:WEIGHT is for a challenge's "
      "required skills)"));
  skill.set_name(std::string(name));
  skill.set_level(*level);
  return absl::OkStatus();
}

// NAME[:MIN_LEVEL[:WEIGHT]]; a name may itself contain ':'.
absl::Status ParseSkillRequirement(absl::string_view text,
                                   type::SkillRequirement& skill) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  // A level or weight that does not parse would otherwise become part of
  // the name ("woningbouw:3:0,5" a skill of that name, at no minimum level).
  // Only where a level or weight can be: the last part, or the one before a
  // number.
  for (size_t i = parts.size() - 1; i >= 1 && i + 2 >= parts.size(); --i) {
    if (i + 1 < parts.size() && !IsNumber(parts.back())) break;
    if (!IsNumber(parts[i]) && LooksMeantAsNumber(parts[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", text, "': '", absl::StripAsciiWhitespace(parts[i]),
          "' is not a number: NAME:MIN_LEVEL[:WEIGHT] takes a whole level 1..5 and a "
          "weight with a decimal point (e.g. woningbouw:3:0.5)"));
    }
  }
  size_t numbers = 0;
  while (numbers < 2 && parts.size() - numbers > 1 &&
         IsNumber(parts[parts.size() - 1 - numbers])) {
    ++numbers;
  }
  const std::string joined = absl::StrJoin(parts.begin(), parts.end() - numbers, ":");
  const absl::string_view name = absl::StripAsciiWhitespace(joined);
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not NAME:MIN_LEVEL[:WEIGHT] (e.g. woningbouw:3)"));
  }
  SAMENSPEL_RETURN_IF_ERROR(
      CheckNoLevelInName(text, name, "NAME:MIN_LEVEL[:WEIGHT] (e.g. woningbouw:3:0.5)"));
  skill.set_name(std::string(name));
  if (numbers >= 1) {
    absl::StatusOr<int> min_level =
        ParseInt(parts[parts.size() - numbers], "the minimum level, 1..5");
    if (!min_level.ok()) return InItem(text, min_level.status());
    skill.set_min_level(*min_level);
  }
  if (numbers == 2) {
    absl::StatusOr<double> weight = ParseDouble(parts.back(), "the weight");
    if (!weight.ok()) return InItem(text, weight.status());
    skill.set_weight(*weight);
  }
  return absl::OkStatus();
}

// EXPERT[:ROLE[:HOURS]]
absl::Status ParseTeamMember(absl::string_view text, v1::TeamMember& member) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits(':', 1));
  const absl::string_view expert = absl::StripAsciiWhitespace(parts[0]);
  if (expert.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not EXPERT[:ROLE[:HOURS]] (e.g. jan:voorzitter:8)"));
  }
  member.set_expert(Qualify("experts", expert));
  if (parts.size() == 1) return absl::OkStatus();
  absl::string_view role = parts[1];
  const size_t colon = role.rfind(':');
  if (colon != absl::string_view::npos) {
    absl::StatusOr<int> hours = ParseInt(role.substr(colon + 1), "hours per week");
    if (!hours.ok()) return InItem(text, hours.status());
    member.set_hours_per_week(*hours);
    role = role.substr(0, colon);
  }
  member.set_role(std::string(absl::StripAsciiWhitespace(role)));
  return absl::OkStatus();
}

// The shortest text that reads back as exactly `value` (0.123456789 stays
// so; absl::StrCat would write 6 significant digits, 0.123457).
std::string FormatNumber(double value) {
  char buffer[64];
  const std::to_chars_result written =
      std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (written.ec != std::errc()) return absl::StrCat(value);
  return std::string(buffer, written.ptr);
}

std::string MessageText(const Message& message) {
  if (const auto* skill = dynamic_cast<const type::Skill*>(&message)) {
    return absl::StrCat(skill->name(), ":", skill->level());
  }
  if (const auto* skill = dynamic_cast<const type::SkillRequirement*>(&message)) {
    std::string text = skill->name();
    // A name with ':' (NEN:7510) gets both numbers, so that reading takes
    // them from the end and leaves the name whole.
    const bool both = absl::StrContains(skill->name(), ':');
    if (both || skill->min_level() != 0 || skill->weight() != 0) {
      absl::StrAppend(&text, ":", skill->min_level());
    }
    if (both || skill->weight() != 0) {
      absl::StrAppend(&text, ":", FormatNumber(skill->weight()));
    }
    return text;
  }
  if (const auto* member = dynamic_cast<const v1::TeamMember*>(&message)) {
    std::string text = member->expert();
    if (!member->role().empty() || member->hours_per_week() != 0) {
      absl::StrAppend(&text, ":", member->role());
    }
    // A role with ':' gets the hours too (the last ':' separates them).
    if (member->hours_per_week() != 0 || absl::StrContains(member->role(), ':')) {
      absl::StrAppend(&text, ":", member->hours_per_week());
    }
    return text;
  }
  if (const auto* time = dynamic_cast<const google::protobuf::Timestamp*>(&message)) {
    return google::protobuf::util::TimeUtil::ToString(*time);
  }
  return message.ShortDebugString();
}

absl::Status ParseMessageText(absl::string_view text, Message& message) {
  if (auto* skill = dynamic_cast<type::Skill*>(&message)) return ParseSkill(text, *skill);
  if (auto* skill = dynamic_cast<type::SkillRequirement*>(&message)) {
    return ParseSkillRequirement(text, *skill);
  }
  if (auto* member = dynamic_cast<v1::TeamMember*>(&message)) {
    return ParseTeamMember(text, *member);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(message.GetDescriptor()->name(), " cannot be given as text"));
}

// One element (or the singular value) of `field` as text.
std::string ValueText(const Message& message, const FieldDescriptor& field, int index) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? r->GetRepeatedString(message, &field, index)
                      : r->GetString(message, &field);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? r->GetRepeatedInt32(message, &field, index)
                                   : r->GetInt32(message, &field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(repeated ? r->GetRepeatedInt64(message, &field, index)
                                   : r->GetInt64(message, &field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatNumber(repeated ? r->GetRepeatedDouble(message, &field, index)
                                   : r->GetDouble(message, &field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? r->GetRepeatedBool(message, &field, index)
                       : r->GetBool(message, &field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumShortName(repeated ? *r->GetRepeatedEnum(message, &field, index)
                                    : *r->GetEnum(message, &field));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageText(repeated ? r->GetRepeatedMessage(message, &field, index)
                                  : r->GetMessage(message, &field));
    default:
      return "";
  }
}

}  // namespace

absl::StatusOr<const EnumValueDescriptor*> ParseEnumText(const EnumDescriptor& type,
                                                         absl::string_view text) {
  std::string wanted = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  for (char& c : wanted) {
    if (c == '-' || c == ' ') c = '_';
  }
  const absl::string_view prefix = EnumPrefix(type);
  std::vector<std::string> accepted;
  for (int i = 0; i < type.value_count(); ++i) {
    const EnumValueDescriptor* value = type.value(i);
    if (value->number() == 0) continue;
    if (value->name() == wanted || value->name() == absl::StrCat(prefix, wanted)) {
      return value;
    }
    accepted.push_back(EnumShortName(*value));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", text, "' is not one of ", absl::StrJoin(accepted, ", "), " (any case)"));
}

std::string EnumShortName(const EnumValueDescriptor& value) {
  absl::string_view name = value.name();
  absl::ConsumePrefix(&name, EnumPrefix(*value.type()));
  return std::string(name);
}

absl::StatusOr<bool> ParseBoolText(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (absl::string_view yes : {"true", "yes", "ja", "y", "j", "1"}) {
    if (lower == yes) return true;
  }
  for (absl::string_view no : {"false", "no", "nee", "n", "0"}) {
    if (lower == no) return false;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is not true or false (yes/no, ja/nee, 1/0)"));
}

absl::Status AppendFieldText(Message& message, const FieldDescriptor& field,
                             absl::string_view text) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value = Qualify(ReferenceCollection(field), text);
      if (repeated) {
        r->AddString(&message, &field, std::move(value));
      } else {
        r->SetString(&message, &field, std::move(value));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      absl::StatusOr<int> value = ParseInt(text, "");
      if (!value.ok()) return value.status();
      repeated ? r->AddInt32(&message, &field, *value)
               : r->SetInt32(&message, &field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t value;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", text, "' is not a whole number"));
      }
      repeated ? r->AddInt64(&message, &field, value)
               : r->SetInt64(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      absl::StatusOr<double> value = ParseDouble(text, "a number");
      if (!value.ok()) return value.status();
      repeated ? r->AddDouble(&message, &field, *value)
               : r->SetDouble(&message, &field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      absl::StatusOr<bool> value = ParseBoolText(text);
      if (!value.ok()) return value.status();
      repeated ? r->AddBool(&message, &field, *value)
               : r->SetBool(&message, &field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      absl::StatusOr<const EnumValueDescriptor*> value =
          ParseEnumText(*field.enum_type(), text);
      if (!value.ok()) return value.status();
      repeated ? r->AddEnum(&message, &field, *value)
               : r->SetEnum(&message, &field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* value = repeated ? r->AddMessage(&message, &field)
                                : r->MutableMessage(&message, &field);
      absl::Status status = ParseMessageText(text, *value);
      if (!status.ok() && repeated) r->RemoveLast(&message, &field);
      return status;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field.name(), " cannot be given as text"));
  }
}

absl::Status SetFieldFromCell(Message& message, const FieldDescriptor& field,
                              absl::string_view cell) {
  message.GetReflection()->ClearField(&message, &field);
  if (!field.is_repeated()) {
    if (absl::StripAsciiWhitespace(cell).empty()) return absl::OkStatus();
    return AppendFieldText(message, field, cell);
  }
  for (absl::string_view item : absl::StrSplit(cell, ';', absl::SkipWhitespace())) {
    absl::Status status =
        AppendFieldText(message, field, absl::StripAsciiWhitespace(item));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::string FieldText(const Message& message, const FieldDescriptor& field,
                      absl::string_view separator) {
  if (!field.is_repeated()) return ValueText(message, field, 0);
  const int size = message.GetReflection()->FieldSize(message, &field);
  std::string text;
  for (int i = 0; i < size; ++i) {
    absl::StrAppend(&text, i ? separator : "", ValueText(message, field, i));
  }
  return text;
}

namespace {

// Rewrites the enum values in `json` (meant for `type`) that ParseEnumText
// accepts to their full names; leaves the rest, and names it does not
// accept, to protobuf's parser. Returns whether it rewrote any.
bool ExpandEnumNames(const google::protobuf::Descriptor& type, nlohmann::json& json) {
  if (!json.is_object()) return false;
  bool changed = false;
  for (auto& [key, value] : json.items()) {
    const FieldDescriptor* field = type.FindFieldByName(key);
    for (int i = 0; field == nullptr && i < type.field_count(); ++i) {
      if (type.field(i)->json_name() == key) field = type.field(i);
    }
    if (field == nullptr || field->is_map()) continue;
    auto expand = [field, &changed](nlohmann::json& element) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM && element.is_string()) {
        const std::string text = element.get<std::string>();
        absl::StatusOr<const EnumValueDescriptor*> full =
            ParseEnumText(*field->enum_type(), text);
        if (full.ok() && (*full)->name() != text) {
          element = (*full)->name();
          changed = true;
        }
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        changed |= ExpandEnumNames(*field->message_type(), element);
      }
    };
    if (value.is_array()) {
      for (nlohmann::json& element : value) expand(element);
    } else {
      expand(value);
    }
  }
  return changed;
}

// `text` parsed, when it is a document whose rewriting cannot change its
// meaning: no object with a key twice (protobuf merges or refuses those;
// nlohmann keeps the last) and nesting no deeper than our resources go
// (nlohmann writes recursively); else null (parse is iterative).
std::optional<nlohmann::json> RewritableJson(absl::string_view text) {
  bool rewritable = true;
  std::vector<absl::flat_hash_set<std::string>> keys;  // of each open object
  nlohmann::json::parser_callback_t watch =
      [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using Event = nlohmann::json::parse_event_t;
        if (depth > 32) rewritable = false;
        if (event == Event::object_start) keys.emplace_back();
        if (event == Event::object_end && !keys.empty()) keys.pop_back();
        if (event == Event::key && !keys.empty() &&
            !keys.back().insert(parsed.get<std::string>()).second) {
          rewritable = false;
        }
        return true;
      };
  nlohmann::json json = nlohmann::json::parse(text, watch, /*allow_exceptions=*/false);
  if (json.is_discarded() || !rewritable) return std::nullopt;
  return json;
}

}  // namespace

absl::Status JsonToMessage(absl::string_view text, google::protobuf::Message& message) {
  auto parse = [&message](absl::string_view json) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    message.Clear();
    return google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &message, options);
  };
  // What protobuf takes as it is stays exactly as it was; only a document
  // it refuses is tried again with its enum values' full names.
  auto status = parse(text);
  if (!status.ok()) {
    if (std::optional<nlohmann::json> json = RewritableJson(text);
        json.has_value() && ExpandEnumNames(*message.GetDescriptor(), *json)) {
      status = parse(json->dump());
    }
  }
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::string_view(status.message().data(), status.message().size()));
}

}  // namespace samenspel::cli
