// RedisAccessStore's audit log on a real redis-server: events appended in
// batches share stream entries, and listing pages through them newest first,
// each event exactly once, also across entries written one event each.
#include "registry-service/redis/redis_access_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry-service/redis/redis_keys.h"
#include "tests/registry/redis_test_util.h"

namespace samenspel::registry {
namespace {

using ::testing::ElementsAreArray;

v1::AuditEvent Event(const std::string& method) {
  v1::AuditEvent e;
  e.set_method(method);
  e.mutable_principal()->set_subject("someone");
  return e;
}

TEST(RedisAccessStoreTest, AuditPagesReturnEveryEventOnceNewestFirst) {
  std::unique_ptr<test_support::RedisServer> server = redis_test::StartRedis();
  ASSERT_NE(server, nullptr);
  RedisAccessStore store(redis_test::OptionsFor(*server), "ss:");
  std::unique_ptr<RedisConnection> redis =
      *RedisConnection::Connect(redis_test::OptionsFor(*server));

  std::vector<std::string> appended;  // oldest first
  auto append = [&](int n) {
    std::vector<v1::AuditEvent> batch;
    for (int i = 0; i < n; ++i) {
      appended.push_back(absl::StrCat("m", appended.size()));
      batch.push_back(Event(appended.back()));
    }
    ASSERT_TRUE(store.AppendAudit(batch, absl::Hours(1)).ok());
  };
  append(1);
  // An entry as the registry wrote them before session 14: one event each.
  appended.push_back("legacy");
  absl::StatusOr<RedisReply> legacy =
      redis->Command({"XADD", RedisKeys("ss:").Audit(), "*", kAuditEventField,
                      Event("legacy").SerializeAsString()});
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  const std::string legacy_id((*legacy)->str, (*legacy)->len);
  append(3);
  append(250);  // three entries: 100, 100, 50
  append(2);
  absl::StatusOr<RedisReply> entries = redis->Command({"XLEN", RedisKeys("ss:").Audit()});
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)->integer, 7);

  const std::vector<std::string> want(appended.rbegin(), appended.rend());
  for (int limit : {1, 2, 7, 100, 101, 1000}) {
    std::vector<std::string> got;
    std::string before;
    for (int pages = 0; pages < 1000; ++pages) {
      absl::StatusOr<std::vector<StoredAuditEvent>> page = store.ListAudit(before, limit);
      ASSERT_TRUE(page.ok()) << page.status();
      ASSERT_LE(static_cast<int>(page->size()), limit);
      for (const StoredAuditEvent& e : *page) got.push_back(e.event.method());
      if (static_cast<int>(page->size()) < limit) break;
      before = page->back().id;
    }
    EXPECT_THAT(got, ElementsAreArray(want)) << "limit " << limit;
  }

  // An id of the old form (a stream entry id) still pages on from its entry.
  absl::StatusOr<std::vector<StoredAuditEvent>> older = store.ListAudit(legacy_id, 10);
  ASSERT_TRUE(older.ok()) << older.status();
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].event.method(), "m0");
}

// The audit log is kept within its cap of Redis' memory: over it, its
// oldest events go (the newest stay), and the registry is told what went.
// Without a cap of its own, half of Redis' maxmemory; with neither, none.
TEST(RedisAccessStoreTest, TheAuditLogIsKeptWithinItsCap) {
  std::unique_ptr<test_support::RedisServer> server = redis_test::StartRedis();
  ASSERT_NE(server, nullptr);
  RedisAccessStore store(redis_test::OptionsFor(*server), "ss:");
  std::unique_ptr<RedisConnection> redis =
      *RedisConnection::Connect(redis_test::OptionsFor(*server));
  const std::string key = RedisKeys("ss:").Audit();
  auto usage = [&] {
    absl::StatusOr<RedisReply> r = redis->Command({"MEMORY", "USAGE", key});
    return r.ok() && (*r)->type == REDIS_REPLY_INTEGER ? (*r)->integer : -1;
  };
  for (int batch = 0; batch < 200; ++batch) {
    std::vector<v1::AuditEvent> events;
    for (int i = 0; i < 50; ++i)
      events.push_back(Event(absl::StrCat("m", batch, "-", i)));
    ASSERT_TRUE(store.AppendAudit(events, absl::Hours(1)).ok());
  }
  const int64_t before = usage();
  ASSERT_GT(before, 200000);  // 10,000 events

  // Under the cap: nothing happens.
  absl::StatusOr<std::optional<std::string>> capped = store.CapAudit(before + 1);
  ASSERT_TRUE(capped.ok()) << capped.status();
  EXPECT_FALSE(capped->has_value());
  // No cap given and no maxmemory: none.
  capped = store.CapAudit(0);
  ASSERT_TRUE(capped.ok()) << capped.status();
  EXPECT_FALSE(capped->has_value());

  // A cap of a third: the oldest go, the newest stay.
  capped = store.CapAudit(before / 3);
  ASSERT_TRUE(capped.ok()) << capped.status();
  ASSERT_TRUE(capped->has_value());
  EXPECT_THAT(**capped, testing::HasSubstr("dropped its oldest"));
  EXPECT_LE(usage(), before / 3);
  EXPECT_GT(usage(), before / 10);
  absl::StatusOr<std::vector<StoredAuditEvent>> newest = store.ListAudit("", 1);
  ASSERT_TRUE(newest.ok()) << newest.status();
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].event.method(), "m199-49");

  // Half of maxmemory when no cap is given.
  const int64_t now = usage();
  ASSERT_TRUE(redis->Command({"CONFIG", "SET", "maxmemory", absl::StrCat(now)})
                  .ok());  // cap now/2
  capped = store.CapAudit(0);
  ASSERT_TRUE(redis->Command({"CONFIG", "SET", "maxmemory", "0"}).ok());
  ASSERT_TRUE(capped.ok()) << capped.status();
  ASSERT_TRUE(capped->has_value());
  EXPECT_THAT(**capped, testing::HasSubstr("half of Redis' maxmemory"));
  EXPECT_LE(usage(), now / 2);
}

}  // namespace
}  // namespace samenspel::registry
