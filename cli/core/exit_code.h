// The exit codes of the samenspel CLI (a contract with scripts, documented in
// cli/README.md) and the one mapping from a status to them.
//
// Example:
//   absl::Status s = client.Delete(Kind::kExpert, "experts/jan", "");
//   return static_cast<int>(ExitCodeFor(s));  // 3 when it does not exist
#ifndef SAMENSPEL_CLI_CORE_EXIT_CODE_H_
#define SAMENSPEL_CLI_CORE_EXIT_CODE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace samenspel::cli {

enum class ExitCode : int {
  kOk = 0,
  // Anything not listed below (INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED, ...).
  kError = 1,
  // A bad command line: unknown command or flag, a bad flag value, an
  // unreadable or unparsable file given on it.
  kUsage = 2,
  kNotFound = 3,
  // ALREADY_EXISTS, ABORTED (etag mismatch), FAILED_PRECONDITION.
  kConflict = 4,
  // The service rejected the request: INVALID_ARGUMENT, OUT_OF_RANGE.
  kInvalidArgument = 5,
  // UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED (by the service: a stopping
  // one breaks off its calls): the service is down, unreachable or slow.
  kUnavailable = 6,
  // UNAUTHENTICATED, PERMISSION_DENIED.
  kPermission = 7,
  // An import finished but some records failed.
  kPartialImport = 8,
};

// The exit code for `status` (kOk when it is OK). A status made by
// UsageError() gives kUsage.
ExitCode ExitCodeFor(const absl::Status& status);

// INVALID_ARGUMENT marked as a problem of the command line itself (exit 2),
// not a rejection by a service (exit 5).
absl::Status UsageError(absl::string_view message);
bool IsUsageError(const absl::Status& status);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_EXIT_CODE_H_
