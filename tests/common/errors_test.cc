#include "common/errors.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samenspel {
namespace {

// A log line names an error's code, message and reason, not the bytes of
// its details (absl::Status::ToString printed a serialized ErrorInfo into
// the matching service's log).
TEST(StatusTextTest, NamesCodeMessageAndReasonWithoutDetailBytes) {
  const absl::Status status =
      WithReason(absl::UnavailableError("redis is not serving"), "REDIS_UNAVAILABLE");
  ASSERT_NE(status.ToString().find("ErrorInfo"), std::string::npos);  // what it replaces
  EXPECT_EQ(StatusText(status), "UNAVAILABLE: redis is not serving [REDIS_UNAVAILABLE]");
  EXPECT_EQ(StatusText(absl::NotFoundError("no such expert")),
            "NOT_FOUND: no such expert");
}

}  // namespace
}  // namespace samenspel
