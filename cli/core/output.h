// How the CLI prints things: `-o table` (aligned columns and "field: value"
// blocks for people), `-o json` (one JSON document in the canonical mapping,
// default values included; a list is a JSON array) and `-o yaml` (the same
// document as YAML).
//
// Example:
//   Output out(OutputFormat::kJson, std::cout);
//   out.Resource(Kind::kExpert, expert);         // one JSON object
//   out.Resources(Kind::kExpert, {&a, &b});      // a JSON array
#ifndef SAMENSPEL_CLI_CORE_OUTPUT_H_
#define SAMENSPEL_CLI_CORE_OUTPUT_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/core/resource_kind.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace samenspel::cli {

enum class OutputFormat { kTable, kJson, kYaml };

// "table", "json" or "yaml"; a usage error otherwise.
absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view text);

// `message` in the canonical JSON mapping, fields with default values
// included (so scripts see a stable set of keys).
nlohmann::ordered_json ToJson(const google::protobuf::Message& message);

// `value` as JSON text, compact (indent -1) or indented. Text that is not
// valid UTF-8 (a file name, a cut error message) comes out with U+FFFD in
// place of the bad bytes instead of throwing: the CLI's every JSON goes
// through here, so a script always gets its document.
std::string DumpJson(const nlohmann::ordered_json& value, int indent = -1);

// `value` as pretty-printed JSON, or as YAML; ends in a newline.
std::string RenderJson(const nlohmann::ordered_json& value);
std::string RenderYaml(const nlohmann::ordered_json& value);

// `text` on one line: control characters (line breaks, a CR that would
// overwrite the line, terminal escape sequences, C1 controls) become spaces.
std::string OneLine(absl::string_view text);

// Aligned columns, headers first; control characters in cells become
// spaces, and cells wider than `max_width` columns are cut with "…". Widths
// are terminal columns (wcwidth): a combining mark or a zero-width character
// takes none, a CJK character two.
std::string RenderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows,
                        size_t max_width = 48);

// "field: value" lines for every field that is set, plus every writable
// scalar (so `consent_to_matching: false` shows). Control characters in
// values become spaces, as in tables: one field, one line.
std::string DescribeResource(Kind kind, const google::protobuf::Message& resource);
// "field: value" lines for every field of any message that is set, then the
// `extra` lines (computed values such as a token's state).
std::string DescribeMessage(const google::protobuf::Message& message,
                            std::vector<std::pair<std::string, std::string>> extra = {});

// A table of resources with the kind's list columns.
std::string ResourceTable(Kind kind,
                          const std::vector<const google::protobuf::Message*>& resources);

// Prints in one format to one stream. Thread-compatible.
class Output {
 public:
  Output(OutputFormat format, std::ostream& out) : format_(format), out_(out) {}

  OutputFormat format() const { return format_; }
  std::ostream& stream() { return out_; }

  void Resource(Kind kind, const google::protobuf::Message& resource);
  void Resources(Kind kind,
                 const std::vector<const google::protobuf::Message*>& resources);
  // A document for json/yaml; `table_text` as is for tables.
  void Document(const nlohmann::ordered_json& value, absl::string_view table_text);

 private:
  const OutputFormat format_;
  std::ostream& out_;
};

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_OUTPUT_H_
