#include "common/server_setup.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samenspel {
namespace {

using ::testing::HasSubstr;

TEST(CheckAddressFlagTest, AcceptsWhatGrpcTakesAsOneEndpoint) {
  for (const char* listen :
       {"0.0.0.0:50051", "127.0.0.1:0", "[::]:50051", "[::1]:65535", "localhost:8081",
        "unix:/run/samenspel.sock", "unix-abstract:samenspel"}) {
    EXPECT_TRUE(CheckAddressFlag("listen", listen, true).ok()) << listen;
  }
  for (const char* dial :
       {"127.0.0.1:50051", "samenspel-registry.samenspel.svc.cluster.local:50051",
        "dns:///registry:50051", "dns:registry:50051", "dns://10.0.0.53/registry:50051",
        "ipv4:10.0.0.1:50051,10.0.0.2:50051", "ipv6:[::1]:50051", "unix:/tmp/r.sock"}) {
    EXPECT_TRUE(CheckAddressFlag("registry", dial, false).ok()) << dial;
  }
}

TEST(CheckAddressFlagTest, RefusesWhatGrpcWouldMisreadOrTryForever) {
  for (const char* bad : {"", "localhost", ":50051", "host:", "host:65536", "host:70000",
                          "host:-1", "host:+80", "host:5x", "::1:50051", "[::1:50051",
                          "unix:", "dns:///registry:50051"}) {
    const absl::Status s = CheckAddressFlag("listen", bad, true);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--listen must be host:port")) << bad;
  }
  // A port of 0 is for listening only; an empty target is no registry.
  EXPECT_FALSE(CheckAddressFlag("registry", "127.0.0.1:0", false).ok());
  EXPECT_FALSE(CheckAddressFlag("registry", "", false).ok());
  EXPECT_FALSE(CheckAddressFlag("registry", "ipv4:10.0.0.1:1,", false).ok());
  EXPECT_THAT(std::string(CheckAddressFlag("listen", "127.0.0.1:70000", true).message()),
              HasSubstr("not '70000'"));
}

}  // namespace
}  // namespace samenspel
