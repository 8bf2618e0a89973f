// The audit log's writer: what it records, and what it leaves out.
#include "registry-service/core/audit_log.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace samenspel::registry {
namespace {

v1::AuditEvent Event(absl::string_view subject, absl::string_view peer) {
  v1::AuditEvent event;
  event.mutable_principal()->set_subject(std::string(subject));
  event.set_method("samenspel.registry.v1.RegistryService/CreateExpert");
  event.set_code(subject == kUnauthenticatedSubject ? "UNAUTHENTICATED" : "OK");
  event.set_peer(std::string(peer));
  event.mutable_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now()));  // within retention
  return event;
}

int64_t Stored(MemoryAccessStore& store) {
  absl::StatusOr<std::vector<StoredAuditEvent>> events = store.ListAudit("", 100000);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? static_cast<int64_t>(events->size()) : -1;
}

// Calls refused before their caller is known cost nothing to make; the log
// is capped in bytes, so without a limit they could push every other event
// out. Per host (any source port), at anonymous_per_second in bursts of ten
// times that; known callers are all recorded.
TEST(AuditLogTest, EventsWithoutAKnownCallerAreRecordedAtALimitedRatePerHost) {
  MemoryAccessStore store;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  AuditLogOptions options;
  options.anonymous_per_second = 5;
  options.clock = [&now] { return now; };
  AuditLog audit(&store, options);
  for (int i = 0; i < 200; ++i) {
    audit.Record(
        Event(kUnauthenticatedSubject, absl::StrCat("ipv4:10.0.0.1:", 40000 + i)));
  }
  // gRPC's IPv6 form; one /64 is one budget.
  for (int i = 0; i < 20; ++i) {
    audit.Record(Event(kUnauthenticatedSubject,
                       absl::StrCat("ipv6:%5B2001:db8::", i + 1, "%5D:", 40000 + i)));
  }
  for (int i = 0; i < 300; ++i) {
    audit.Record(Event("accessTokens/t1", "ipv4:10.0.0.1:40000"));
  }
  // A known principal over its rate limit: limited per principal.
  for (int i = 0; i < 80; ++i) {
    v1::AuditEvent limited =
        Event("accessTokens/t2", absl::StrCat("ipv4:10.0.0.", i, ":1"));
    limited.set_code("RESOURCE_EXHAUSTED");
    audit.Record(limited);
  }
  ASSERT_TRUE(audit.Flush().ok());
  // 50 (the burst) from 10.0.0.1, 20 from 2001:db8::/64, all 300 known, 50
  // of t2's 80 refusals.
  EXPECT_EQ(Stored(store), 50 + 20 + 300 + 50);
  EXPECT_EQ(audit.anonymous_skipped(), 150 + 30);

  now += absl::Seconds(2);  // 10 more
  for (int i = 0; i < 30; ++i) {
    audit.Record(Event(kUnauthenticatedSubject, "ipv4:10.0.0.1:50000"));
  }
  ASSERT_TRUE(audit.Flush().ok());
  EXPECT_EQ(Stored(store), 430);
  EXPECT_EQ(audit.anonymous_skipped(), 200);
}

TEST(AuditLogTest, PeersShareABudgetByHostOrSlash64) {
  EXPECT_EQ(PeerKey("ipv4:10.1.2.3:5301"), "ipv4:10.1.2.3");
  EXPECT_EQ(PeerKey("ipv6:%5B2001:db8:1:2::5%5D:5301"), "ipv6:20010db800010002/64");
  EXPECT_EQ(PeerKey("ipv6:[2001:db8:1:2:ffff::9]:1"), "ipv6:20010db800010002/64");
  EXPECT_EQ(PeerKey("ipv6:%5B::1%5D:5301"), "ipv6:0000000000000000/64");
  EXPECT_EQ(PeerKey("unix:/run/samenspel.sock"), "unix");
  EXPECT_EQ(PeerKey("unix-abstract:x"), "unix-abstract");
}

TEST(AuditLogTest, AZeroRateRecordsEveryEvent) {
  MemoryAccessStore store;
  AuditLogOptions options;
  options.anonymous_per_second = 0;
  AuditLog audit(&store, options);
  for (int i = 0; i < 500; ++i) {
    audit.Record(Event(kUnauthenticatedSubject, "ipv4:10.0.0.1:40000"));
  }
  ASSERT_TRUE(audit.Flush().ok());
  EXPECT_EQ(Stored(store), 500);
  EXPECT_EQ(audit.anonymous_skipped(), 0);
}

}  // namespace
}  // namespace samenspel::registry
