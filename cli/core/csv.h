// CSV as RFC 4180 has it: fields separated by ',', a field quoted with '"'
// when it holds ',', '"', CR or LF, a quote inside quotes doubled. Reading
// also accepts CRLF line ends, a UTF-8 byte order mark (spreadsheets write
// one) and quotes inside unquoted fields (taken literally).
//
// Example:
//   CsvReader reader(&file);
//   CsvRecord record;
//   while (reader.Next(&record)) {
//     if (!record.error.empty()) Report(record.line, record.error);
//     else Use(record.fields);
//   }
//   out << CsvLine({"jan", "Jan, de \"expert\""});  // jan,"Jan, de ""expert"""\n
#ifndef SAMENSPEL_CLI_CORE_CSV_H_
#define SAMENSPEL_CLI_CORE_CSV_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace samenspel::cli {

struct CsvRecord {
  std::vector<std::string> fields;
  // The 1-based line the record starts on (a quoted field may span lines).
  int line = 0;
  // Non-empty when the record is malformed; `fields` is then incomplete.
  std::string error;
};

// Reads records one at a time; blank lines are skipped.
// Thread-compatible.
class CsvReader {
 public:
  explicit CsvReader(std::istream* in) : in_(in) {}

  // The next record; false at the end of the input. A malformed record (an
  // unterminated quote, text after a closing quote) comes back with `error`
  // set, and reading goes on after it.
  bool Next(CsvRecord* record);

  // Bytes consumed so far (for progress reports).
  int64_t bytes_read() const { return bytes_read_; }

 private:
  bool ReadLine(std::string* line);

  std::istream* in_;
  int line_number_ = 0;
  int64_t bytes_read_ = 0;
};

// `field` quoted when it needs to be.
std::string CsvEscape(absl::string_view field);
// One record: the fields escaped, joined with ',', ending in '\n'.
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_CSV_H_
