// Durations and times from the command line (--timeout, --expires, --since).
#include "cli/core/time_text.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samenspel::cli {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);  // 2026-11-18T...Z

absl::Duration Duration(absl::string_view text) {
  absl::StatusOr<absl::Duration> d = ParseDurationText(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status();
  return d.value_or(absl::ZeroDuration());
}

TEST(ParseDurationTextTest, DaysWeeksAndAbslUnits) {
  EXPECT_EQ(Duration("90d"), absl::Hours(24 * 90));
  EXPECT_EQ(Duration("2w"), absl::Hours(24 * 14));
  EXPECT_EQ(Duration("1d12h"), absl::Hours(36));
  EXPECT_EQ(Duration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(Duration("1.5h"), absl::Minutes(90));
  EXPECT_EQ(Duration("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(Duration("30s"), absl::Seconds(30));
  EXPECT_EQ(Duration(" 7d "), absl::Hours(24 * 7));
  EXPECT_EQ(Duration("-1h"), -absl::Hours(1));
}

TEST(ParseDurationTextTest, RejectsPlainNumbersAndUnknownUnits) {
  for (absl::string_view bad :
       {"", "90", "d", "90x", "90 d", "1h30", "h1", "1.2.3h", "2027-03-01", "-"}) {
    absl::StatusOr<absl::Duration> d = ParseDurationText(bad);
    EXPECT_FALSE(d.ok()) << "'" << bad << "' parsed as " << *d;
    if (!d.ok()) {
      EXPECT_THAT(d.status().message(), HasSubstr("90d"));
    }
  }
}

TEST(ParseTimeTextTest, DurationsCountFromNowInTheGivenDirection) {
  EXPECT_EQ(*ParseTimeText("90d", kNow, TimeDirection::kAhead), kNow + absl::Hours(2160));
  EXPECT_EQ(*ParseTimeText("1h", kNow, TimeDirection::kBack), kNow - absl::Hours(1));
}

TEST(ParseTimeTextTest, Rfc3339AndDates) {
  const absl::Time march =
      absl::FromCivil(absl::CivilSecond(2027, 3, 1, 0, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(*ParseTimeText("2027-03-01T00:00:00Z", kNow, TimeDirection::kAhead), march);
  EXPECT_EQ(*ParseTimeText("2027-03-01T01:00:00+01:00", kNow, TimeDirection::kAhead),
            march);
  EXPECT_EQ(*ParseTimeText("2027-03-01", kNow, TimeDirection::kBack), march);
  EXPECT_EQ(*ParseTimeText("2027-03-01T00:00:00.5Z", kNow, TimeDirection::kAhead),
            march + absl::Milliseconds(500));
  // A time is a time whichever way durations count (the caller checks
  // whether it is in the future).
  EXPECT_EQ(*ParseTimeText("2020-01-01T00:00:00Z", kNow, TimeDirection::kAhead),
            absl::FromCivil(absl::CivilDay(2020, 1, 1), absl::UTCTimeZone()));
}

TEST(ParseTimeTextTest, RejectsNonPositiveDurationsAndNonsense) {
  for (absl::string_view bad :
       {"-90d", "0d", "tomorrow", "2027-13-01", "01-03-2027", ""}) {
    absl::StatusOr<absl::Time> t = ParseTimeText(bad, kNow, TimeDirection::kAhead);
    EXPECT_FALSE(t.ok()) << "'" << bad << "' parsed";
  }
  EXPECT_THAT(ParseTimeText("tomorrow", kNow, TimeDirection::kAhead).status().message(),
              HasSubstr("2027-03-01T00:00:00Z"));
  EXPECT_THAT(ParseTimeText("-1h", kNow, TimeDirection::kBack).status().message(),
              HasSubstr("positive"));
}

TEST(TimeTextTest, FormatAndTimestampRoundTrip) {
  const absl::Time t =
      absl::FromCivil(absl::CivilSecond(2027, 3, 1, 9, 30, 5), absl::UTCTimeZone()) +
      absl::Milliseconds(250);
  EXPECT_EQ(FormatUtcTime(t), "2027-03-01T09:30:05Z");
  const google::protobuf::Timestamp ts = ToTimestamp(t);
  EXPECT_EQ(ts.nanos(), 250000000);
  EXPECT_EQ(FromTimestamp(ts), t);
  // Before 1970: nanos stay in [0, 1e9).
  const absl::Time early = absl::FromUnixSeconds(-10) + absl::Milliseconds(100);
  EXPECT_EQ(ToTimestamp(early).seconds(), -10);
  EXPECT_EQ(ToTimestamp(early).nanos(), 100000000);
  EXPECT_EQ(FromTimestamp(ToTimestamp(early)), early);
}

}  // namespace
}  // namespace samenspel::cli
