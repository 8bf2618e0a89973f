#include "common/log.h"

#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/stubs/logging.h"

namespace samenspel {
namespace {

ABSL_CONST_INIT absl::Mutex program_mu(absl::kConstInit);
std::string* program ABSL_GUARDED_BY(program_mu) = nullptr;

std::string Program() {
  absl::MutexLock lock(&program_mu);
  return program == nullptr ? "samenspel" : *program;
}

}  // namespace

void SetLogProgram(absl::string_view name) {
  absl::MutexLock lock(&program_mu);
  if (program == nullptr) {
    program = new std::string(name);  // for the process' lifetime
  } else {
    *program = std::string(name);
  }
}

std::string LogLineText(absl::Time time, absl::string_view program_name,
                        absl::string_view message) {
  const std::string prefix =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone()),
                   " ", program_name, ": ");
  std::string text;
  for (absl::string_view line : absl::StrSplit(message, '\n')) {
    absl::StrAppend(&text, prefix, line, "\n");
  }
  return text;
}

void LogLine(absl::string_view message) {
  const std::string line = LogLineText(absl::Now(), Program(), message);
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n =
        ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to
    written += static_cast<size_t>(n);
  }
}

namespace {

absl::Mutex protobuf_log_mu;
absl::Time protobuf_log_last ABSL_GUARDED_BY(protobuf_log_mu) = absl::InfinitePast();
int protobuf_log_skipped ABSL_GUARDED_BY(protobuf_log_mu) = 0;

void ProtobufLogHandler(google::protobuf::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  const absl::Time now = absl::Now();
  int skipped = 0;
  {
    absl::MutexLock lock(&protobuf_log_mu);
    if (now - protobuf_log_last < absl::Seconds(1)) {
      ++protobuf_log_skipped;
      return;
    }
    protobuf_log_last = now;
    skipped = std::exchange(protobuf_log_skipped, 0);
  }
  static constexpr const char* kLevels[] = {"INFO", "WARNING", "ERROR", "FATAL"};
  const char* name = level >= 0 && level <= 3 ? kLevels[level] : "?";
  LogLine(absl::StrCat("libprotobuf ", name, " ", filename, ":", line, ": ", message,
                       skipped > 0 ? absl::StrCat(" (and ", skipped,
                                                  " more messages of libprotobuf before "
                                                  "this one, not shown)")
                                   : ""));
}

}  // namespace

void RouteProtobufLogs() { google::protobuf::SetLogHandler(&ProtobufLogHandler); }

}  // namespace samenspel
