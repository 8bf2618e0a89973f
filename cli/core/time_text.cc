#include "cli/core/time_text.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace samenspel::cli {
namespace {

// The unit at the start of `text` (longest first, so "ms" is not "m"), and
// its length; zero when there is none.
absl::Duration UnitAt(absl::string_view text, size_t* length) {
  static const struct {
    absl::string_view name;
    absl::Duration unit;
  } kUnits[] = {
      {"ns", absl::Nanoseconds(1)},  {"us", absl::Microseconds(1)},
      {"ms", absl::Milliseconds(1)}, {"s", absl::Seconds(1)},
      {"m", absl::Minutes(1)},       {"h", absl::Hours(1)},
      {"d", absl::Hours(24)},        {"w", absl::Hours(24 * 7)},
  };
  for (const auto& u : kUnits) {
    if (absl::StartsWith(text, u.name)) {
      *length = u.name.size();
      return u.unit;
    }
  }
  *length = 0;
  return absl::ZeroDuration();
}

absl::Status NotADuration(absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is not a duration (say 90d, 2w, 12h, 30m or 1d12h)"));
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  bool negative = absl::ConsumePrefix(&rest, "-");
  if (!negative) absl::ConsumePrefix(&rest, "+");
  if (rest.empty()) return NotADuration(text);
  absl::Duration total;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() &&
           (absl::ascii_isdigit(static_cast<unsigned char>(rest[digits])) ||
            rest[digits] == '.')) {
      ++digits;
    }
    double amount;
    if (digits == 0 || !absl::SimpleAtod(rest.substr(0, digits), &amount)) {
      return NotADuration(text);
    }
    rest.remove_prefix(digits);
    size_t unit_length;
    const absl::Duration unit = UnitAt(rest, &unit_length);
    if (unit_length == 0) return NotADuration(text);
    rest.remove_prefix(unit_length);
    total += amount * unit;
  }
  return negative ? -total : total;
}

absl::StatusOr<absl::Time> ParseTimeText(absl::string_view text, absl::Time now,
                                         TimeDirection direction) {
  const std::string trimmed(absl::StripAsciiWhitespace(text));
  absl::Time time;
  std::string ignored;
  if (absl::ParseTime(absl::RFC3339_full, trimmed, &time, &ignored) ||
      absl::ParseTime("%Y-%m-%d", trimmed, absl::UTCTimeZone(), &time, &ignored)) {
    return time;
  }
  absl::StatusOr<absl::Duration> duration = ParseDurationText(trimmed);
  if (!duration.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text,
                     "' is neither a time (2027-03-01T00:00:00Z, 2027-03-01) nor a "
                     "duration (90d, 12h, 30m)"));
  }
  if (*duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': the duration must be positive"));
  }
  return direction == TimeDirection::kAhead ? now + *duration : now - *duration;
}

std::string FormatUtcTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t seconds = absl::ToUnixSeconds(time);
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return timestamp;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

}  // namespace samenspel::cli
