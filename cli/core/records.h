// Reading and writing resources in the two bulk formats:
//
//   jsonl  one resource per line in protobuf's canonical JSON mapping (enum
//          values by name). Reading also accepts what `-o json` prints: a
//          JSON array of resources, or pretty-printed objects one after
//          another.
//   csv    a header row naming columns (any order, any subset) from
//          "id" + the kind's fields (resource_kind.h), then one row per
//          resource; values as field_text.h describes them.
//
// Output-only fields (name, etag, revision, times, an expert's layer) are
// written by `export` and ignored on reading; a JSON `name` gives the id.
//
// Example:
//   absl::StatusOr<std::unique_ptr<RecordReader>> reader =
//       NewRecordReader(Kind::kExpert, Format::kCsv, &file);
//   InputRecord record;
//   while ((*reader)->Next(&record)) {
//     if (!record.problems.empty()) Report(record);
//     else Create(*record.resource, record.id);
//   }
#ifndef SAMENSPEL_CLI_CORE_RECORDS_H_
#define SAMENSPEL_CLI_CORE_RECORDS_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/core/resource_kind.h"
#include "google/protobuf/message.h"

namespace samenspel::cli {

enum class Format { kJsonl, kCsv };

// "jsonl" (also "json", "ndjson") or "csv"; a usage error otherwise.
absl::StatusOr<Format> ParseFormat(absl::string_view text);
// From the file name's extension: .jsonl/.ndjson/.json or .csv; a usage
// error (asking for --format) otherwise.
absl::StatusOr<Format> FormatFromPath(absl::string_view path);
absl::string_view FormatName(Format format);

// What is wrong with one field of one input record.
struct FieldProblem {
  // A field path without the resource prefix ("skills[0].level"), a CSV
  // column, or empty for the record as a whole.
  std::string field;
  std::string reason;
};

struct InputRecord {
  // The 1-based line the record starts on.
  int line = 0;
  // The resource, output-only fields cleared; null when `problems` is set.
  std::unique_ptr<google::protobuf::Message> resource;
  // The id (from `name` or the "id" column); empty lets the registry choose.
  std::string id;
  // The fields the record gives (JSON keys, CSV cells not empty), by proto
  // field name, also those at their default (false, 0, ""): what an import
  // compares with a resource already there.
  std::vector<std::string> given;
  std::vector<FieldProblem> problems;
};

// Thread-compatible.
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // The next record, false at the end. A bad record comes back with
  // `problems` set; reading goes on after it.
  virtual bool Next(InputRecord* record) = 0;
  // Bytes consumed so far (for progress reports).
  virtual int64_t bytes_read() const = 0;
};

// A reader of `kind` records in `format` from `in` (which must outlive it).
// For CSV the header is read here: a usage error names unknown columns.
absl::StatusOr<std::unique_ptr<RecordReader>> NewRecordReader(Kind kind, Format format,
                                                              std::istream* in);

// Writes resources in `format`; for CSV the header is written on creation.
// Thread-compatible.
class RecordWriter {
 public:
  RecordWriter(Kind kind, Format format, std::ostream* out);
  void Write(const google::protobuf::Message& resource);

  // CSV only: what a reader of the file should know, one line each. First
  // every list item holding ';' (import would read two items: data lost on
  // the way back; JSON Lines keeps it), then cells a spreadsheet would run
  // as a formula (=, +, -, @, tab or CR first): the first 10, and how many
  // more.
  std::vector<std::string> warnings() const;

 private:
  const KindInfo& info_;
  const Format format_;
  std::ostream* out_;
  std::vector<std::string> split_items_;
  std::vector<std::string> formulas_;
  int64_t formula_count_ = 0;
};

// The canonical JSON of `message` on one line (enum names, lowerCamelCase
// field names, default values left out).
std::string CompactJson(const google::protobuf::Message& message);

// Splits a stream of JSON values (JSON Lines, concatenated objects, or one
// array of objects) into the objects' texts with their first line. Exposed
// for tests. Thread-compatible.
class JsonObjectReader {
 public:
  explicit JsonObjectReader(std::istream* in) : in_(in) {}
  // The next object; false at the end. On malformed input `error` is set and
  // `text` holds what was skipped; reading goes on where it can.
  bool Next(std::string* text, int* line, std::string* error);
  int64_t bytes_read() const { return bytes_read_; }

 private:
  enum class Mode { kUnknown, kLines, kDocument };
  bool ReadLine(std::string* line);
  bool NextInDocument(std::string* text, int* line, std::string* error);

  std::istream* in_;
  Mode mode_ = Mode::kUnknown;
  int line_number_ = 0;
  int64_t bytes_read_ = 0;
  // Document mode: the rest of the input and the position in it.
  std::string document_;
  size_t position_ = 0;
  int document_line_ = 0;
  bool in_array_ = false;
};

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_RECORDS_H_
