#include "registry-service/core/page_token.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace samenspel::registry {
namespace {

TEST(PageTokenTest, RoundTrips) {
  const std::string token = EncodePageToken("organisation=bzk;", "exp-0042");
  absl::StatusOr<std::string> after = DecodePageToken(token, "organisation=bzk;");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, "exp-0042");
}

TEST(PageTokenTest, EmptyTokenIsTheFirstPage) {
  absl::StatusOr<std::string> after = DecodePageToken("", "layer=3;");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, "");
}

TEST(PageTokenTest, RejectsOtherFiltersAndForeignTokens) {
  const std::string token = EncodePageToken("organisation=bzk;", "exp-0042");
  EXPECT_TRUE(absl::IsInvalidArgument(DecodePageToken(token, "").status()));
  for (const char* bad : {"djE", "not base64!", "djIKCmFubmE" /* v2 */}) {
    EXPECT_TRUE(absl::IsInvalidArgument(DecodePageToken(bad, "").status())) << bad;
  }
}

// Found by tests/fuzz/page_token_fuzzer (corpus/page_token/
// crash_newline_in_filters): filters with a newline made the token of those
// very filters fail, and a token of "a\nb" pass for "a" with id "b\n<id>".
TEST(PageTokenTest, FiltersMayHoldNewlines) {
  const std::string token = EncodePageToken("a\nb", "jan");
  absl::StatusOr<std::string> after = DecodePageToken(token, "a\nb");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, "jan");
  EXPECT_TRUE(absl::IsInvalidArgument(DecodePageToken(token, "a").status()));
}

TEST(PageTokenTest, PositionsRoundTrip) {
  for (int64_t position : {int64_t{1}, int64_t{42}, int64_t{9007199254740992}}) {
    const std::string token = EncodePositionToken("layer=3;", position);
    absl::StatusOr<int64_t> after = DecodePositionToken(token, "layer=3;");
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(*after, position);
  }
  absl::StatusOr<int64_t> first = DecodePositionToken("", "layer=3;");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 0);
}

TEST(PageTokenTest, PositionTokensRejectOthers) {
  const std::string token = EncodePositionToken("a\nb", 7);
  EXPECT_TRUE(absl::IsInvalidArgument(DecodePositionToken(token, "a").status()));
  // An id token (what registries before 2026-11-30 gave for every list) is
  // refused with a reason, and a position token is no id token.
  absl::Status old = DecodePositionToken(EncodePageToken("", "jan"), "").status();
  EXPECT_TRUE(absl::IsInvalidArgument(old));
  EXPECT_NE(old.message().find("earlier version"), absl::string_view::npos) << old;
  EXPECT_TRUE(absl::IsInvalidArgument(DecodePageToken(token, "a\nb").status()));
  for (const char* bad :
       {"djIKCg" /* "v2\n\n" */, "djIKCi0x" /* "v2\n\n-1" */, "djIKCjA" /* "v2\n\n0" */,
        "djIKCjF4" /* "v2\n\n1x" */, "djMKCjE" /* "v3\n\n1" */}) {
    EXPECT_TRUE(absl::IsInvalidArgument(DecodePositionToken(bad, "").status())) << bad;
  }
}

}  // namespace
}  // namespace samenspel::registry
