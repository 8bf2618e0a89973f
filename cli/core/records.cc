#include "cli/core/records.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/core/csv.h"
#include "cli/core/exit_code.h"
#include "cli/core/field_text.h"
#include "common/utf8.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace samenspel::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// At most the first `max_bytes` of `text`, never ending inside a UTF-8
// character (the text goes into messages and -o json).
absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

// The depth of {}/[] nesting at the end of `text`, skipping strings.
int NestingDepth(absl::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return depth;
}

// Fills `record` from a parsed resource: id from `name`, output-only cleared.
void Finish(const KindInfo& info, std::unique_ptr<Message> resource,
            InputRecord* record) {
  const FieldDescriptor* name_field = info.descriptor->FindFieldByName("name");
  const std::string name = resource->GetReflection()->GetString(*resource, name_field);
  if (!name.empty()) {
    absl::StatusOr<std::string> id = IdFromName(info, name);
    if (!id.ok()) {
      record->problems.push_back({"name", std::string(id.status().message())});
      return;
    }
    record->id = *id;
  }
  ClearOutputOnlyFields(info, *resource);
  record->resource = std::move(resource);
}

class JsonRecordReader : public RecordReader {
 public:
  JsonRecordReader(Kind kind, std::istream* in) : info_(InfoFor(kind)), objects_(in) {}

  bool Next(InputRecord* record) override {
    std::string text;
    std::string error;
    *record = InputRecord();
    if (!objects_.Next(&text, &record->line, &error)) return false;
    if (!error.empty()) {
      record->problems.push_back({"", error});
      return true;
    }
    std::unique_ptr<Message> resource = NewResource(info_.kind);
    const absl::Status status = JsonToMessage(text, *resource);
    if (!status.ok()) {
      // The parser's message may quote the input over several lines: keep
      // the first.
      absl::string_view message(status.message().data(), status.message().size());
      message = message.substr(0, message.find('\n'));
      // A field's problem ("(layer): invalid value ..."): reported as the
      // field's, as validation reports them ("layer: ...").
      std::string field;
      if (absl::StartsWith(message, "(")) {
        if (const size_t end = message.find("): "); end != absl::string_view::npos) {
          field = std::string(message.substr(1, end - 1));
          message.remove_prefix(end + 3);
        }
      }
      record->problems.push_back(
          {field,
           field.empty()
               ? absl::StrCat("not a valid ", info_.singular, " in JSON: ", message)
               : absl::StrCat(message, " (not a valid ", info_.singular, " in JSON)")});
      return true;
    }
    Finish(info_, std::move(resource), record);
    const nlohmann::json object = nlohmann::json::parse(text, nullptr, false);
    if (object.is_object()) {
      for (const auto& [key, value] : object.items()) {
        if (value.is_null()) continue;
        const FieldDescriptor* field = info_.descriptor->FindFieldByName(key);
        if (field == nullptr) field = info_.descriptor->FindFieldByCamelcaseName(key);
        if (field != nullptr) record->given.push_back(field->name());
      }
    }
    return true;
  }

  int64_t bytes_read() const override { return objects_.bytes_read(); }

 private:
  const KindInfo& info_;
  JsonObjectReader objects_;
};

class CsvRecordReader : public RecordReader {
 public:
  CsvRecordReader(Kind kind, std::istream* in) : info_(InfoFor(kind)), csv_(in) {}

  // Reads the header: NOT_FOUND when the input is empty, a usage error for
  // unknown or repeated columns.
  absl::Status ReadHeader() {
    CsvRecord header;
    if (!csv_.Next(&header)) return UsageError("the CSV file is empty (no header row)");
    if (!header.error.empty()) {
      return UsageError(
          absl::StrCat("CSV header (line ", header.line, "): ", header.error));
    }
    if (header.fields.size() == 1 && absl::StrContains(header.fields[0], ';')) {
      // Dutch spreadsheets save "CSV" with ';' between the columns; lists
      // inside a cell are ';'-separated here, so ',' must part the columns.
      return UsageError(absl::StrCat(
          "CSV header (line ", header.line,
          "): the columns are separated by ';', not ','; save the file as \"CSV UTF-8 "
          "(comma-delimited)\" (lists inside a cell are separated by ';')"));
    }
    std::vector<std::string> unknown;
    std::map<std::string, int> seen;
    for (const std::string& raw : header.fields) {
      // "ID" and "Display_Name" are the columns id and display_name.
      const std::string column = absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
      if (column != "id" && FindFieldSpec(info_, column) == nullptr)
        unknown.push_back(column);
      if (!seen.emplace(column, 0).second) {
        return UsageError(
            absl::StrCat("CSV header: column '", column, "' appears twice"));
      }
      columns_.push_back(column);
    }
    if (!unknown.empty()) {
      std::vector<std::string> known = {"id"};
      for (const FieldSpec& f : info_.fields) known.emplace_back(f.field);
      return UsageError(absl::StrCat("CSV header: unknown column(s) ",
                                     absl::StrJoin(unknown, ", "), "; ", info_.collection,
                                     " columns are ", absl::StrJoin(known, ",")));
    }
    return absl::OkStatus();
  }

  bool Next(InputRecord* record) override {
    CsvRecord row;
    *record = InputRecord();
    if (!csv_.Next(&row)) return false;
    record->line = row.line;
    if (!row.error.empty()) {
      record->problems.push_back({"", row.error});
      return true;
    }
    if (row.fields.size() != columns_.size()) {
      record->problems.push_back(
          {"", absl::StrCat(row.fields.size(), " fields where the header has ",
                            columns_.size(), " (quote values that contain commas)")});
      return true;
    }
    std::unique_ptr<Message> resource = NewResource(info_.kind);
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i] == "id") {
        record->id = std::string(absl::StripAsciiWhitespace(row.fields[i]));
        continue;
      }
      if (Utf8Length(row.fields[i]) < 0) {
        // A file saved in another encoding (Windows-1252 from a spreadsheet,
        // say): the registry could not even parse the request.
        record->problems.push_back(
            {columns_[i],
             "not UTF-8 text, or holds a control character (save the file as UTF-8)"});
        continue;
      }
      const FieldDescriptor* field = info_.descriptor->FindFieldByName(columns_[i]);
      if (!absl::StripAsciiWhitespace(row.fields[i]).empty()) {
        record->given.push_back(columns_[i]);
      }
      absl::Status status = SetFieldFromCell(*resource, *field, row.fields[i]);
      if (!status.ok()) {
        record->problems.push_back({columns_[i], std::string(status.message())});
      }
    }
    if (record->problems.empty()) record->resource = std::move(resource);
    return true;
  }

  int64_t bytes_read() const override { return csv_.bytes_read(); }

 private:
  const KindInfo& info_;
  CsvReader csv_;
  std::vector<std::string> columns_;
};

}  // namespace

absl::StatusOr<Format> ParseFormat(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "jsonl" || lower == "json" || lower == "ndjson") return Format::kJsonl;
  if (lower == "csv") return Format::kCsv;
  return UsageError(absl::StrCat("unknown format '", text, "': use jsonl or csv"));
}

absl::StatusOr<Format> FormatFromPath(absl::string_view path) {
  const std::string lower = absl::AsciiStrToLower(path);
  for (absl::string_view ext : {".jsonl", ".ndjson", ".json"}) {
    if (absl::EndsWith(lower, ext)) return Format::kJsonl;
  }
  if (absl::EndsWith(lower, ".csv")) return Format::kCsv;
  return UsageError(
      absl::StrCat("cannot tell the format of '", path,
                   "' from its extension: add --format jsonl or --format csv"));
}

absl::string_view FormatName(Format format) {
  return format == Format::kCsv ? "csv" : "jsonl";
}

absl::StatusOr<std::unique_ptr<RecordReader>> NewRecordReader(Kind kind, Format format,
                                                              std::istream* in) {
  if (format == Format::kJsonl) return std::make_unique<JsonRecordReader>(kind, in);
  auto reader = std::make_unique<CsvRecordReader>(kind, in);
  absl::Status header = reader->ReadHeader();
  if (!header.ok()) return header;
  return reader;
}

std::string CompactJson(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

RecordWriter::RecordWriter(Kind kind, Format format, std::ostream* out)
    : info_(InfoFor(kind)), format_(format), out_(out) {
  if (format_ != Format::kCsv) return;
  std::vector<std::string> header = {"id"};
  for (const FieldSpec& f : info_.fields) header.emplace_back(f.field);
  *out_ << CsvLine(header);
}

void RecordWriter::Write(const Message& resource) {
  if (format_ == Format::kJsonl) {
    *out_ << CompactJson(resource) << '\n';
    return;
  }
  const std::string name = resource.GetReflection()->GetString(
      resource, info_.descriptor->FindFieldByName("name"));
  absl::StatusOr<std::string> id = IdFromName(info_, name);
  std::vector<std::string> row = {id.ok() ? *id : name};
  for (const FieldSpec& f : info_.fields) {
    const google::protobuf::FieldDescriptor& field =
        *info_.descriptor->FindFieldByName(std::string(f.field));
    row.push_back(FieldText(resource, field, ";"));
    const absl::string_view cell = row.back();
    if (field.is_repeated() && absl::StrContains(cell, ';')) {
      const std::string items = FieldText(resource, field, "\x1f");
      for (absl::string_view item : absl::StrSplit(items, '\x1f')) {
        if (absl::StrContains(item, ';')) {
          split_items_.push_back(absl::StrCat(name, ": ", f.field, " item '", item,
                                              "' holds ';', which import reads as two "
                                              "items (use --format jsonl to keep it)"));
        }
      }
    }
    double number;
    if (!cell.empty() &&
        absl::string_view("=+-@\t\r").find(cell.front()) != absl::string_view::npos &&
        !absl::SimpleAtod(cell, &number)) {
      if (++formula_count_ <= 10) {
        formulas_.push_back(absl::StrCat(
            name, ": ", f.field, " starts with ",
            cell.front() == '\t'   ? "a tab"
            : cell.front() == '\r' ? "a CR"
                                   : absl::StrCat("'", cell.substr(0, 1), "'"),
            ": a spreadsheet may run it as a formula; open the file as text"));
      }
    }
  }
  *out_ << CsvLine(row);
}

std::vector<std::string> RecordWriter::warnings() const {
  std::vector<std::string> all = split_items_;
  all.insert(all.end(), formulas_.begin(), formulas_.end());
  if (formula_count_ > static_cast<int64_t>(formulas_.size())) {
    all.push_back(absl::StrCat(formula_count_ - formulas_.size(),
                               " more cells start with =, +, -, @, a tab or a CR"));
  }
  return all;
}

bool JsonObjectReader::ReadLine(std::string* line) {
  if (!std::getline(*in_, *line)) return false;
  bytes_read_ += static_cast<int64_t>(line->size()) + (in_->eof() ? 0 : 1);
  ++line_number_;
  if (line_number_ == 1 && absl::StartsWith(*line, "\xEF\xBB\xBF")) line->erase(0, 3);
  return true;
}

bool JsonObjectReader::Next(std::string* text, int* line, std::string* error) {
  error->clear();
  if (mode_ == Mode::kDocument) return NextInDocument(text, line, error);
  std::string current;
  do {
    if (!ReadLine(&current)) return false;
  } while (absl::StripAsciiWhitespace(current).empty());
  const absl::string_view trimmed = absl::StripAsciiWhitespace(current);
  if (mode_ == Mode::kUnknown) {
    // One complete object on the first line: JSON Lines, each line on its own
    // (so one broken line cannot swallow the next). Otherwise a document.
    const bool complete_line = trimmed.front() == '{' && NestingDepth(trimmed) == 0;
    if (trimmed.front() == '[' || (trimmed.front() == '{' && !complete_line)) {
      mode_ = Mode::kDocument;
      document_line_ = line_number_;
      document_ = current + "\n";
      document_.append(std::istreambuf_iterator<char>(*in_), {});
      bytes_read_ += static_cast<int64_t>(document_.size() - current.size() - 1);
      return NextInDocument(text, line, error);
    }
    mode_ = Mode::kLines;
  }
  *text = std::string(trimmed);
  *line = line_number_;
  return true;
}

bool JsonObjectReader::NextInDocument(std::string* text, int* line, std::string* error) {
  auto advance = [this] {
    if (document_[position_++] == '\n') ++document_line_;
  };
  for (;;) {
    while (position_ < document_.size() &&
           (absl::ascii_isspace(static_cast<unsigned char>(document_[position_])) ||
            (in_array_ && document_[position_] == ','))) {
      advance();
    }
    if (position_ == document_.size()) return false;
    const char c = document_[position_];
    if (c == '[' && !in_array_) {
      in_array_ = true;
      advance();
      continue;
    }
    if (c == ']' && in_array_) {
      in_array_ = false;
      advance();
      continue;
    }
    *line = document_line_;
    const size_t start = position_;
    if (c != '{') {
      // Skip the rest of this line and report it.
      while (position_ < document_.size() && document_[position_] != '\n') advance();
      *text = document_.substr(start, position_ - start);
      *error = absl::StrCat("expected a JSON object here, found '", Utf8Prefix(*text, 20),
                            "'");
      return true;
    }
    int depth = 0;
    bool in_string = false;
    bool next_record = false;
    // Whether the object's first line holds more than its '{' (as a JSON
    // Lines record does, and a pretty-printed object does not), and the last
    // character outside strings and whitespace.
    bool first_line = true, first_line_content = false;
    char last = 0;
    do {
      const char d = document_[position_];
      if (d == '\n' && depth > 0 && position_ + 1 < document_.size() &&
          document_[position_ + 1] == '{' &&
          (first_line_content || in_string ||
           (last != '[' && last != ',' && last != ':' && last != '{'))) {
        // A '{' at the start of a line inside an object where no value may
        // start (after a JSON Lines record's line, in an unclosed string, or
        // after a value without its ','): the next record. This one is broken; the next
        // is read on its own instead of being swallowed. (A nested object may start a
        // line, in a document printed without indentation: after '[', ','
        // or ':'.)
        next_record = true;
        break;
      }
      if (d == '\n') {
        in_string = false;  // a JSON string holds no raw line break
        first_line = false;
      } else if (first_line && position_ > start &&
                 !absl::ascii_isspace(static_cast<unsigned char>(d))) {
        first_line_content = true;
      }
      if (in_string) {
        if (d == '\\' && position_ + 1 < document_.size()) {
          advance();
        } else if (d == '"') {
          in_string = false;
        }
      } else if (d == '"') {
        in_string = true;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        --depth;
      }
      if (!in_string && !absl::ascii_isspace(static_cast<unsigned char>(d))) last = d;
      advance();
    } while (depth > 0 && position_ < document_.size());
    *text = document_.substr(start, position_ - start);
    if (next_record) {
      *error = absl::StrCat("this JSON object is not closed before line ",
                            document_line_ + 1, ", which starts the next one");
    } else if (depth > 0) {
      *error = "this JSON object is not closed before the end of the input";
    }
    return true;
  }
}

}  // namespace samenspel::cli
