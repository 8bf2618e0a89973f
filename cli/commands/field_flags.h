// Command-line flags bound to proto fields by reflection: the writable fields
// of a resource (`experts create --skill woningbouw:4`), the filters of a
// List request (`experts list --theme wonen`) and the matching filters. Values
// are parsed as field_text.h describes.
//
// Example:
//   auto flags = std::make_shared<FieldFlags>(
//       *command, ResourceFlagSpecs(InfoFor(Kind::kExpert)), "Fields");
//   ... after parsing:
//   google::protobuf::FieldMask mask;
//   SAMENSPEL_RETURN_IF_ERROR(flags->Apply(expert, &mask));  // mask: the fields given
#ifndef SAMENSPEL_CLI_COMMANDS_FIELD_FLAGS_H_
#define SAMENSPEL_CLI_COMMANDS_FIELD_FLAGS_H_

#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cli/core/resource_kind.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace samenspel::cli {

struct FlagSpec {
  const google::protobuf::FieldDescriptor* field;
  // Without "--".
  std::string flag;
  std::string help;
};

// The flags of a resource's writable fields.
std::vector<FlagSpec> ResourceFlagSpecs(const KindInfo& info);
// The filter flags of a List*Request (its fields numbered 10 and up):
// `--organisation`, `--theme`, `--region` (region_code), ...
std::vector<FlagSpec> FilterFlagSpecs(const google::protobuf::Descriptor& list_request,
                                      absl::string_view collection);

// Not thread-safe; keep it alive until the command ran (CLI11 writes into
// it while parsing).
class FieldFlags {
 public:
  FieldFlags(CLI::App& command, std::vector<FlagSpec> specs, const std::string& group);

  // How many of the flags were given.
  int given_count() const;
  // True when the flag of `field` (a proto field name) was given.
  bool given(absl::string_view field) const;

  // Sets every given field on `message` (a repeated field gets exactly the
  // given values) and, when `mask` is not null, adds its path. A usage error
  // naming the flag for a value that does not parse, or for a flag of a
  // single-valued field given more than once.
  absl::Status Apply(google::protobuf::Message& message,
                     google::protobuf::FieldMask* mask) const;

 private:
  struct Flag {
    FlagSpec spec;
    CLI::Option* option = nullptr;
    // One per occurrence (a single-valued field's too: Apply refuses more
    // than one).
    std::vector<std::string> values;
    bool boolean = false;
    // The values given, as text: one per occurrence.
    std::vector<std::string> Texts() const;
  };
  // unique_ptr: CLI11 keeps pointers to the members.
  std::vector<std::unique_ptr<Flag>> flags_;
};

// A resource (or any message) from a JSON file in the canonical mapping; a
// usage error naming `flag` when it cannot be read or parsed.
absl::Status ReadJsonFile(const std::string& path, absl::string_view flag,
                          google::protobuf::Message& message);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_COMMANDS_FIELD_FLAGS_H_
