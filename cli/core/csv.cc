#include "cli/core/csv.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace samenspel::cli {

bool CsvReader::ReadLine(std::string* line) {
  if (!std::getline(*in_, *line)) return false;
  bytes_read_ += static_cast<int64_t>(line->size()) + (in_->eof() ? 0 : 1);
  ++line_number_;
  if (line_number_ == 1 && absl::StartsWith(*line, "\xEF\xBB\xBF")) line->erase(0, 3);
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

bool CsvReader::Next(CsvRecord* record) {
  std::string line;
  do {
    if (!ReadLine(&line)) return false;
  } while (absl::StripAsciiWhitespace(line).empty());
  record->fields.clear();
  record->error.clear();
  record->line = line_number_;

  std::string field;
  bool quoted = false;       // Inside a quoted field.
  bool after_quote = false;  // Just after the closing quote of a field.
  size_t i = 0;
  for (;;) {
    if (i == line.size()) {
      if (!quoted) break;
      // A quoted field holds a line break: continue on the next line.
      if (!ReadLine(&line)) {
        record->error = "a quoted field is not closed (missing '\"')";
        record->fields.push_back(std::move(field));
        return true;
      }
      field.push_back('\n');
      i = 0;
      continue;
    }
    const char c = line[i++];
    if (quoted) {
      if (c != '"') {
        field.push_back(c);
      } else if (i < line.size() && line[i] == '"') {
        field.push_back('"');
        ++i;
      } else {
        quoted = false;
        after_quote = true;
      }
    } else if (c == ',') {
      record->fields.push_back(std::move(field));
      field.clear();
      after_quote = false;
    } else if (after_quote) {
      record->error =
          absl::StrCat("text after a closing quote in field ", record->fields.size() + 1,
                       " (a quote inside a quoted field is written \"\")");
      break;
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else {
      field.push_back(c);
    }
  }
  record->fields.push_back(std::move(field));
  return true;
}

std::string CsvEscape(absl::string_view field) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) {
    return std::string(field);
  }
  return absl::StrCat("\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    absl::StrAppend(&line, i ? "," : "", CsvEscape(fields[i]));
  }
  line.push_back('\n');
  return line;
}

}  // namespace samenspel::cli
