// RegistryAuthenticator's cache of the registry's answers: a flood of
// made-up credentials does not push out the principals it let in.
#include "common/registry_authenticator.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace samenspel {
namespace {

namespace v1 = registry::v1;

TEST(RegistryAuthenticatorCacheTest, MadeUpCredentialsDoNotPushOutValidOnes) {
  // Nothing listens there: every answer below comes from the `ask`s.
  RegistryAuthenticatorOptions options;
  options.cache_ttl = absl::Hours(1);
  RegistryAuthenticator authenticator(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), "",
      options);
  int asked = 0;
  auto valid = [&]() -> absl::StatusOr<v1::Principal> {
    ++asked;
    v1::Principal p;
    p.set_subject("accessTokens/good");
    p.set_role(v1::ROLE_READER);
    return p;
  };
  auto refused = [&]() -> absl::StatusOr<v1::Principal> {
    ++asked;
    return absl::UnauthenticatedError("unknown access token");
  };
  ASSERT_TRUE(authenticator.Lookup("t:good", valid).ok());
  EXPECT_EQ(asked, 1);
  const int flood = static_cast<int>(RegistryAuthenticator::kMaxCached) + 1;
  for (int i = 0; i < flood; ++i) {
    ASSERT_TRUE(absl::IsUnauthenticated(
        authenticator.Lookup(absl::StrCat("t:made-up-", i), refused).status()));
  }
  EXPECT_EQ(asked, 1 + flood);
  absl::StatusOr<v1::Principal> again = authenticator.Lookup("t:good", valid);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->subject(), "accessTokens/good");
  EXPECT_EQ(asked, 1 + flood);  // from the cache
  // A refusal stays cached too, while there is room.
  EXPECT_TRUE(
      absl::IsUnauthenticated(authenticator.Lookup("t:made-up-again", refused).status()));
  EXPECT_TRUE(
      absl::IsUnauthenticated(authenticator.Lookup("t:made-up-again", refused).status()));
  EXPECT_EQ(asked, 2 + flood);
}

}  // namespace
}  // namespace samenspel
