// Bulk import: records from a RecordReader into the registry, idempotently.
//
// - Experts with an id go through BatchCreateExperts (`batch_size` per call);
//   the others through their Create method, one by one, `parallelism` calls
//   at a time (records of one kind never refer to each other).
// - A bad record (it does not parse, or the registry rejects it with
//   INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND) is reported with its
//   line and field and counted as failed; the import goes on. When a batch is
//   rejected, the field violations `requests[i].expert.x` name the bad items;
//   they are reported and the rest of the batch is sent again.
// - Re-running an import creates nothing twice: every create carries a
//   request id derived from the record (RequestIdFor), so a retry within the
//   registry's replay window returns the first result; and ALREADY_EXISTS
//   for a record's id means "already imported". Both count as skipped: a
//   resource whose revision is not newer than the registry's revision at the
//   start was not created by this run.
// - Anything else (UNAVAILABLE, DEADLINE_EXCEEDED, PERMISSION_DENIED, ...)
//   stops the import; running it again resumes it.
//
// Example:
//   GrpcImportTarget target(&client);
//   ImportOptions options;
//   options.on_error = [](const LineError& e) { PrintError(e); };
//   ImportSummary summary = Import(Kind::kExpert, *reader, target, options);
#ifndef SAMENSPEL_CLI_CORE_IMPORTER_H_
#define SAMENSPEL_CLI_CORE_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cli/core/records.h"
#include "cli/core/resource_kind.h"
#include "google/protobuf/message.h"

namespace samenspel::cli {

// One record on its way to the registry.
struct ImportItem {
  int line = 0;
  // Empty: the registry chooses one.
  std::string id;
  std::string request_id;
  std::unique_ptr<google::protobuf::Message> resource;
  // The fields the record gives (InputRecord::given); empty: those set.
  std::vector<std::string> given;
};

// Where an import writes; implemented over gRPC by the CLI and by fakes in
// tests. Statuses follow the registry's contract (registry_service.proto).
class ImportTarget {
 public:
  virtual ~ImportTarget() = default;
  // The registry's current feed revision.
  virtual absl::StatusOr<int64_t> CurrentRevision(Kind kind) = 0;
  // Creates one resource; returns its revision. Called from several threads
  // at once.
  virtual absl::StatusOr<int64_t> Create(Kind kind, const ImportItem& item) = 0;
  // Creates all experts or none; returns their revisions in order.
  virtual absl::StatusOr<std::vector<int64_t>> BatchCreateExperts(
      absl::Span<const ImportItem* const> items) = 0;
  // The resource `id` as the registry has it now; UNIMPLEMENTED where the
  // target cannot say (a record that exists is then taken as the same).
  virtual absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Get(
      Kind kind, const std::string& id) {
    return absl::UnimplementedError("no Get");
  }
};

struct LineError {
  int line = 0;
  // As FieldProblem::field: "skills[0].level", a CSV column, or empty.
  std::string field;
  std::string reason;
};

struct ImportProgress {
  int64_t records = 0;  // Records read so far.
  int64_t bytes = 0;    // Input bytes read so far.
};

struct ImportOptions {
  // Experts per BatchCreateExperts call (the registry takes up to 1000), and
  // records per round of single creates.
  int batch_size = 500;
  // Single creates in flight at once.
  int parallelism = 8;
  // Called for every problem of every failed record, in line order (held
  // back while the batch they are part of is pending).
  std::function<void(const LineError&)> on_error;
  // Called after each record or batch is done.
  std::function<void(const ImportProgress&)> on_progress;
};

struct ImportSummary {
  int64_t read = 0;
  int64_t created = 0;
  int64_t skipped = 0;
  int64_t failed = 0;
  // Not OK when the import stopped early; records after the failing call
  // were not attempted.
  absl::Status stopped;
};

ImportSummary Import(Kind kind, RecordReader& reader, ImportTarget& target,
                     const ImportOptions& options);

// A stable request id for creating `resource` (output-only fields cleared)
// with `id`: the same record always gets the same one.
std::string RequestIdFor(Kind kind, absl::string_view id,
                         const google::protobuf::Message& resource);

// A field violation of a batch request, mapped to its item.
struct ItemViolation {
  // The index in `requests`, or -1 when the violation is not about one item.
  int index = -1;
  // The field within the item, without "requests[i]." and the resource
  // prefix: "skills[0].level", "id", "request_id".
  std::string field;
  std::string description;
};

// The google.rpc.BadRequest field violations of `status`, each mapped to the
// item it names (`requests[3].expert.email` -> {3, "email"}). `singular` is
// the resource's request field ("expert"). For a single create, the paths
// have no "requests[i]." and index is -1.
std::vector<ItemViolation> ItemViolations(const absl::Status& status,
                                          absl::string_view singular);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_IMPORTER_H_
