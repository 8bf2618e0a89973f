// Log lines of the services, for their operators: on stderr, each with the
// time (UTC, to the millisecond) and the program's name, written with one
// write(2) (another only for what the kernel did not take), so that lines of
// different threads do not run into each other.
//
// Example:
//   SetLogProgram("samenspel-registry");  // first thing in main
//   Log("listening on %s (port %d)", address, port);
//   // 2026-12-01T01:23:45.678Z samenspel-registry: listening on 0.0.0.0:8443 (port 8443)
#ifndef SAMENSPEL_COMMON_LOG_H_
#define SAMENSPEL_COMMON_LOG_H_

#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace samenspel {

// The name every line carries ("samenspel" until set). Thread-safe.
void SetLogProgram(absl::string_view name);

// `message` (without a final newline) after the time and the name; each of
// its lines, when it has several, in one write.
void LogLine(absl::string_view message);

// One line, formatted as absl::StrFormat does.
template <typename... Args>
void Log(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(absl::StrFormat(format, args...));
}

// Routes libprotobuf's own messages through LogLine, at most one a second
// (and then how many more there were): it logs one for every string field
// that is not UTF-8 in a request it parses, which it parses before any
// credential is checked (a security review: 2,000 anonymous calls, 2,001
// lines). Call once, early in main.
void RouteProtobufLogs();

// What LogLine writes for `message` at `time`, final newline included.
std::string LogLineText(absl::Time time, absl::string_view program,
                        absl::string_view message);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_LOG_H_
