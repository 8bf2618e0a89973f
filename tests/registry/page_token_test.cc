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

}  // namespace
}  // namespace samenspel::registry
