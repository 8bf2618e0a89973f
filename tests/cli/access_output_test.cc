// Roles, token names and the tables of the access-control commands.
#include "cli/core/access_output.h"

#include "cli/core/time_text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

TEST(ParseRoleTest, AnyCaseWithOrWithoutPrefix) {
  EXPECT_EQ(*ParseRole("reader"), v1::ROLE_READER);
  EXPECT_EQ(*ParseRole("Editor"), v1::ROLE_EDITOR);
  EXPECT_EQ(*ParseRole("ADMIN"), v1::ROLE_ADMIN);
  EXPECT_EQ(*ParseRole("role_admin"), v1::ROLE_ADMIN);
  EXPECT_EQ(*ParseRole(" ROLE_READER "), v1::ROLE_READER);
}

TEST(ParseRoleTest, RejectsUnknownAndUnspecified) {
  for (absl::string_view bad : {"", "boss", "unspecified", "ROLE_UNSPECIFIED", "1"}) {
    absl::StatusOr<v1::Role> role = ParseRole(bad);
    EXPECT_FALSE(role.ok()) << "'" << bad << "'";
    if (!role.ok()) {
      EXPECT_THAT(role.status().message(), HasSubstr("READER, EDITOR, ADMIN"));
    }
  }
}

TEST(AccessTokenNameTest, IdOrName) {
  EXPECT_EQ(AccessTokenName("7f3a9c"), "accessTokens/7f3a9c");
  EXPECT_EQ(AccessTokenName("accessTokens/7f3a9c"), "accessTokens/7f3a9c");
  EXPECT_EQ(AccessTokenName("experts/jan"), "experts/jan");
}

v1::AccessToken Token() {
  v1::AccessToken token;
  token.set_name("accessTokens/7f3a9c");
  token.set_organisation("organisations/bzk");
  token.set_role(v1::ROLE_EDITOR);
  token.set_description("woningbouw-portaal BZK");
  *token.mutable_expire_time() = ToTimestamp(kNow + absl::Hours(24));
  return token;
}

TEST(TokenStateTest, ActiveExpiredRevoked) {
  v1::AccessToken token = Token();
  EXPECT_EQ(TokenState(token, kNow), "active");
  EXPECT_EQ(TokenState(token, kNow + absl::Hours(24)), "expired");
  *token.mutable_revoke_time() = ToTimestamp(kNow);
  EXPECT_EQ(TokenState(token, kNow), "revoked");
}

TEST(TokenOutputTest, TableAndDescription) {
  const std::string table = TokenTable({Token()}, kNow);
  EXPECT_THAT(table, HasSubstr("NAME"));
  EXPECT_THAT(table, HasSubstr("accessTokens/7f3a9c"));
  EXPECT_THAT(table, HasSubstr("EDITOR"));
  EXPECT_THAT(table, HasSubstr(FormatUtcTime(kNow + absl::Hours(24))));
  EXPECT_THAT(table, HasSubstr("active"));
  const std::string described = DescribeToken(Token(), kNow);
  EXPECT_THAT(described, HasSubstr("organisation:  organisations/bzk\n"));
  EXPECT_THAT(described, HasSubstr("state:         active\n"));
  EXPECT_THAT(described, Not(HasSubstr("revoke_time")));
}

TEST(AuditOutputTest, ShortMethodAndTable) {
  EXPECT_EQ(ShortMethod("samenspel.registry.v1.RegistryService/UpdateExpert"),
            "UpdateExpert");
  EXPECT_EQ(ShortMethod("UpdateExpert"), "UpdateExpert");

  v1::AuditEvent event;
  *event.mutable_time() = ToTimestamp(kNow);
  event.mutable_principal()->set_subject("accessTokens/7f3a9c");
  event.mutable_principal()->set_role(v1::ROLE_EDITOR);
  event.set_method("samenspel.registry.v1.RegistryService/ListExperts");
  event.set_code("OK");
  event.set_personal_data(true);
  for (int i = 0; i < 20; ++i) event.add_resources("experts/expert-" + std::to_string(i));
  const std::string table = AuditTable({event});
  EXPECT_THAT(table, HasSubstr("TIME"));
  EXPECT_THAT(table, HasSubstr(FormatUtcTime(kNow)));
  EXPECT_THAT(table, HasSubstr("ListExperts"));
  EXPECT_THAT(table, Not(HasSubstr("RegistryService")));
  EXPECT_THAT(table, HasSubstr("experts/expert-0, experts/expert-1"));
  EXPECT_THAT(table, HasSubstr("…"));  // Resources are cut.
  EXPECT_THAT(table, Not(HasSubstr("expert-19")));
  EXPECT_THAT(table, HasSubstr("yes"));
}

}  // namespace
}  // namespace samenspel::cli
