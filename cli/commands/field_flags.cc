#include "cli/commands/field_flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "cli/commands/command_context.h"
#include "cli/core/exit_code.h"
#include "cli/core/field_text.h"
#include "google/protobuf/util/json_util.h"

namespace samenspel::cli {
namespace {

using google::protobuf::FieldDescriptor;

// ", one of NATIONAL, PROVINCIAL, ..." for enum fields.
std::string EnumHint(const FieldDescriptor& field) {
  if (field.enum_type() == nullptr) return "";
  std::vector<std::string> names;
  for (int i = 0; i < field.enum_type()->value_count(); ++i) {
    if (field.enum_type()->value(i)->number() != 0) {
      names.push_back(EnumShortName(*field.enum_type()->value(i)));
    }
  }
  return absl::StrCat(": ", absl::StrJoin(names, ", "));
}

}  // namespace

std::vector<FlagSpec> ResourceFlagSpecs(const KindInfo& info) {
  std::vector<FlagSpec> specs;
  for (const FieldSpec& f : info.fields) {
    specs.push_back({info.descriptor->FindFieldByName(std::string(f.field)),
                     std::string(f.flag), std::string(f.help)});
  }
  return specs;
}

std::vector<FlagSpec> FilterFlagSpecs(const google::protobuf::Descriptor& list_request,
                                      absl::string_view collection) {
  std::vector<FlagSpec> specs;
  for (int i = 0; i < list_request.field_count(); ++i) {
    const FieldDescriptor* field = list_request.field(i);
    if (field->number() < 10) continue;  // page_size, page_token
    const std::string flag = field->name() == "region_code"
                                 ? "region"
                                 : absl::StrReplaceAll(field->name(), {{"_", "-"}});
    specs.push_back({field, flag,
                     absl::StrCat("Only ", collection, " with this ",
                                  absl::StrReplaceAll(field->name(), {{"_", " "}}),
                                  EnumHint(*field))});
  }
  return specs;
}

FieldFlags::FieldFlags(CLI::App& command, std::vector<FlagSpec> specs,
                       const std::string& group) {
  for (FlagSpec& spec : specs) {
    auto flag = std::make_unique<Flag>();
    flag->spec = std::move(spec);
    const std::string name = absl::StrCat("--", flag->spec.flag);
    const FieldDescriptor& field = *flag->spec.field;
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL && !field.is_repeated()) {
      flag->option = command.add_flag(absl::StrCat(name, ",!--no-", flag->spec.flag),
                                      flag->boolean, flag->spec.help);
    } else {
      // Every occurrence, one value each; a single-valued flag given twice is
      // refused in Apply() in our words (CLI11 says "At Most 1 required but
      // received 2").
      flag->option = command.add_option(name, flag->values, flag->spec.help)
                         ->allow_extra_args(false)
                         ->take_all();
      // "TEXT", not "TEXT ...", in --help.
      if (!field.is_repeated()) flag->option->expected(1);
    }
    flag->option->group(group);
    flags_.push_back(std::move(flag));
  }
}

std::vector<std::string> FieldFlags::Flag::Texts() const {
  if (!spec.field->is_repeated() &&
      spec.field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
    return {boolean ? "true" : "false"};
  }
  return values;
}

int FieldFlags::given_count() const {
  int count = 0;
  for (const auto& flag : flags_) count += flag->option->count() > 0 ? 1 : 0;
  return count;
}

bool FieldFlags::given(absl::string_view field) const {
  for (const auto& flag : flags_) {
    if (flag->spec.field->name() == field) return flag->option->count() > 0;
  }
  return false;
}

absl::Status FieldFlags::Apply(google::protobuf::Message& message,
                               google::protobuf::FieldMask* mask) const {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (const auto& flag : flags_) {
    if (flag->option->count() == 0) continue;
    const FieldDescriptor& field = *flag->spec.field;
    const std::vector<std::string> texts = flag->Texts();
    // A yes/no flag holds the last of --x and --no-x: "--consent
    // --no-consent" set consent to false without a word (a CLI review).
    if (!field.is_repeated() && field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL &&
        flag->option->count() > 1) {
      return UsageError(absl::StrCat("--", flag->spec.flag, " or --no-", flag->spec.flag,
                                     " given ", flag->option->count(),
                                     " times; give one of them once"));
    }
    if (!field.is_repeated() && texts.size() > 1) {
      return UsageError(
          absl::StrCat("--", flag->spec.flag, " given ",
                       texts.size() == 2 ? "twice" : absl::StrCat(texts.size(), " times"),
                       "; give it once"));
    }
    // A skill filter is a name: "--skill woningbouw:4", the NAME:LEVEL of
    // create and update, listed nothing (a CLI review).
    if (field.name() == "skill" && field.type() == FieldDescriptor::TYPE_STRING &&
        texts.size() == 1) {
      const absl::string_view text = absl::StripTrailingAsciiWhitespace(texts[0]);
      const size_t colon = text.rfind(':');
      int level;
      if (colon != absl::string_view::npos && colon > 0 &&
          absl::SimpleAtoi(text.substr(colon + 1), &level) && level >= 0 && level <= 5) {
        return UsageError(absl::StrCat(
            "--", flag->spec.flag, " filters by a skill's name alone (--",
            flag->spec.flag, " '", absl::StripAsciiWhitespace(text.substr(0, colon)),
            "'): lists cannot filter by level"));
      }
    }
    reflection->ClearField(&message, &field);
    for (const std::string& text : texts) {
      absl::Status status = AppendFieldText(message, field, text);
      if (!status.ok()) {
        return UsageError(absl::StrCat("--", flag->spec.flag, ": ", status.message()));
      }
    }
    if (mask != nullptr) mask->add_paths(field.name());
  }
  return absl::OkStatus();
}

absl::Status ReadJsonFile(const std::string& path, absl::string_view flag,
                          google::protobuf::Message& message) {
  absl::StatusOr<std::string> text = ReadFlagFile(path, flag);
  if (!text.ok()) return text.status();
  const absl::Status status = JsonToMessage(*text, message);
  if (!status.ok()) {
    // "an Expert", "a TaskTeam".
    const std::string& type = message.GetDescriptor()->name();
    const bool vowel =
        absl::string_view("AEIOU").find(type.front()) != absl::string_view::npos;
    return UsageError(absl::StrCat(flag, ": ", path, " is not ", vowel ? "an " : "a ",
                                   type, " in JSON: ", status.message()));
  }
  return absl::OkStatus();
}

}  // namespace samenspel::cli
