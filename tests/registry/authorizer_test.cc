#include "registry-service/server/authorizer.h"

#include "gtest/gtest.h"

namespace samenspel::registry {
namespace {

// Refused credentials are counted per address: the port of each connection
// goes, the address stays.
TEST(PeerAddressTest, TheAddressWithoutItsPort) {
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7:51234"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv6:[::1]:51234"), "ipv6:[::1]");
  EXPECT_EQ(PeerAddress("ipv6:[2001:db8::7]:443"), "ipv6:[2001:db8::7]");
  // Without a port, or another kind of peer: as it is.
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv6:[::1]"), "ipv6:[::1]");
  EXPECT_EQ(PeerAddress("unix:/run/samenspel.sock"), "unix:/run/samenspel.sock");
  EXPECT_EQ(PeerAddress(""), "");
}

}  // namespace
}  // namespace samenspel::registry
