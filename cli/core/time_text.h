// Durations and points in time as the command line gives them: `--timeout
// 30s`, `--expires 90d`, `--expires 2027-03-01T00:00:00Z`, `--since 1h`.
//
//   duration   absl's form ("30s", "1.5h", "250ms", "1h30m") plus days and
//              weeks ("90d", "2w", "1d12h")
//   time       RFC 3339 ("2027-03-01T00:00:00Z", "2027-03-01T09:00:00+01:00"),
//              a date ("2027-03-01": midnight UTC), or a duration taken from
//              now: ahead for --expires, back for --since and --until
//
// Pure functions: `now` is passed in, so tests need no clock.
//
// Example:
//   absl::StatusOr<absl::Time> expires =
//       ParseTimeText("90d", absl::Now(), TimeDirection::kAhead);   // now + 90 days
//   absl::StatusOr<absl::Time> since =
//       ParseTimeText("1h", absl::Now(), TimeDirection::kBack);     // an hour ago
#ifndef SAMENSPEL_CLI_CORE_TIME_TEXT_H_
#define SAMENSPEL_CLI_CORE_TIME_TEXT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace samenspel::cli {

// A duration in the form above; INVALID_ARGUMENT (saying what is expected)
// otherwise. Plain numbers are not durations here: "90" could be seconds or
// days. Negative durations parse; callers decide what they accept.
absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text);

// Which way a duration given for a point in time counts from now.
enum class TimeDirection { kAhead, kBack };

// A point in time in the form above. INVALID_ARGUMENT for anything else, or
// for a duration that is not positive (say "90d", not "-90d").
absl::StatusOr<absl::Time> ParseTimeText(absl::string_view text, absl::Time now,
                                         TimeDirection direction);

// RFC 3339 in UTC to the second: "2027-03-01T00:00:00Z".
std::string FormatUtcTime(absl::Time time);

google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_TIME_TEXT_H_
