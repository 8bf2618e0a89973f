#include "common/log.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"

namespace samenspel {
namespace {

using ::testing::MatchesRegex;

TEST(LogTest, ALineHasTheTimeInUtcAndTheProgram) {
  const absl::Time time = absl::FromUnixMillis(1796087025678);  // 2026-12-01 01:03:45.678
  EXPECT_EQ(
      LogLineText(time, "samenspel-registry", "listening on 127.0.0.1:1 (port 1)"),
      "2026-12-01T01:03:45.678Z samenspel-registry: listening on 127.0.0.1:1 (port 1)\n");
  // Each line of a message carries both.
  EXPECT_EQ(LogLineText(time, "p", "one\ntwo"),
            "2026-12-01T01:03:45.678Z p: one\n2026-12-01T01:03:45.678Z p: two\n");
}

// Lines from many threads at once come out whole, one per line.
TEST(LogTest, LinesOfThreadsDoNotRunIntoEachOther) {
  SetLogProgram("log-test");
  testing::internal::CaptureStderr();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i)
        Log("thread %d line %d %s", t, i, std::string(200, 'x'));
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string out = testing::internal::GetCapturedStderr();
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 8u * 200u);
  for (const std::string& line : lines) {
    ASSERT_THAT(line,
                MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                             "\\.[0-9]{3}Z log-test: thread [0-7] line [0-9]+ x{200}"));
  }
}

// libprotobuf's messages (one per string that is not UTF-8 in a parsed
// request, before any credential is checked) come through LogLine, at most
// one a second.
TEST(LogTest, ProtobufMessagesAreLimitedToOneASecond) {
  RouteProtobufLogs();
  testing::internal::CaptureStderr();
  for (int i = 0; i < 100; ++i) {
    GOOGLE_LOG(ERROR) << "String field contains invalid UTF-8 data " << i;
  }
  absl::SleepFor(absl::Milliseconds(1100));
  GOOGLE_LOG(ERROR) << "String field contains invalid UTF-8 data, later";
  const std::string out = testing::internal::GetCapturedStderr();
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_THAT(lines[0], testing::HasSubstr("libprotobuf ERROR"));
  EXPECT_THAT(lines[0], testing::HasSubstr("invalid UTF-8 data 0"));
  EXPECT_THAT(lines[1], testing::HasSubstr("later (and 99 more"));
}

}  // namespace
}  // namespace samenspel
