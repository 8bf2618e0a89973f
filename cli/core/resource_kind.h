// The four resource kinds the CLI manages, and per kind the fields a user may
// write: their proto field, command-line flag and CSV column. One table, so
// flags, CSV columns, update masks and help texts cannot drift apart.
//
// Example:
//   absl::StatusOr<Kind> kind = KindFromCollection("experts");
//   const KindInfo& info = InfoFor(*kind);
//   for (const FieldSpec& f : info.fields) AddFlag(f.flag, f.help);
//   std::string name = QualifiedName(info, "jan");  // "experts/jan"
#ifndef SAMENSPEL_CLI_CORE_RESOURCE_KIND_H_
#define SAMENSPEL_CLI_CORE_RESOURCE_KIND_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace samenspel::cli {

enum class Kind { kOrganisation, kExpert, kTeam, kChallenge };

// One writable field of a resource.
struct FieldSpec {
  // The proto field name; also the CSV column.
  absl::string_view field;
  // The command-line flag, without "--". Repeated fields take one value per
  // occurrence (`--skill a:3 --skill b:2`).
  absl::string_view flag;
  // Help text: what the value looks like.
  absl::string_view help;
};

struct KindInfo {
  Kind kind;
  // "experts": the command group, and the first part of resource names.
  absl::string_view collection;
  // "expert": the resource's field in requests, and the id field prefix
  // ("expert_id").
  absl::string_view singular;
  const google::protobuf::Descriptor* descriptor;
  // The fields a user may set, in CSV column order (after "id"). Every other
  // field is output only.
  std::vector<FieldSpec> fields;
  // The columns of `list` tables.
  std::vector<absl::string_view> table_columns;
};

const KindInfo& InfoFor(Kind kind);
// Every kind, in import order (organisations first: others refer to them).
const std::array<Kind, 4>& AllKinds();

// "experts" -> Kind::kExpert; NOT_FOUND for anything else.
absl::StatusOr<Kind> KindFromCollection(absl::string_view collection);

// A new, empty resource message of `kind`.
std::unique_ptr<google::protobuf::Message> NewResource(Kind kind);

// "jan" or "experts/jan" -> "experts/jan". Anything else with a '/' is
// returned unchanged (the service will reject it with a clear message).
std::string QualifiedName(const KindInfo& info, absl::string_view id_or_name);
// "experts/jan" -> "jan"; INVALID_ARGUMENT for a name of another kind.
absl::StatusOr<std::string> IdFromName(const KindInfo& info, absl::string_view name);

// The spec of `field` (a proto field name) of `info`, or nullptr when the
// field is output only or unknown.
const FieldSpec* FindFieldSpec(const KindInfo& info, absl::string_view field);

// Clears every field of `resource` that is not in `info.fields` (name, etag,
// revision, times, an expert's layer).
void ClearOutputOnlyFields(const KindInfo& info, google::protobuf::Message& resource);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_RESOURCE_KIND_H_
