#include "cli/core/output.h"

#include <locale.h>
#include <wchar.h>

#include <algorithm>
#include <cwchar>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/core/exit_code.h"
#include "cli/core/field_text.h"
#include "common/utf8.h"
#include "google/protobuf/util/json_util.h"

namespace samenspel::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// One character of `text`'s start: its length in bytes and the terminal
// columns it takes (wcwidth: 0 for a combining mark or a zero-width
// character, 2 for an East Asian wide one). A byte that does not start
// UTF-8 is one column: a terminal shows a replacement character for it.
struct Char {
  size_t bytes;
  size_t columns;
};
Char FirstChar(absl::string_view text) {
  // mbrtowc and wcwidth read the thread's LC_CTYPE: C.UTF-8 here, whatever
  // the environment's locale (this thread only, and only for this call).
  static const locale_t kUtf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  const locale_t previous = uselocale(kUtf8);
  wchar_t wide;
  std::mbstate_t state{};
  const size_t bytes = std::mbrtowc(&wide, text.data(), text.size(), &state);
  const bool decoded = bytes != 0 && bytes <= text.size();
  const int columns = decoded ? wcwidth(wide) : 1;
  uselocale(previous);
  if (!decoded) return {1, 1};
  // A control character (left out of cells) or one wcwidth does not know.
  return {bytes, columns < 0 ? size_t{1} : static_cast<size_t>(columns)};
}

// The terminal columns `text` takes.
size_t Width(absl::string_view text) {
  size_t columns = 0;
  while (!text.empty()) {
    const Char c = FirstChar(text);
    columns += c.columns;
    text.remove_prefix(c.bytes);
  }
  return columns;
}

// See OneLine.
std::string LineOf(absl::string_view text) {
  std::string line;
  line.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      line.push_back(' ');
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      line.push_back(' ');  // U+0080..U+009F: the C1 controls
      ++i;
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
  return line;
}

// `text` on one line, cut to at most `max_width` columns: between two
// characters, and never between a character and its combining marks.
std::string Cell(absl::string_view text, size_t max_width) {
  std::string cell = LineOf(text);
  if (Width(cell) <= max_width) return cell;
  absl::string_view rest = cell;
  size_t columns = 0;
  while (!rest.empty()) {
    const Char c = FirstChar(rest);
    // Zero-width characters (combining marks) stay with the one before.
    if (columns + c.columns > max_width - 1) break;
    columns += c.columns;
    rest.remove_prefix(c.bytes);
  }
  return absl::StrCat(cell.substr(0, cell.size() - rest.size()), "…");
}

std::string ColumnLabel(absl::string_view field) {
  if (field == "available_hours_per_week") return "HOURS";
  if (field == "consent_to_matching") return "CONSENT";
  if (field == "owner_organisation") return "OWNER";
  if (field == "required_skills") return "SKILLS";
  if (field == "region_codes") return "REGIONS";
  return absl::AsciiStrToUpper(absl::StrReplaceAll(field, {{"_", " "}}));
}

// YAML plain scalars only for text that cannot be mistaken for anything
// else; everything else is JSON-quoted, which YAML reads the same way.
bool IsPlainYaml(absl::string_view text) {
  if (text.empty() || absl::ascii_isspace(static_cast<unsigned char>(text.front())) ||
      absl::ascii_isspace(static_cast<unsigned char>(text.back()))) {
    return false;
  }
  // Not UTF-8, or a control character: quoted, with the bad bytes replaced.
  if (Utf8Length(text) < 0) return false;
  const unsigned char first = static_cast<unsigned char>(text.front());
  if (!absl::ascii_isalpha(first) && first != '/' && first < 0x80) return false;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80 && !absl::ascii_isalnum(u) &&
        absl::string_view(" _./@-").find(c) == absl::string_view::npos) {
      return false;
    }
  }
  double ignored;
  const std::string lower = absl::AsciiStrToLower(text);
  for (absl::string_view word :
       {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}) {
    if (lower == word) return false;
  }
  return !absl::SimpleAtod(text, &ignored);
}

std::string YamlScalar(const nlohmann::ordered_json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    return IsPlainYaml(text) ? text : DumpJson(value);
  }
  if (value.is_object()) return "{}";
  if (value.is_array()) return "[]";
  return DumpJson(value);
}

bool IsNested(const nlohmann::ordered_json& value) {
  return (value.is_object() || value.is_array()) && !value.empty();
}

void EmitYaml(const nlohmann::ordered_json& value, size_t indent, std::string& out) {
  const std::string pad(indent, ' ');
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, item] : value.items()) {
      absl::StrAppend(&out, pad, YamlScalar(key), ":");
      if (IsNested(item)) {
        out.push_back('\n');
        EmitYaml(item, indent + 2, out);
      } else {
        absl::StrAppend(&out, " ", YamlScalar(item), "\n");
      }
    }
  } else if (value.is_array() && !value.empty()) {
    for (const auto& item : value) {
      if (item.is_object() && !item.empty()) {
        // The first key goes on the dash's line.
        std::string nested;
        EmitYaml(item, indent + 2, nested);
        absl::StrAppend(&out, pad, "- ", nested.substr(indent + 2));
      } else if (IsNested(item)) {
        absl::StrAppend(&out, pad, "-\n");
        EmitYaml(item, indent + 2, out);
      } else {
        absl::StrAppend(&out, pad, "- ", YamlScalar(item), "\n");
      }
    }
  } else {
    absl::StrAppend(&out, pad, YamlScalar(value), "\n");
  }
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "table") return OutputFormat::kTable;
  if (lower == "json") return OutputFormat::kJson;
  if (lower == "yaml") return OutputFormat::kYaml;
  return UsageError(
      absl::StrCat("unknown output format '", text, "': use table, json or yaml"));
}

nlohmann::ordered_json ToJson(const Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
    // Only a value JSON cannot show (a timestamp out of range) fails: the
    // message is shown as text rather than not at all.
    return nlohmann::ordered_json{{"unprintable", message.ShortDebugString()}};
  }
  return nlohmann::ordered_json::parse(text);
}

std::string DumpJson(const nlohmann::ordered_json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false,
                    nlohmann::ordered_json::error_handler_t::replace);
}

std::string RenderJson(const nlohmann::ordered_json& value) {
  return DumpJson(value, 2) + "\n";
}

std::string RenderYaml(const nlohmann::ordered_json& value) {
  std::string out;
  EmitYaml(value, 0, out);
  return out;
}

std::string RenderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows,
                        size_t max_width) {
  std::vector<std::vector<std::string>> cells = {headers};
  for (const auto& row : rows) {
    std::vector<std::string> cut;
    for (const std::string& text : row) cut.push_back(Cell(text, max_width));
    cells.push_back(std::move(cut));
  }
  std::vector<size_t> widths(headers.size(), 0);
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - Width(row[i]) + 2, ' ');
    }
    // No trailing blanks when the last cells are empty.
    absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(line), "\n");
  }
  return out;
}

namespace {

// "field: value" lines, values aligned, for the fields of `message` that are
// set and those `always` selects.
template <typename Always>
std::string DescribeFields(const Message& message, Always always,
                           std::vector<std::pair<std::string, std::string>> extra) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<std::pair<std::string, std::string>> lines;
  size_t width = 0;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const bool set = field->is_repeated() ? reflection->FieldSize(message, field) > 0
                                          : reflection->HasField(message, field);
    if (!set && !always(*field)) continue;
    lines.emplace_back(field->name(), LineOf(FieldText(message, *field, ", ")));
    width = std::max(width, field->name().size());
  }
  for (auto& [name, value] : extra) {
    width = std::max(width, name.size());
    lines.emplace_back(std::move(name), LineOf(value));
  }
  std::string out;
  for (const auto& [name, value] : lines) {
    absl::StrAppend(&out, name, ":", std::string(width - name.size() + 2, ' '), value,
                    "\n");
  }
  return out;
}

}  // namespace

std::string DescribeResource(Kind kind, const Message& resource) {
  const KindInfo& info = InfoFor(kind);
  return DescribeFields(resource,
                        [&info](const FieldDescriptor& field) {
                          return !field.is_repeated() &&
                                 field.cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
                                 FindFieldSpec(info, field.name()) != nullptr;
                        },
                        {});
}

std::string DescribeMessage(const Message& message,
                            std::vector<std::pair<std::string, std::string>> extra) {
  return DescribeFields(
      message, [](const FieldDescriptor&) { return false; }, std::move(extra));
}

std::string ResourceTable(Kind kind, const std::vector<const Message*>& resources) {
  const KindInfo& info = InfoFor(kind);
  std::vector<std::string> headers;
  std::vector<const FieldDescriptor*> fields;
  for (absl::string_view column : info.table_columns) {
    headers.push_back(ColumnLabel(column));
    fields.push_back(info.descriptor->FindFieldByName(std::string(column)));
  }
  std::vector<std::vector<std::string>> rows;
  for (const Message* resource : resources) {
    std::vector<std::string> row;
    for (const FieldDescriptor* field : fields) {
      row.push_back(FieldText(*resource, *field, ", "));
    }
    rows.push_back(std::move(row));
  }
  return RenderTable(headers, rows);
}

void Output::Document(const nlohmann::ordered_json& value, absl::string_view table_text) {
  switch (format_) {
    case OutputFormat::kJson:
      out_ << RenderJson(value);
      break;
    case OutputFormat::kYaml:
      out_ << RenderYaml(value);
      break;
    case OutputFormat::kTable:
      out_ << table_text;
      break;
  }
}

void Output::Resource(Kind kind, const Message& resource) {
  if (format_ == OutputFormat::kTable) {
    out_ << DescribeResource(kind, resource);
    return;
  }
  Document(ToJson(resource), "");
}

void Output::Resources(Kind kind, const std::vector<const Message*>& resources) {
  if (format_ == OutputFormat::kTable) {
    out_ << ResourceTable(kind, resources);
    return;
  }
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const Message* resource : resources) array.push_back(ToJson(*resource));
  Document(array, "");
}

std::string OneLine(absl::string_view text) { return LineOf(text); }

}  // namespace samenspel::cli
