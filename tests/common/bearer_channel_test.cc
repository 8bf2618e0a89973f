#include "common/bearer_channel.h"

#include "gtest/gtest.h"

namespace samenspel {
namespace {

TEST(IsLoopbackTargetTest, ThisMachine) {
  for (const char* target :
       {"localhost:50051", "LOCALHOST:1", "127.0.0.1:50051", "127.1.2.3:9", "[::1]:50051",
        "::1", "dns:///localhost:50051", "dns:///127.0.0.1:1", "ipv4:127.0.0.1:1",
        "ipv4:127.0.0.1:1,127.0.0.2:2", "ipv6:[::1]:1", "[::ffff:127.0.0.1]:1",
        "unix:/run/samenspel.sock", "unix-abstract:samenspel", "127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackTarget(target)) << target;
  }
}

TEST(IsLoopbackTargetTest, NamesThatOnlyLookLikeLoopbackAreNot) {
  for (const char* target :
       {"127.evil.example:50051", "127.0.0.1.evil.example:50051", "localhost.evil:1",
        "dns:///127.evil.example:1", "ipv4:127.0.0.1:1,10.0.0.1:2", "ipv4:10.0.0.1:1",
        "dns://8.8.8.8/localhost:1", "192.0.2.7:50051", "[2001:db8::1]:1",
        "[::ffff:10.0.0.1]:1", "registry.example:443", "xds:///registry", ""}) {
    EXPECT_FALSE(IsLoopbackTarget(target)) << target;
  }
}

}  // namespace
}  // namespace samenspel
