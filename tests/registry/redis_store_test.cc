// RedisStore behaviour the conformance suite cannot show: Redis down, hung or
// restarted, crash durability, AUTH/SELECT, the key layout, the script cache.
// Every test runs a real redis-server of its own.
#include "registry-service/redis/redis_store.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/text_fold.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "registry-service/redis/redis_connection.h"
#include "registry-service/redis/redis_keys.h"
#include "registry-service/redis/redis_scripts.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

namespace samenspel::registry {
namespace {

using ::samenspel::test_support::FreePort;
using ::samenspel::test_support::RedisServer;
using ::samenspel::test_support::RedisServerOptions;

Mutation Create(Kind kind, std::string id, std::string data,
                std::vector<IndexEntry> indexes = {}) {
  Mutation m;
  m.op = Mutation::Op::kCreate;
  m.kind = kind;
  m.id = std::move(id);
  m.data = std::move(data);
  m.indexes = std::move(indexes);
  return m;
}

CommitRequest Request(std::vector<Mutation> mutations) {
  CommitRequest request;
  request.mutations = std::move(mutations);
  request.commit_time = absl::FromUnixMicros(1700000000000000);
  return request;
}

std::unique_ptr<RedisServer> StartRedis(RedisServerOptions options = {}) {
  absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Create(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

RedisStoreOptions OptionsFor(const RedisServer& server) {
  RedisStoreOptions options;
  options.port = server.port();
  return options;
}

std::unique_ptr<RedisStore> MakeStore(const RedisStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<RedisStore>> store = RedisStore::Create(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// A raw connection for looking at what the store wrote.
std::unique_ptr<RedisConnection> Connect(const RedisServer& server, int db = 0) {
  RedisConnectOptions options;
  options.port = server.port();
  options.db = db;
  absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
      RedisConnection::Connect(options);
  EXPECT_TRUE(connection.ok()) << connection.status();
  return connection.ok() ? *std::move(connection) : nullptr;
}

std::string StringReply(RedisConnection& connection,
                        std::vector<absl::string_view> argv) {
  absl::StatusOr<RedisReply> reply = connection.Command(argv);
  EXPECT_TRUE(reply.ok()) << reply.status();
  if (!reply.ok() || (*reply)->type != REDIS_REPLY_STRING) return "<not a string>";
  return std::string((*reply)->str, (*reply)->len);
}

// The ids of the first 100 records of `kind` (with `index`), in list order.
std::vector<std::string> ListIds(Store& store, Kind kind,
                                 std::optional<IndexEntry> index) {
  ListRequest request;
  request.kind = kind;
  request.index = std::move(index);
  request.limit = 100;
  absl::StatusOr<ListResult> page = store.List(request);
  EXPECT_TRUE(page.ok()) << page.status();
  std::vector<std::string> ids;
  if (page.ok()) {
    for (const StoredRecord& r : page->records) ids.push_back(r.id);
  }
  return ids;
}

// Every method of `store`; expects each to be UNAVAILABLE, and fast.
void ExpectAllUnavailableFast(Store& store, absl::Duration limit) {
  std::vector<absl::Status> results;
  std::vector<absl::Duration> took;
  auto time = [&](auto call) {
    const absl::Time start = absl::Now();
    results.push_back(call());
    took.push_back(absl::Now() - start);
  };
  time([&] { return store.Get(Kind::kExpert, "jan").status(); });
  time([&] { return store.List(ListRequest{}).status(); });
  time([&] { return store.Commit(Request({Create(Kind::kExpert, "x", "x")})).status(); });
  time([&] { return store.ReadChanges(0, 10, absl::ZeroDuration()).status(); });
  time([&] { return store.ReadChanges(0, 10, absl::Seconds(5)).status(); });
  time([&] { return store.CurrentRevision().status(); });
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].code(), absl::StatusCode::kUnavailable)
        << i << ": " << results[i];
    EXPECT_LT(took[i], limit) << i << ": " << results[i];
  }
}

TEST(RedisStoreTest, RejectsBadOptions) {
  RedisStoreOptions options;
  options.pool_size = 0;
  EXPECT_EQ(RedisStore::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = RedisStoreOptions();
  options.feed_retention = 0;
  EXPECT_EQ(RedisStore::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = RedisStoreOptions();
  options.max_commit_batch = 0;
  EXPECT_EQ(RedisStore::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = RedisStoreOptions();
  options.port = 70000;
  EXPECT_EQ(RedisStore::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RedisStoreTest, StartsWithoutRedisAndFailsFast) {
  absl::StatusOr<int> port = FreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  RedisStoreOptions options;
  options.port = *port;  // Nothing listens there.
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  const absl::Status status = store->Get(Kind::kExpert, "jan").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(status.message(), absl::StrCat("127.0.0.1:", *port)))
      << status;
  // Well under connect_timeout (500ms) + command_timeout (2s): refused at once.
  ExpectAllUnavailableFast(*store, absl::Milliseconds(500));
}

TEST(RedisStoreTest, StoppedRedisIsUnavailableFastAndTheSameStoreRecovers) {
  RedisServerOptions server_options;
  server_options.appendonly = true;
  std::unique_ptr<RedisServer> server = StartRedis(server_options);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v1")})).ok());
  // Several idle connections in the pool, all of which will go stale.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] { EXPECT_TRUE(store->Get(Kind::kExpert, "jan").ok()); });
  }
  for (std::thread& t : threads) t.join();

  ASSERT_TRUE(server->Stop().ok());
  ExpectAllUnavailableFast(*store, absl::Milliseconds(500));

  ASSERT_TRUE(server->Start().ok());
  // The very first calls succeed: no restart of the store, no retry loop.
  absl::StatusOr<StoredRecord> jan = store->Get(Kind::kExpert, "jan");
  ASSERT_TRUE(jan.ok()) << jan.status();
  EXPECT_EQ(jan->data, "v1");
  // Redis's script cache is empty after a restart: EVALSHA falls back to EVAL.
  absl::StatusOr<CommitResult> result =
      store->Commit(Request({Create(Kind::kExpert, "piet", "v1")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->revisions, std::vector<int64_t>{2});
}

TEST(RedisStoreTest, RestartBetweenCallsCostsNoFailures) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Ping().ok());
  ASSERT_TRUE(server->Stop().ok());
  ASSERT_TRUE(server->Start().ok());
  // The pooled connection died while idle; it is replaced before use, so
  // even a commit (which is never retried) succeeds.
  absl::StatusOr<CommitResult> result =
      store->Commit(Request({Create(Kind::kExpert, "jan", "v1")}));
  EXPECT_TRUE(result.ok()) << result.status();
}

// Settings that lose or corrupt the registry's data are named (the
// registry logs them); a Redis configured as deploy/redis/ is fine.
TEST(RedisStoreTest, WarnsOfRedisSettingsThatLoseData) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(server->Command({"CONFIG", "SET", "maxmemory-policy", "noeviction"}).ok());
  ASSERT_TRUE(server->Command({"CONFIG", "SET", "appendonly", "yes"}).ok());
  absl::StatusOr<std::vector<std::string>> warnings = store->SettingsWarnings();
  ASSERT_TRUE(warnings.ok()) << warnings.status();
  EXPECT_TRUE(warnings->empty()) << absl::StrJoin(*warnings, "\n");
  ASSERT_TRUE(server->Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}).ok());
  ASSERT_TRUE(server->Command({"CONFIG", "SET", "appendonly", "no"}).ok());
  warnings = store->SettingsWarnings();
  ASSERT_TRUE(warnings.ok()) << warnings.status();
  ASSERT_EQ(warnings->size(), 2u);
  EXPECT_TRUE(absl::StrContains((*warnings)[0], "maxmemory-policy is allkeys-lru"));
  EXPECT_TRUE(absl::StrContains((*warnings)[1], "without AOF"));
  // A Redis that refuses CONFIG: nothing to say, no failure.
  ASSERT_TRUE(server->Command({"ACL", "SETUSER", "default", "-config"}).ok());
  warnings = store->SettingsWarnings();
  ASSERT_TRUE(warnings.ok()) << warnings.status();
  EXPECT_TRUE(warnings->empty());
}

TEST(RedisStoreTest, HungRedisTimesOutAsUnavailable) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.command_timeout = absl::Milliseconds(300);
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v1")})).ok());

  ASSERT_TRUE(server->Pause().ok());
  const absl::Time start = absl::Now();
  const absl::Status status = store->Get(Kind::kExpert, "jan").status();
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "timed out")) << status;
  // Sent and unanswered: a write so answered may have been applied.
  EXPECT_EQ(ReasonOf(status), kTimedOutReason) << status;
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Seconds(2));
  // Later calls, by any path, fail at once while it stays silent (one at a
  // time finds out whether it answers again); those were not sent.
  const absl::Time later = absl::Now();
  const absl::Status at_once = store->Get(Kind::kExpert, "jan").status();
  EXPECT_TRUE(absl::IsUnavailable(at_once)) << at_once;
  EXPECT_EQ(ReasonOf(at_once), kNotAnsweringReason) << at_once;
  EXPECT_TRUE(absl::IsUnavailable(store->CurrentRevision().status()));
  EXPECT_TRUE(absl::IsUnavailable(
      store->Commit(Request({Create(Kind::kExpert, "piet", "v1")})).status()));
  ListRequest list;
  list.kind = Kind::kExpert;
  list.limit = 10;
  EXPECT_TRUE(absl::IsUnavailable(store->List(list).status()));
  EXPECT_LT(absl::Now() - later, absl::Milliseconds(200));

  ASSERT_TRUE(server->Resume().ok());
  absl::StatusOr<StoredRecord> jan;
  const absl::Time limit = absl::Now() + absl::Seconds(3);
  do {
    jan = store->Get(Kind::kExpert, "jan");
    if (!jan.ok()) absl::SleepFor(absl::Milliseconds(20));
  } while (!jan.ok() && absl::Now() < limit);
  EXPECT_TRUE(jan.ok()) << jan.status();
  EXPECT_TRUE(store->CurrentRevision().ok());
}

TEST(RedisStoreTest, AcknowledgedCommitsSurviveKillDashNine) {
  RedisServerOptions server_options;
  server_options.appendonly = true;
  server_options.appendfsync = "always";
  std::unique_ptr<RedisServer> server = StartRedis(server_options);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);

  constexpr int kThreads = 4;
  constexpr int kCommits = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCommits; ++c) {
        absl::Status s =
            store
                ->Commit(Request({Create(Kind::kExpert, absl::StrCat(t, "-", c), "data",
                                         {{"theme", "water"}})}))
                .status();
        ASSERT_TRUE(s.ok()) << s;
      }
    });
  }
  for (std::thread& t : threads) t.join();

  ASSERT_TRUE(server->Kill().ok());
  ASSERT_TRUE(server->Start().ok());

  absl::StatusOr<int64_t> revision = store->CurrentRevision();
  ASSERT_TRUE(revision.ok()) << revision.status();
  EXPECT_EQ(*revision, kThreads * kCommits);
  for (int t = 0; t < kThreads; ++t) {
    for (int c = 0; c < kCommits; ++c) {
      EXPECT_TRUE(store->Get(Kind::kExpert, absl::StrCat(t, "-", c)).ok())
          << t << "-" << c;
    }
  }
  ListRequest by_theme;
  by_theme.kind = Kind::kExpert;
  by_theme.index = IndexEntry{"theme", "water"};
  by_theme.limit = 1000;
  absl::StatusOr<ListResult> listed = store->List(by_theme);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->records.size(), static_cast<size_t>(kThreads * kCommits));
  absl::StatusOr<std::vector<StoredChange>> changes =
      store->ReadChanges(0, 1000, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), static_cast<size_t>(kThreads * kCommits));
  EXPECT_EQ(changes->back().revision, kThreads * kCommits);
  // The counter survived with the data: no revision is handed out twice.
  absl::StatusOr<CommitResult> next =
      store->Commit(Request({Create(Kind::kExpert, "after", "x")}));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->revisions, std::vector<int64_t>{kThreads * kCommits + 1});
}

// With appendfsync everysec Redis write()s the AOF before it answers (only
// the fsync is deferred), unless an fsync is still running, when it may defer
// the write up to 2 s. So once the commit is in the AOF file, a process crash
// cannot lose it; this waits for that instead of sleeping.
TEST(RedisStoreTest, EverysecCommitSurvivesKillDashNineOnceWritten) {
  RedisServerOptions server_options;
  server_options.appendonly = true;
  server_options.appendfsync = "everysec";
  std::unique_ptr<RedisServer> server = StartRedis(server_options);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  const std::string marker = "marker-7f3a9c";
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", marker)})).ok());

  auto aof_has_marker = [&] {
    std::error_code error;
    for (const auto& file :
         std::filesystem::directory_iterator(server->dir() + "/appendonlydir", error)) {
      std::ifstream in(file.path(), std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      if (absl::StrContains(text, marker)) return true;
    }
    return false;
  };
  ASSERT_TRUE(test_support::WaitUntil(aof_has_marker, absl::Seconds(10)));
  ASSERT_TRUE(server->Kill().ok());
  ASSERT_TRUE(server->Start().ok());
  absl::StatusOr<StoredRecord> jan = store->Get(Kind::kExpert, "jan");
  ASSERT_TRUE(jan.ok()) << jan.status();
  EXPECT_EQ(jan->data, marker);
}

TEST(RedisStoreTest, AuthAndSelect) {
  RedisServerOptions server_options;
  server_options.password = "s3cret";
  std::unique_ptr<RedisServer> server = StartRedis(server_options);
  ASSERT_NE(server, nullptr);

  RedisStoreOptions options = OptionsFor(*server);
  options.password = "wrong";
  std::unique_ptr<RedisStore> wrong = MakeStore(options);
  ASSERT_NE(wrong, nullptr);
  const absl::Status status = wrong->Ping();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(status.message(), "AUTH")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "refuses the password it was given"))
      << status;
  // No password at all: said so, not "refuses the password it was given".
  options.password = "";
  std::unique_ptr<RedisStore> none = MakeStore(options);
  ASSERT_NE(none, nullptr);
  const absl::Status missing = none->Ping();
  EXPECT_EQ(missing.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(missing.message(), "redis requires a password"))
      << missing;

  options.password = "s3cret";
  options.db = 3;
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v1")})).ok());

  RedisConnectOptions raw;
  raw.port = server->port();
  raw.password = "s3cret";
  for (int db : {0, 3}) {
    raw.db = db;
    absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
        RedisConnection::Connect(raw);
    ASSERT_TRUE(connection.ok()) << connection.status();
    absl::StatusOr<RedisReply> exists = (*connection)->Command({"EXISTS", "ss:rev"});
    ASSERT_TRUE(exists.ok()) << exists.status();
    EXPECT_EQ((*exists)->integer, db == 3 ? 1 : 0) << "db " << db;
  }
}

TEST(RedisStoreTest, WritesTheLayoutOfRedisKeys) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.key_prefix = "layout:";
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  const RedisKeys& keys = store->keys();
  const IndexEntry bzk{"organisation", "bzk"};
  CommitRequest request = Request({Create(Kind::kExpert, "jan", "data", {bzk})});
  request.request_id = "CreateExpert/jan";
  request.request_result = "result";
  ASSERT_TRUE(store->Commit(request).ok());

  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  const std::string record = keys.Record(Kind::kExpert, "jan");
  EXPECT_EQ(StringReply(*redis, {"HGET", record, kRecordDataField}), "data");
  EXPECT_EQ(StringReply(*redis, {"HGET", record, kRecordRevisionField}), "1");
  EXPECT_EQ(StringReply(*redis, {"HGET", record, kRecordPositionField}), "1");
  EXPECT_EQ(StringReply(*redis, {"ZSCORE", keys.AllIds(Kind::kExpert), "jan"}), "1");
  EXPECT_EQ(StringReply(*redis, {"ZSCORE", keys.Index(Kind::kExpert, bzk), "jan"}), "1");
  EXPECT_EQ(keys.Index(Kind::kExpert, bzk), "layout:ix:experts:organisation=bzk");
  EXPECT_EQ(StringReply(*redis, {"GET", keys.Schema()}), kLayout);
  EXPECT_EQ(StringReply(*redis, {"GET", keys.Revision()}), "1");
  EXPECT_EQ(StringReply(*redis, {"GET", keys.Request("CreateExpert/jan")}), "result");
  absl::StatusOr<RedisReply> ttl =
      redis->Command({"PTTL", keys.Request("CreateExpert/jan")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT((*ttl)->integer, absl::ToInt64Milliseconds(absl::Hours(23)));
  absl::StatusOr<RedisReply> feed = redis->Command({"XRANGE", keys.Feed(), "-", "+"});
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ((*feed)->elements, 1u);
  EXPECT_EQ(std::string((*feed)->element[0]->element[0]->str), FeedEntryId(1));
  // Nothing outside the prefix.
  absl::StatusOr<RedisReply> all = redis->Command({"KEYS", "*"});
  ASSERT_TRUE(all.ok());
  for (size_t i = 0; i < (*all)->elements; ++i) {
    EXPECT_TRUE(absl::StartsWith((*all)->element[i]->str, "layout:"))
        << (*all)->element[i]->str;
  }
}

// A database written by registries before 2026-11-30 (layout 1, redis_keys.h):
// the first script converts it; lists then run in the old records' revision
// order and writes keep every index exact.
TEST(RedisStoreTest, ConvertsALayoutOneDatabase) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  // As the layout-1 commit script wrote them: members esc(field) \0
  // esc(value) \0 id, every list set scored 0.
  constexpr absl::string_view kLayoutOne = R"lua(
local function rec(coll, id, r, members)
  redis.call('HSET', 'ss:' .. coll .. ':' .. id, 'd', 'data-' .. id, 'r', r,
             'i', cmsgpack.pack(members))
  redis.call('ZADD', 'ss:all:' .. coll, 0, id)
  for _, m in ipairs(members) do redis.call('ZADD', 'ss:ix:' .. coll, 0, m) end
end
rec('organisations', 'bzk', '1', {'oin\0001234\000bzk'})
rec('experts', 'piet', '2', {'organisation\000bzk\000piet'})
rec('experts', 'jan', '4', {'organisation\000bzk\000jan', 'skill\000a\1\1b=\1\2\000jan'})
rec('experts', 'noindex', '3', {})
redis.call('SET', 'ss:rev', '4')
)lua";
  ASSERT_TRUE(redis->Command({"EVAL", kLayoutOne, "0"}).ok());

  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  auto scan = [&](Kind kind, std::optional<IndexEntry> index) {
    return ListIds(*store, kind, std::move(index));
  };
  const IndexEntry bzk{"organisation", "bzk"};
  const IndexEntry odd_skill{"skill", std::string("a\0b=\x01", 5)};
  EXPECT_EQ(scan(Kind::kExpert, std::nullopt),
            (std::vector<std::string>{"piet", "noindex", "jan"}));
  EXPECT_EQ(scan(Kind::kExpert, bzk), (std::vector<std::string>{"piet", "jan"}));
  EXPECT_EQ(scan(Kind::kExpert, odd_skill), std::vector<std::string>{"jan"});
  EXPECT_EQ(scan(Kind::kOrganisation, IndexEntry{"oin", "1234"}),
            std::vector<std::string>{"bzk"});
  EXPECT_EQ(StringReply(*redis, {"GET", "ss:schema"}), kLayout);
  absl::StatusOr<RedisReply> old_sets =
      redis->Command({"EXISTS", "ss:ix:experts", "ss:ix:organisations"});
  ASSERT_TRUE(old_sets.ok());
  EXPECT_EQ((*old_sets)->integer, 0);

  // Writes after the conversion: jan leaves the odd skill, a new expert goes
  // last, and an organisation with experts cannot be deleted.
  Mutation update = Create(Kind::kExpert, "jan", "jan-2", {bzk});
  update.op = Mutation::Op::kUpdate;
  ASSERT_TRUE(store->Commit(Request({update})).ok());
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "an", "an", {bzk})})).ok());
  EXPECT_TRUE(scan(Kind::kExpert, odd_skill).empty());
  EXPECT_EQ(scan(Kind::kExpert, bzk), (std::vector<std::string>{"piet", "jan", "an"}));
  CommitRequest drop = Request({});
  Mutation delete_bzk;
  delete_bzk.op = Mutation::Op::kDelete;
  delete_bzk.kind = Kind::kOrganisation;
  delete_bzk.id = "bzk";
  drop.mutations.push_back(delete_bzk);
  drop.preconditions.push_back(
      Precondition::IndexEmpty(Kind::kExpert, bzk, "has experts"));
  EXPECT_EQ(store->Commit(drop).status().code(), absl::StatusCode::kFailedPrecondition);

  // Converting again (a lost schema key) changes nothing.
  ASSERT_TRUE(redis->Command({"DEL", "ss:schema"}).ok());
  EXPECT_EQ(scan(Kind::kExpert, std::nullopt),
            (std::vector<std::string>{"piet", "noindex", "jan", "an"}));
  EXPECT_EQ(scan(Kind::kExpert, bzk), (std::vector<std::string>{"piet", "jan", "an"}));
  EXPECT_EQ(StringReply(*redis, {"GET", "ss:schema"}), kLayout);
}

TEST(RedisStoreTest, ScriptFlushFallsBackToEval) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "a", "a")})).ok());
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Command({"SCRIPT", "FLUSH"}).ok());
  EXPECT_TRUE(store->Commit(Request({Create(Kind::kExpert, "b", "b")})).ok());
  ListRequest request;
  request.kind = Kind::kExpert;
  absl::StatusOr<ListResult> listed = store->List(request);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->records.size(), 2u);
}

// Store::CommitAsync, waiting for its answer.
absl::StatusOr<CommitResult> CommitAsyncAndWait(Store& store, CommitRequest request) {
  absl::Notification done;
  absl::StatusOr<CommitResult> result;
  store.CommitAsync(std::move(request), [&](absl::StatusOr<CommitResult> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

TEST(RedisStoreTest, ScriptFlushFallsBackToEvalForAsyncCommits) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "a", "a")})).ok());
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Command({"SCRIPT", "FLUSH"}).ok());
  absl::StatusOr<CommitResult> result =
      CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "b", "b")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->revisions, std::vector<int64_t>{2});
  ListRequest request;
  request.kind = Kind::kExpert;
  absl::StatusOr<ListResult> listed = store->List(request);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->records.size(), 2u);
}

// A database of layout 2 (registries before 2026-12-02: experts' data in
// their feed entries) is served as it is, its entries read as written, and
// the first commit marks it this layout.
TEST(RedisStoreTest, ServesALayoutTwoDatabaseAndItsFeed) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  constexpr absl::string_view kLayoutTwo = R"lua(
redis.call('HSET', 'ss:experts:jan', 'd', 'jan-1', 'r', '1', 'i', cmsgpack.pack({}),
           'o', '1', 'h', '1')
redis.call('ZADD', 'ss:all:experts', 1, 'jan')
redis.call('XADD', 'ss:feed', '1-1', 't', '1', 'k', 'experts', 'n', 'jan', 'd', 'jan-1',
           'c', '1700000000000000')
redis.call('SET', 'ss:rev', '1')
redis.call('SET', 'ss:schema', '2')
)lua";
  ASSERT_TRUE(redis->Command({"EVAL", kLayoutTwo, "0"}).ok());
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  // Served (a health check that said NOT_SERVING would get the registry no
  // call to convert it with).
  absl::StatusOr<int64_t> revision = store->CurrentRevision();
  ASSERT_TRUE(revision.ok()) << revision.status();
  EXPECT_EQ(*revision, 1);
  Mutation update = Create(Kind::kExpert, "jan", "jan-2");
  update.op = Mutation::Op::kUpdate;
  ASSERT_TRUE(store->Commit(Request({update})).ok());
  EXPECT_EQ(StringReply(*redis, {"GET", "ss:schema"}), kLayout);
  absl::StatusOr<std::vector<StoredChange>> changes =
      store->ReadChanges(0, 10, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].type, ChangeType::kCreated);
  EXPECT_EQ((*changes)[0].data, "jan-1");
  EXPECT_EQ((*changes)[1].type, ChangeType::kUpdated);
  EXPECT_EQ((*changes)[1].data, "jan-2");
  // A layout-3 entry holds no data of the expert: t, k, n and c only.
  absl::StatusOr<RedisReply> entry = redis->Command({"XRANGE", "ss:feed", "2-1", "2-1"});
  ASSERT_TRUE(entry.ok());
  ASSERT_EQ((*entry)->elements, 1u);
  const redisReply& fields = *(*entry)->element[0]->element[1];
  std::vector<std::string> names;
  for (size_t i = 0; i < fields.elements; i += 2) names.push_back(fields.element[i]->str);
  EXPECT_EQ(names, (std::vector<std::string>{"t", "k", "n", "c"}));
}

// A database of layout 3 (registries before 2026-12-03: theme and skill index
// values lower-cased in ASCII only) is converted by the first script: each
// record's theme and skill sets are renamed to the folded value, which two
// old sets may share, and the other sets stay.
TEST(RedisStoreTest, ConvertsALayoutThreeDatabasesThemesAndSkills) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  {
    // As a layout-3 registry wrote them: values through AsciiStrToLower.
    std::unique_ptr<RedisStore> old = MakeStore(OptionsFor(*server));
    ASSERT_NE(old, nullptr);
    const IndexEntry bzk{"organisation", "bzk"};
    ASSERT_TRUE(
        old->Commit(Request({Create(
                        Kind::kExpert, "noor", "noor",
                        {bzk, {"theme", "Één overheid"}, {"skill", "coöperatie"}})}))
            .ok());
    ASSERT_TRUE(old->Commit(Request({Create(Kind::kExpert, "zoe", "zoe",
                                            {bzk,
                                             {"theme", "één overheid"},
                                             {"theme", "een overheid"},
                                             {"theme", "wonen"}})}))
                    .ok());
    ASSERT_TRUE(old->Commit(Request({Create(Kind::kTeam, "t", "t",
                                            {{"theme", "Ëlektriciteit"}})}))
                    .ok());
  }
  ASSERT_TRUE(redis->Command({"SET", "ss:schema", "3"}).ok());

  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  // Served before the conversion (the health check asks this).
  ASSERT_TRUE(store->CurrentRevision().ok());
  auto scan = [&](Kind kind, std::optional<IndexEntry> index) {
    return ListIds(*store, kind, std::move(index));
  };
  EXPECT_EQ(scan(Kind::kExpert, IndexEntry{"theme", "een overheid"}),
            (std::vector<std::string>{"noor", "zoe"}));
  EXPECT_EQ(StringReply(*redis, {"GET", "ss:schema"}), kLayout);
  EXPECT_EQ(scan(Kind::kExpert, IndexEntry{"skill", "cooperatie"}),
            std::vector<std::string>{"noor"});
  EXPECT_EQ(scan(Kind::kExpert, IndexEntry{"theme", "wonen"}),
            std::vector<std::string>{"zoe"});
  EXPECT_EQ(scan(Kind::kExpert, IndexEntry{"organisation", "bzk"}),
            (std::vector<std::string>{"noor", "zoe"}));
  EXPECT_EQ(scan(Kind::kTeam, IndexEntry{"theme", "elektriciteit"}),
            std::vector<std::string>{"t"});
  for (const char* gone :
       {"ss:ix:experts:theme=Één overheid", "ss:ix:experts:theme=één overheid",
        "ss:ix:experts:skill=coöperatie", "ss:ix:teams:theme=Ëlektriciteit"}) {
    absl::StatusOr<RedisReply> exists = redis->Command({"EXISTS", gone});
    ASSERT_TRUE(exists.ok());
    EXPECT_EQ((*exists)->integer, 0) << gone;
  }

  // zoe's record names each set once: an update that leaves the theme takes
  // her out of it, and noor stays.
  Mutation update = Create(Kind::kExpert, "zoe", "zoe-2", {{"organisation", "bzk"}});
  update.op = Mutation::Op::kUpdate;
  ASSERT_TRUE(store->Commit(Request({update})).ok());
  EXPECT_EQ(scan(Kind::kExpert, IndexEntry{"theme", "een overheid"}),
            std::vector<std::string>{"noor"});
  EXPECT_TRUE(scan(Kind::kExpert, IndexEntry{"theme", "wonen"}).empty());
}

// Migrate's Lua fold gives what FoldTerm gives, for every code point (and
// ASCII), so the sets it renames are the ones the registry now looks up.
TEST(RedisStoreTest, MigratesFoldIsFoldTerm) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  const std::string script = FoldTermLua() + "return fold(ARGV[1])";
  std::string ascii;
  for (int c = 1; c < 0x80; ++c) ascii += static_cast<char>(c);
  std::vector<std::string> texts = {ascii, "Één Overheid, Coöperatie & Straße"};
  constexpr char32_t kChunk = 0x10000;
  for (char32_t first = 0x80; first <= 0x10FFFF; first += kChunk) {
    std::string text;
    for (char32_t cp = first; cp < first + kChunk && cp <= 0x10FFFF; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      char utf8[4];
      text.append(utf8, EncodeUtf8(cp, utf8));
      text += ' ';
    }
    texts.push_back(std::move(text));
  }
  for (const std::string& text : texts) {
    absl::StatusOr<RedisReply> folded = redis->Command({"EVAL", script, "0", text});
    ASSERT_TRUE(folded.ok()) << folded.status();
    ASSERT_EQ((*folded)->type, REDIS_REPLY_STRING);
    const std::string lua((*folded)->str, (*folded)->len);
    const std::string cc = FoldTerm(text);
    if (lua == cc) continue;
    size_t at = 0;
    while (at < lua.size() && at < cc.size() && lua[at] == cc[at]) ++at;
    ADD_FAILURE() << "Lua and FoldTerm differ from byte " << at << " of "
                  << absl::CEscape(cc.substr(at, 16)) << " vs "
                  << absl::CEscape(lua.substr(at, 16));
  }
}

// A database that a newer registry converted to a later layout: this store
// neither reads lists from it nor writes to it, and says why.
TEST(RedisStoreTest, RefusesADatabaseInALaterLayout) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "a", "a")})).ok());
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Command({"SET", "ss:schema", "5"}).ok());
  const std::string revision_before = StringReply(*redis, {"GET", "ss:rev"});

  auto expect_refused = [](const absl::Status& status, absl::string_view what) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << what << ": " << status;
    // The value alone, without what Redis appends to a script's error.
    EXPECT_TRUE(absl::StrContains(status.message(), "layout \"5\", which"))
        << what << ": " << status;
    EXPECT_FALSE(absl::StrContains(status.message(), "script")) << what << ": " << status;
    auto info = status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
    ASSERT_TRUE(info.has_value()) << what;
    google::rpc::ErrorInfo parsed;
    ASSERT_TRUE(parsed.ParseFromString(std::string(*info)));
    EXPECT_EQ(parsed.reason(), "DATABASE_LAYOUT_UNKNOWN") << what;
  };
  expect_refused(store->Commit(Request({Create(Kind::kExpert, "b", "b")})).status(),
                 "Commit");
  expect_refused(
      CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "c", "c")})).status(),
      "CommitAsync");
  ListRequest request;
  request.kind = Kind::kExpert;
  request.limit = 10;
  expect_refused(store->List(request).status(), "List");
  expect_refused(store->CurrentRevision().status(), "CurrentRevision");
  // Nothing written, and the layout left as it was.
  EXPECT_EQ(StringReply(*redis, {"GET", "ss:rev"}), revision_before);
  absl::StatusOr<RedisReply> written = redis->Command({"EXISTS", "ss:experts:b"});
  ASSERT_TRUE(written.ok());
  EXPECT_EQ((*written)->integer, 0);
  EXPECT_EQ(StringReply(*redis, {"GET", "ss:schema"}), "5");

  // Back in this layout (say, the newer registry was rolled back together
  // with its data), everything works again on the same store.
  ASSERT_TRUE(redis->Command({"SET", "ss:schema", std::string(kLayout)}).ok());
  EXPECT_TRUE(store->Commit(Request({Create(Kind::kExpert, "b", "b")})).ok());
  absl::StatusOr<ListResult> listed = store->List(request);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->records.size(), 2u);
}

// A write Redis refuses (here: at maxmemory) fails UNAVAILABLE, and the log
// says why, once a minute (it was silent while every write failed).
TEST(RedisStoreTest, WritesRedisRefusesAreSaidInTheLog) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "a", "a")})).ok());
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Command({"CONFIG", "SET", "maxmemory", "1"}).ok());
  testing::internal::CaptureStderr();
  const absl::Status first =
      store->Commit(Request({Create(Kind::kExpert, "b", "b")})).status();
  const absl::Status second =
      store->Commit(Request({Create(Kind::kExpert, "c", "c")})).status();
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(redis->Command({"CONFIG", "SET", "maxmemory", "0"}).ok());
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << first;
  EXPECT_EQ(second.code(), absl::StatusCode::kUnavailable) << second;
  EXPECT_TRUE(absl::StrContains(log, "redis refuses commands")) << log;
  EXPECT_TRUE(absl::StrContains(log, "maxmemory")) << log;
  size_t lines = 0;
  for (size_t at = log.find("redis refuses"); at != std::string::npos;
       at = log.find("redis refuses", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << log;  // one line for both
  EXPECT_TRUE(store->Commit(Request({Create(Kind::kExpert, "d", "d")})).ok());
}

// Where and when an asynchronous call was answered.
template <typename T>
struct AsyncAnswer {
  // The call's `done`, noting where and when it ran; set `returned` once the
  // call returned (Call does both).
  static absl::AnyInvocable<void(absl::StatusOr<T>) &&> Done(
      std::shared_ptr<AsyncAnswer> answer) {
    return [answer](absl::StatusOr<T> r) {
      answer->thread = std::this_thread::get_id();
      answer->before_return = !answer->returned.load();
      answer->result = std::move(r);
      answer->done.Notify();
    };
  }
  // Calls `start` with the call's `done` (see Done), then sets `returned`.
  template <typename Start>
  static void Call(std::shared_ptr<AsyncAnswer> answer, Start start) {
    start(Done(answer));
    answer->returned = true;
  }

  std::atomic<bool> returned{false};
  absl::Notification done;
  std::thread::id thread;
  bool before_return = false;  // `done` ran before the call returned
  absl::StatusOr<T> result;
};

// Where CommitAsync's `done` runs: a caller that starts a batch answers it
// itself before it returns (async_commits_on_caller_thread); a RedisAsync
// I/O thread (a GetAsync callback, reads being answered there in this test)
// is never made to wait, its commit being answered later on that thread;
// with the option off, the I/O thread answers.
TEST(RedisStoreTest, CommitAsyncAnswersOnTheCallersThreadUnlessThatIsAnIoThread) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  using Answer = AsyncAnswer<CommitResult>;
  // CommitAsync of a create of `id`, noting where and when it was answered.
  auto commit = [](Store& store, const std::string& id, std::shared_ptr<Answer> answer) {
    Answer::Call(answer, [&](auto done) {
      store.CommitAsync(Request({Create(Kind::kExpert, id, id)}), std::move(done));
    });
  };
  for (bool on_caller : {true, false}) {
    SCOPED_TRACE(on_caller ? "on the caller's thread" : "on the I/O thread");
    RedisStoreOptions options = OptionsFor(*server);
    options.key_prefix = on_caller ? "caller:" : "io:";
    options.async_commits_on_caller_thread = on_caller;
    options.async_reads_on_caller_thread = false;
    std::unique_ptr<RedisStore> store = MakeStore(options);
    ASSERT_NE(store, nullptr);

    auto direct = std::make_shared<Answer>();
    commit(*store, "a", direct);
    ASSERT_TRUE(direct->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(direct->result.ok()) << direct->result.status();
    EXPECT_EQ(direct->thread == std::this_thread::get_id(), on_caller);
    // (Off, the I/O thread may in theory answer before CommitAsync returns.)
    if (on_caller) {
      EXPECT_TRUE(direct->before_return);
    }

    // From a GetAsync callback: a record not yet read is read on the I/O
    // thread.
    auto from_io = std::make_shared<Answer>();
    auto io_thread = std::make_shared<std::thread::id>();
    absl::Notification read;
    store->GetAsync(Kind::kExpert, "nobody", [&, from_io, io_thread](auto) {
      *io_thread = std::this_thread::get_id();
      commit(*store, "b", from_io);
      read.Notify();
    });
    ASSERT_TRUE(read.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(from_io->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(from_io->result.ok()) << from_io->result.status();
    EXPECT_NE(*io_thread, std::this_thread::get_id());
    EXPECT_EQ(from_io->thread, *io_thread);
    EXPECT_FALSE(from_io->before_return);
    EXPECT_EQ(from_io->result->revisions, std::vector<int64_t>{2});
    EXPECT_TRUE(store->Get(Kind::kExpert, "b").ok());
  }
}

// Where GetAsync's `done` runs for a record the cache does not hold: on the
// caller's thread, before GetAsync returns (async_reads_on_caller_thread);
// with the option off, on the I/O thread. A read or commit started from the
// `done` of one the thread sent itself goes the I/O thread's way, so that
// the rest of that batch is not held up.
TEST(RedisStoreTest, GetAsyncAnswersOnTheCallersThreadForRecordsNotCached) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  using Answer = AsyncAnswer<StoredRecord>;
  auto get = [](Store& store, const std::string& id, std::shared_ptr<Answer> answer) {
    Answer::Call(answer,
                 [&](auto done) { store.GetAsync(Kind::kExpert, id, std::move(done)); });
  };
  for (bool on_caller : {true, false}) {
    SCOPED_TRACE(on_caller ? "on the caller's thread" : "on the I/O thread");
    RedisStoreOptions options = OptionsFor(*server);
    options.key_prefix = on_caller ? "caller:" : "io:";
    options.async_reads_on_caller_thread = on_caller;
    // No cache: every read goes to Redis.
    options.record_cache_bytes = 0;
    std::unique_ptr<RedisStore> store = MakeStore(options);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "a", "a")})).ok());

    auto direct = std::make_shared<Answer>();
    get(*store, "a", direct);
    ASSERT_TRUE(direct->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(direct->result.ok()) << direct->result.status();
    EXPECT_EQ(direct->result->data, "a");
    EXPECT_EQ(direct->thread == std::this_thread::get_id(), on_caller);
    if (on_caller) {
      EXPECT_TRUE(direct->before_return);
    }

    // A read from a commit's `done`, and a commit from a read's `done`.
    auto read_b = std::make_shared<Answer>();
    absl::Notification committed;
    std::thread::id committer;
    store->CommitAsync(Request({Create(Kind::kExpert, "b", "b")}),
                       [&, read_b](absl::StatusOr<CommitResult> r) {
                         EXPECT_TRUE(r.ok()) << r.status();
                         committer = std::this_thread::get_id();
                         get(*store, "b", read_b);
                         committed.Notify();
                       });
    ASSERT_TRUE(committed.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(read_b->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(read_b->result.ok()) << read_b->result.status();
    EXPECT_EQ(read_b->result->data, "b");
    EXPECT_NE(read_b->thread, committer);
    EXPECT_NE(read_b->thread, std::this_thread::get_id());

    auto commit_c = std::make_shared<std::thread::id>();
    absl::Notification read_a, committed_c;
    std::thread::id reader;
    store->GetAsync(Kind::kExpert, "a", [&, commit_c](absl::StatusOr<StoredRecord> r) {
      EXPECT_TRUE(r.ok()) << r.status();
      reader = std::this_thread::get_id();
      store->CommitAsync(Request({Create(Kind::kExpert, "c", "c")}),
                         [&, commit_c](absl::StatusOr<CommitResult> c) {
                           EXPECT_TRUE(c.ok()) << c.status();
                           *commit_c = std::this_thread::get_id();
                           committed_c.Notify();
                         });
      read_a.Notify();
    });
    ASSERT_TRUE(read_a.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(committed_c.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(reader == std::this_thread::get_id(), on_caller);
    EXPECT_NE(*commit_c, std::this_thread::get_id());
    EXPECT_TRUE(store->Get(Kind::kExpert, "c").ok());

    absl::StatusOr<StoredRecord> missing;
    absl::Notification missed;
    store->GetAsync(Kind::kExpert, "nobody", [&](absl::StatusOr<StoredRecord> r) {
      missing = std::move(r);
      missed.Notify();
    });
    ASSERT_TRUE(missed.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  }
}

// GetAsync and CommitAsync from several threads at once, with no cache (every
// read goes to Redis): reads queue behind the thread that sends a batch,
// batches hold several reads, and reads and commits meet each other's
// sender. Every call is answered once, with the right record.
TEST(RedisStoreTest, ConcurrentGetAsyncsAndCommitAsyncsAreAllAnswered) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  for (bool on_caller : {true, false}) {
    SCOPED_TRACE(on_caller ? "on the callers' threads" : "on the I/O thread");
    RedisStoreOptions options = OptionsFor(*server);
    options.key_prefix = on_caller ? "caller:" : "io:";
    options.async_reads_on_caller_thread = on_caller;
    options.async_commits_on_caller_thread = on_caller;
    options.record_cache_bytes = 0;
    std::unique_ptr<RedisStore> store = MakeStore(options);
    ASSERT_NE(store, nullptr);
    constexpr int kSeeds = 20, kThreads = 4, kEach = 100;
    for (int i = 0; i < kSeeds; ++i) {
      const std::string id = absl::StrCat("seed", i);
      ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, id, id)})).ok());
    }
    struct Answers {
      absl::Mutex mu;
      int answered = 0;
      std::vector<std::string> wrong;
    };
    auto answers = std::make_shared<Answers>();
    auto note = [answers](std::string wrong) {
      absl::MutexLock lock(&answers->mu);
      ++answers->answered;
      if (!wrong.empty()) answers->wrong.push_back(std::move(wrong));
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          if (i % 2 == 0) {
            const std::string id = absl::StrCat("seed", (t * 7 + i) % kSeeds);
            store->GetAsync(Kind::kExpert, id,
                            [note, id](absl::StatusOr<StoredRecord> r) {
                              note(!r.ok()         ? r.status().ToString()
                                   : r->data != id ? absl::StrCat(id, ": ", r->data)
                                                   : "");
                            });
          } else {
            const std::string id = absl::StrCat("t", t, "-", i);
            store->CommitAsync(Request({Create(Kind::kExpert, id, id)}),
                               [note](absl::StatusOr<CommitResult> r) {
                                 note(r.ok() ? "" : r.status().ToString());
                               });
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    absl::MutexLock lock(&answers->mu);
    auto all_answered = [&] { return answers->answered == kThreads * kEach; };
    ASSERT_TRUE(
        answers->mu.AwaitWithTimeout(absl::Condition(&all_answered), absl::Seconds(20)));
    EXPECT_TRUE(answers->wrong.empty()) << answers->wrong.front();
    EXPECT_EQ(store->CurrentRevision().value_or(0), kSeeds + kThreads * kEach / 2);
  }
}

// Pauses `server` (SIGSTOP) for `duration` from its construction, whatever
// the test does meanwhile (a call that blocks on Redis is released); the
// destructor waits for the resume.
class PauseFor {
 public:
  PauseFor(RedisServer& server, absl::Duration duration) {
    EXPECT_TRUE(server.Pause().ok());
    resume_ = std::thread([&server, duration] {
      absl::SleepFor(duration);
      EXPECT_TRUE(server.Resume().ok());
    });
  }
  ~PauseFor() { resume_.join(); }
  PauseFor(const PauseFor&) = delete;
  PauseFor& operator=(const PauseFor&) = delete;

 private:
  std::thread resume_;
};

// Reads and commits queued while a caller's thread waits for its batch (Redis
// paused) go out in the next batch, which that thread sends when the reply
// comes, and it answers them too.
TEST(RedisStoreTest, CallsQueuedWhileALeaderWaitsAreAnsweredOnItsThread) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.record_cache_bytes = 0;
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "seed", "seed")})).ok());

  // `start(i, answer)` starts the i-th read or commit; one thread leads
  // while Redis is paused, three calls queue behind it from this thread.
  auto run = [&](auto start, auto answers) {
    // Redis comes back after 1 s whatever happens here (were a queued call
    // to lead, it would wait for Redis on this thread).
    PauseFor pause(*server, absl::Seconds(1));
    std::thread leader([&] { start(0, answers[0]); });
    absl::SleepFor(absl::Milliseconds(300));  // the leader's batch is on its way
    for (size_t i = 1; i < answers.size(); ++i) {
      start(i, answers[i]);
      // Queued: Redis being paused, it cannot have been answered yet.
      EXPECT_FALSE(answers[i]->done.HasBeenNotified())
          << "call " << i << " was not queued";
    }
    leader.join();
    for (size_t i = 0; i < answers.size(); ++i) {
      SCOPED_TRACE(absl::StrCat("call ", i));
      ASSERT_TRUE(answers[i]->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
      EXPECT_TRUE(answers[i]->result.ok()) << answers[i]->result.status();
      EXPECT_EQ(answers[i]->thread, answers[0]->thread);
    }
    EXPECT_TRUE(answers[0]->before_return);
  };
  {
    SCOPED_TRACE("commits");
    using Answer = AsyncAnswer<CommitResult>;
    std::vector<std::shared_ptr<Answer>> answers;
    for (int i = 0; i < 4; ++i) answers.push_back(std::make_shared<Answer>());
    run(
        [&](size_t i, std::shared_ptr<Answer> answer) {
          const std::string id = absl::StrCat("c", i);
          Answer::Call(answer, [&](auto done) {
            store->CommitAsync(Request({Create(Kind::kExpert, id, id)}), std::move(done));
          });
        },
        answers);
    EXPECT_EQ(store->CurrentRevision().value_or(0), 5);
  }
  {
    SCOPED_TRACE("reads");
    using Answer = AsyncAnswer<StoredRecord>;
    std::vector<std::shared_ptr<Answer>> answers;
    for (int i = 0; i < 4; ++i) answers.push_back(std::make_shared<Answer>());
    run(
        [&](size_t i, std::shared_ptr<Answer> answer) {
          Answer::Call(answer, [&](auto done) {
            store->GetAsync(Kind::kExpert, i == 0 ? "seed" : absl::StrCat("c", i),
                            std::move(done));
          });
        },
        answers);
    for (int i = 1; i < 4; ++i) {
      EXPECT_EQ(answers[i]->result.value_or(StoredRecord{}).data, absl::StrCat("c", i));
    }
  }
}

// While a leader is busy answering a batch (here a `done` that waits), the
// batch after it is on its way (the leader sent it first) but none further:
// at most one batch with its reply waits for the leader, and the calls queued
// meanwhile wait for the leader to send them.
TEST(RedisStoreTest, ALeaderStillAnsweringHoldsBackTheBatchesAfterTheNext) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.max_commit_batch = 1;  // a batch per commit
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "seed", "seed")})).ok());

  std::optional<PauseFor> pause(std::in_place, *server, absl::Seconds(1));
  absl::Notification answering, go_on;
  std::thread::id leader_id;
  std::thread leader([&] {
    leader_id = std::this_thread::get_id();
    store->CommitAsync(Request({Create(Kind::kExpert, "c0", "c0")}),
                       [&](absl::StatusOr<CommitResult> result) {
                         EXPECT_TRUE(result.ok()) << result.status();
                         answering.Notify();
                         go_on.WaitForNotification();
                       });
  });
  absl::SleepFor(absl::Milliseconds(300));  // the leader's batch is on its way
  using Answer = AsyncAnswer<CommitResult>;
  std::vector<std::shared_ptr<Answer>> answers;
  for (int i = 1; i <= 8; ++i) {
    answers.push_back(std::make_shared<Answer>());
    const std::string id = absl::StrCat("c", i);
    Answer::Call(answers.back(), [&](auto done) {
      store->CommitAsync(Request({Create(Kind::kExpert, id, id)}), std::move(done));
    });
    EXPECT_FALSE(answers.back()->done.HasBeenNotified()) << id << " was not queued";
  }
  EXPECT_TRUE(answering.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(300));  // time for batches to run ahead
  // The seed, c0, and c1 (which the leader sent before it answered c0).
  EXPECT_EQ(store->CurrentRevision().value_or(0), 3);
  go_on.Notify();
  leader.join();
  pause.reset();
  for (size_t i = 0; i < answers.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("c", i + 1));
    ASSERT_TRUE(answers[i]->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_TRUE(answers[i]->result.ok()) << answers[i]->result.status();
    EXPECT_EQ(answers[i]->thread, leader_id);
  }
  EXPECT_EQ(store->CurrentRevision().value_or(0), 10);
}

// The commit script adds the list-set entries of commits that only create
// after the commits that follow them (one ZADD per set): a later commit of
// the same batch that reads or removes list-set entries must still see them.
// Here all of these go to Redis in one batch (queued behind a leader while
// Redis is paused; the test checks that they did).
TEST(RedisStoreTest, ACommitSeesTheListEntriesOfTheCreatesBeforeItInItsBatch) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  const IndexEntry in_o{"organisation", "o"};
  const IndexEntry in_p{"organisation", "p"};
  ASSERT_TRUE(CommitAsyncAndWait(*store, Request({Create(Kind::kOrganisation, "o", "o"),
                                                  Create(Kind::kOrganisation, "p", "p")}))
                  .ok());
  auto script_calls = [&] {
    absl::StatusOr<RedisReply> info = redis->Command({"INFO", "commandstats"});
    EXPECT_TRUE(info.ok()) << info.status();
    if (!info.ok() || (*info)->type != REDIS_REPLY_STRING) return int64_t{-1};
    int64_t calls = 0;
    for (absl::string_view line : absl::StrSplit((*info)->str, "\r\n")) {
      for (absl::string_view name : {"cmdstat_evalsha:calls=", "cmdstat_eval:calls="}) {
        if (!absl::ConsumePrefix(&line, name)) continue;
        int64_t n = 0;
        EXPECT_TRUE(absl::SimpleAtoi(line.substr(0, line.find(',')), &n)) << line;
        calls += n;
      }
    }
    return calls;
  };

  Mutation move_a = Create(Kind::kExpert, "a", "a2", {in_p});  // from o to p
  move_a.op = Mutation::Op::kUpdate;
  Mutation delete_b;
  delete_b.op = Mutation::Op::kDelete;
  delete_b.kind = Kind::kExpert;
  delete_b.id = "b";
  Mutation delete_o;
  delete_o.op = Mutation::Op::kDelete;
  delete_o.kind = Kind::kOrganisation;
  delete_o.id = "o";
  std::vector<CommitRequest> commits;
  commits.push_back(Request({Create(Kind::kExpert, "a", "a", {in_o})}));
  commits.push_back(Request({Create(Kind::kExpert, "b", "b", {in_o})}));
  // Must fail: the organisation has experts (a, b) created just before.
  commits.push_back(Request({delete_o}));
  commits.back().preconditions.push_back(
      Precondition::IndexEmpty(Kind::kExpert, in_o, "o has experts"));
  // Must hold: exactly a and b.
  commits.push_back(Request({Create(Kind::kExpert, "c", "c", {in_o})}));
  commits.back().preconditions.push_back(
      Precondition::IndexExactly(Kind::kExpert, in_o, {"a", "b"}));
  commits.push_back(Request({move_a}));
  commits.push_back(Request({delete_b}));
  commits.push_back(Request({Create(Kind::kExpert, "d", "d", {in_p})}));
  // The outcome each must have, in order.
  const std::vector<absl::StatusCode> want = {
      absl::StatusCode::kOk, absl::StatusCode::kOk, absl::StatusCode::kFailedPrecondition,
      absl::StatusCode::kOk, absl::StatusCode::kOk, absl::StatusCode::kOk,
      absl::StatusCode::kOk};

  const int64_t calls_before = script_calls();
  using Answer = AsyncAnswer<CommitResult>;
  std::vector<std::shared_ptr<Answer>> answers;
  {
    PauseFor pause(*server, absl::Seconds(1));
    std::thread leader([&] {
      ASSERT_TRUE(
          CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "seed", "seed")}))
              .ok());
    });
    absl::SleepFor(absl::Milliseconds(300));  // the leader's batch is on its way
    for (CommitRequest& commit : commits) {
      answers.push_back(std::make_shared<Answer>());
      Answer::Call(answers.back(), [&](auto done) {
        store->CommitAsync(std::move(commit), std::move(done));
      });
      EXPECT_FALSE(answers.back()->done.HasBeenNotified()) << "not queued";
    }
    leader.join();
  }
  for (size_t i = 0; i < answers.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("commit ", i));
    ASSERT_TRUE(answers[i]->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(answers[i]->result.status().code(), want[i]) << answers[i]->result.status();
  }
  // The leader's batch and one more.
  EXPECT_EQ(script_calls() - calls_before, 2);

  auto ids = [&](std::optional<IndexEntry> index) {
    return ListIds(*store, Kind::kExpert, std::move(index));
  };
  EXPECT_THAT(ids(in_o), ::testing::ElementsAre("c"));
  EXPECT_THAT(ids(in_p), ::testing::ElementsAre("a", "d"));
  EXPECT_THAT(ids(std::nullopt), ::testing::ElementsAre("seed", "a", "c", "d"));
  EXPECT_TRUE(store->Get(Kind::kOrganisation, "o").ok());
}

TEST(RedisStoreTest, AsyncCommitsFailFastWhileRedisIsDownAndRecover) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "a", "a")})).ok());
  ASSERT_TRUE(server->Stop().ok());
  const absl::Time start = absl::Now();
  EXPECT_EQ(CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "b", "b")}))
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  ASSERT_TRUE(server->Start().ok());
  // The next commit reconnects by itself.
  absl::StatusOr<CommitResult> result =
      CommitAsyncAndWait(*store, Request({Create(Kind::kExpert, "c", "c")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->revisions.size(), 1u);
  EXPECT_TRUE(store->Get(Kind::kExpert, "c").ok());
}

TEST(RedisStoreTest, WaitingReadersDoNotTakeConnectionsFromOtherCalls) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.pool_size = 2;
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      absl::StatusOr<std::vector<StoredChange>> changes =
          store->ReadChanges(0, 10, absl::Seconds(20));
      ASSERT_TRUE(changes.ok()) << changes.status();
      EXPECT_EQ(changes->size(), 1u);
    });
  }
  // Both readers block (or will), each on a connection of its own pool.
  ASSERT_TRUE(test_support::WaitUntil(
      [&] {
        std::unique_ptr<RedisConnection> redis = Connect(*server);
        if (redis == nullptr) return false;
        absl::StatusOr<RedisReply> info = redis->Command({"INFO", "clients"});
        return info.ok() && absl::StrContains((*info)->str, "blocked_clients:2");
      },
      absl::Seconds(10)));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(store->Commit(Request({Create(Kind::kExpert, "a", "a")})).ok());
  EXPECT_TRUE(store->Get(Kind::kExpert, "a").ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  for (std::thread& t : readers) t.join();
}

// Data that is not what the store wrote (here: a record key of the wrong
// type) fails the commits that touch it with INTERNAL, and only those, even
// when they share a script call with others.
TEST(RedisStoreTest, CorruptRecordFailsOnlyItsCommits) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(
      redis->Command({"SET", store->keys().Record(Kind::kExpert, "bad"), "x"}).ok());

  constexpr int kThreads = 8;
  constexpr int kCommits = 30;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCommits; ++c) {
        if (c % 3 == 0) {
          Mutation update = Create(Kind::kExpert, "bad", "y");
          update.op = Mutation::Op::kUpdate;
          const absl::Status s = store->Commit(Request({update})).status();
          EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
          EXPECT_TRUE(absl::StrContains(s.message(), "WRONGTYPE")) << s;
        } else {
          const absl::Status s =
              store
                  ->Commit(Request({Create(Kind::kExpert, absl::StrCat(t, "-", c), "x")}))
                  .status();
          EXPECT_TRUE(s.ok()) << s;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  absl::StatusOr<int64_t> revision = store->CurrentRevision();
  ASSERT_TRUE(revision.ok());
  EXPECT_EQ(*revision, kThreads * (kCommits - kCommits / 3));
}

// 5,000 creates: more list-set entries for one set (the all-experts set)
// than Lua's unpack takes at once, which the commit script adds in parts.
TEST(RedisStoreTest, LargeCommit) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  std::vector<Mutation> mutations;
  const std::string big(256 * 1024, '\x01');
  for (int i = 0; i < 5000; ++i) {
    mutations.push_back(Create(Kind::kExpert, absl::StrCat("e", i), i == 0 ? big : "x",
                               {{"theme", absl::StrCat("t", i % 7)}}));
  }
  absl::StatusOr<CommitResult> result = store->Commit(Request(mutations));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->revisions.size(), 5000u);
  EXPECT_EQ(result->revisions.back(), 5000);
  EXPECT_EQ(store->Get(Kind::kExpert, "e0")->data, big);
  // Every expert is in its sets: all 715 with theme t0, in list order.
  ListRequest request;
  request.kind = Kind::kExpert;
  request.index = IndexEntry{"theme", "t0"};
  request.limit = 1000;
  absl::StatusOr<ListResult> page = store->List(request);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->records.size(), 715u);
  EXPECT_EQ(page->records.front().id, "e0");
  EXPECT_EQ(page->records.back().id, "e4998");
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  absl::StatusOr<RedisReply> all =
      redis->Command({"ZCARD", store->keys().AllIds(Kind::kExpert)});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ((*all)->integer, 5000);
}

TEST(RedisStoreTest, AnOftenUpdatedExpertsHistoryStaysWithinTheFeed) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.feed_retention = 10;
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v0")})).ok());
  for (int i = 1; i <= 600; ++i) {
    Mutation m = Create(Kind::kExpert, "jan", absl::StrCat("v", i));
    m.op = Mutation::Op::kUpdate;
    ASSERT_TRUE(store->Commit(Request({m})).ok()) << i;
  }
  // 601 revisions of 1-3 digits: ~2.2 KB unpruned. The stream keeps the
  // last 10 and up to a node of 100 more (approximate trimming).
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  const std::string hist = StringReply(*redis, {"HGET", "ss:experts:jan", "h"});
  EXPECT_LE(hist.size(), 1024u + 4) << hist;
  EXPECT_TRUE(absl::EndsWith(hist, ",601")) << hist;
  // Each retained change reads its own data (the feed entries hold none: the
  // last one's is the record's, the others' its f fields), and the f fields
  // go with the entries the stream trims.
  absl::StatusOr<std::vector<StoredChange>> kept =
      store->ReadChanges(0, 1000, absl::ZeroDuration());
  ASSERT_TRUE(kept.ok()) << kept.status();
  ASSERT_GE(kept->size(), 10u);
  EXPECT_LE(kept->size(), 111u);
  for (const StoredChange& c : *kept) {
    EXPECT_EQ(c.data, absl::StrCat("v", c.revision - 1)) << c.revision;
  }
  absl::StatusOr<RedisReply> fields = redis->Command({"HKEYS", "ss:experts:jan"});
  ASSERT_TRUE(fields.ok());
  size_t data_fields = 0;
  for (size_t i = 0; i < (*fields)->elements; ++i) {
    if ((*fields)->element[i]->str[0] == 'f') ++data_fields;
  }
  EXPECT_EQ(data_fields, kept->size() - 1);
  // The delete still erases every retained entry of jan.
  Mutation del;
  del.op = Mutation::Op::kDelete;
  del.kind = Kind::kExpert;
  del.id = "jan";
  ASSERT_TRUE(store->Commit(Request({del})).ok());
  absl::StatusOr<std::vector<StoredChange>> changes =
      store->ReadChanges(591, 100, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 11u);
  for (size_t i = 0; i + 1 < changes->size(); ++i) {
    EXPECT_EQ((*changes)[i].type, ChangeType::kRedacted) << (*changes)[i].revision;
  }
  EXPECT_EQ(changes->back().type, ChangeType::kDeleted);
}

// With experts deleted, the stream holds fewer entries than revisions (the
// erased ones fill their gaps with markers, kept for 2 * retention
// revisions): it reaches no further back than those markers, so a reader
// from the start meets no gap, and OUT_OF_RANGE names the first revision a
// reader gets (an API review: --feed_retention=10, every second expert of
// 40 deleted: a watch from 0 got revision 1, then OUT_OF_RANGE, "oldest
// retained: 3").
TEST(RedisStoreTest, AFeedWithErasedEntriesHasNoGapWithinWhatItHolds) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.feed_retention = 10;
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 40; ++i) {
    ASSERT_TRUE(
        store->Commit(Request({Create(Kind::kExpert, absl::StrCat("e", i), "x")})).ok());
  }
  for (int i = 2; i <= 40; i += 2) {
    Mutation del;
    del.op = Mutation::Op::kDelete;
    del.kind = Kind::kExpert;
    del.id = absl::StrCat("e", i);
    ASSERT_TRUE(store->Commit(Request({del})).ok()) << i;
  }
  absl::StatusOr<std::vector<StoredChange>> all =
      store->ReadChanges(0, 1000, absl::ZeroDuration());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_FALSE(all->empty());
  EXPECT_EQ(all->back().revision, 60);
  EXPECT_GE(all->size(), 10u);
  for (size_t i = 1; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].revision, (*all)[i - 1].revision + 1);
  }
  // From any revision it holds, the rest follows.
  const int64_t first = all->front().revision;
  for (int64_t after = first - 1; after < 60; ++after) {
    absl::StatusOr<std::vector<StoredChange>> rest =
        store->ReadChanges(after, 1000, absl::ZeroDuration());
    ASSERT_TRUE(rest.ok()) << after << ": " << rest.status();
    EXPECT_EQ(rest->size(), static_cast<size_t>(60 - after)) << after;
  }
  // Older than that: OUT_OF_RANGE, naming that first revision.
  if (first > 1) {
    absl::Status old = store->ReadChanges(first - 2, 1000, absl::ZeroDuration()).status();
    EXPECT_EQ(old.code(), absl::StatusCode::kOutOfRange) << old;
    EXPECT_THAT(std::string(old.message()),
                testing::HasSubstr(absl::StrCat("oldest retained: ", first, ")")))
        << old;
    EXPECT_EQ(ErrorMetadata(old, "oldest_retained_revision"), absl::StrCat(first)) << old;
  }
}

// The data an expert's record keeps for its earlier changes goes when the
// feed trims those changes, also when the expert is not written again (a
// review: a corrected bio's old phone number stayed in Redis for good), and
// when the feed is gone altogether.
TEST(RedisStoreTest, AnIdleExpertsEarlierDataGoesWithTheFeedsChanges) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.feed_retention = 10;
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->Commit(Request({Create(Kind::kExpert, "pia", "bel 06-12345678")})).ok());
  Mutation corrected = Create(Kind::kExpert, "pia", "geen persoonlijke gegevens");
  corrected.op = Mutation::Op::kUpdate;
  ASSERT_TRUE(store->Commit(Request({corrected})).ok());
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  EXPECT_EQ(StringReply(*redis, {"HGET", "ss:experts:pia", "f1"}), "bel 06-12345678");
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(
        store->Commit(Request({Create(Kind::kExpert, absl::StrCat("x", i), "x")})).ok());
  }
  absl::StatusOr<RedisReply> f1 = redis->Command({"HEXISTS", "ss:experts:pia", "f1"});
  ASSERT_TRUE(f1.ok());
  EXPECT_EQ((*f1)->integer, 0);
  absl::StatusOr<RedisReply> length = redis->Command({"XLEN", "ss:feed"});
  ASSERT_TRUE(length.ok());
  EXPECT_LE((*length)->integer, 110);
  EXPECT_GE((*length)->integer, 10);
  // Every change the feed still holds reads its data.
  absl::StatusOr<std::vector<StoredChange>> kept =
      store->ReadChanges(0, 1000, absl::ZeroDuration());
  ASSERT_TRUE(kept.ok()) << kept.status();
  for (const StoredChange& c : *kept) {
    EXPECT_NE(c.type, ChangeType::kRedacted) << c.revision;
    EXPECT_EQ(c.data, "x") << c.revision;
  }

  // A feed that is gone holds none of an expert's changes.
  absl::StatusOr<CommitResult> y =
      store->Commit(Request({Create(Kind::kExpert, "y", "y1")}));
  ASSERT_TRUE(y.ok()) << y.status();
  Mutation again = Create(Kind::kExpert, "y", "y2");
  again.op = Mutation::Op::kUpdate;
  ASSERT_TRUE(store->Commit(Request({again})).ok());
  const std::string kept_field = absl::StrCat("f", y->revisions[0]);
  ASSERT_EQ(StringReply(*redis, {"HGET", "ss:experts:y", kept_field}), "y1");
  ASSERT_TRUE(redis->Command({"DEL", "ss:feed"}).ok());
  again.data = "y3";
  ASSERT_TRUE(store->Commit(Request({again})).ok());
  absl::StatusOr<RedisReply> fields = redis->Command({"HKEYS", "ss:experts:y"});
  ASSERT_TRUE(fields.ok());
  for (size_t i = 0; i < (*fields)->elements; ++i) {
    EXPECT_NE((*fields)->element[i]->str[0], 'f') << (*fields)->element[i]->str;
  }
}

// The record cache (record_cache.h): GetAsync answered without Redis, and
// never older than what Redis told it.

absl::StatusOr<StoredRecord> GetAsyncNow(RedisStore& store, Kind kind,
                                         const std::string& id) {
  absl::Notification done;
  absl::StatusOr<StoredRecord> out;
  store.GetAsync(kind, id, [&](absl::StatusOr<StoredRecord> r) {
    out = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return out;
}

Mutation Update(Kind kind, std::string id, std::string data) {
  Mutation m = Create(kind, std::move(id), std::move(data));
  m.op = Mutation::Op::kUpdate;
  return m;
}

// GetAsync's data of `id` once it equals `want`, or what it last was after
// 5 s: for changes that reach the cache by Redis's message.
std::string EventuallyData(RedisStore& store, const std::string& id,
                           const std::string& want) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  std::string last;
  for (;;) {
    absl::StatusOr<StoredRecord> r = GetAsyncNow(store, Kind::kExpert, id);
    last = r.ok() ? r->data
                  : (absl::IsNotFound(r.status()) ? "NOT_FOUND" : r.status().ToString());
    if (last == want || absl::Now() > deadline) return last;
    absl::SleepFor(absl::Milliseconds(1));
  }
}

// Waits until the store's cache is tracking (after its first GetAsync).
bool Tracking(RedisStore& store) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!store.record_cache_stats().tracking) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST(RedisStoreTest, RecordCacheAnswersRepeatedGetsAndSeesItsOwnWritesAtOnce) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v0")})).ok());
  ASSERT_TRUE(GetAsyncNow(*store, Kind::kExpert, "jan").ok());
  ASSERT_TRUE(Tracking(*store));

  ASSERT_EQ(GetAsyncNow(*store, Kind::kExpert, "jan")->data, "v0");  // kept
  const int64_t hits = store->record_cache_stats().hits;
  absl::StatusOr<StoredRecord> jan = GetAsyncNow(*store, Kind::kExpert, "jan");
  ASSERT_TRUE(jan.ok()) << jan.status();
  EXPECT_EQ(jan->data, "v0");
  EXPECT_EQ(jan->revision, 1);
  EXPECT_EQ(store->record_cache_stats().hits, hits + 1);

  // A write acknowledged by this store is seen by the very next GetAsync,
  // without waiting for Redis's message; both commit paths.
  for (int i = 1; i <= 200; ++i) {
    const std::string data = absl::StrCat("v", i);
    const CommitRequest update = Request({Update(Kind::kExpert, "jan", data)});
    ASSERT_TRUE(i % 2 == 0 ? store->Commit(update).ok()
                           : CommitAsyncAndWait(*store, update).ok());
    jan = GetAsyncNow(*store, Kind::kExpert, "jan");
    ASSERT_TRUE(jan.ok()) << jan.status();
    ASSERT_EQ(jan->data, data) << "a GetAsync right after the write";
    // Kept again for the next round.
    ASSERT_EQ(GetAsyncNow(*store, Kind::kExpert, "jan")->data, data);
  }
  EXPECT_GT(store->record_cache_stats().hits, hits + 100);

  // Missing records are not kept: one created later is found.
  EXPECT_TRUE(absl::IsNotFound(GetAsyncNow(*store, Kind::kExpert, "piet").status()));
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "piet", "p1")})).ok());
  EXPECT_EQ(GetAsyncNow(*store, Kind::kExpert, "piet")->data, "p1");
}

TEST(RedisStoreTest, RecordCacheSeesWritesThroughAnotherReplicaOrClient) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> a = MakeStore(OptionsFor(*server));
  std::unique_ptr<RedisStore> b = MakeStore(OptionsFor(*server));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Commit(Request({Create(Kind::kExpert, "jan", "v0"),
                                 Create(Kind::kTeam, "t", "t0")}))
                  .ok());
  ASSERT_TRUE(GetAsyncNow(*a, Kind::kExpert, "jan").ok());
  ASSERT_TRUE(Tracking(*a));
  for (int i = 1; i <= 20; ++i) {
    // Kept in a, then changed through b.
    const std::string data = absl::StrCat("v", i);
    ASSERT_TRUE(GetAsyncNow(*a, Kind::kExpert, "jan").ok());
    const int64_t hits = a->record_cache_stats().hits;
    ASSERT_TRUE(GetAsyncNow(*a, Kind::kExpert, "jan").ok());
    ASSERT_EQ(a->record_cache_stats().hits, hits + 1) << "kept";
    ASSERT_TRUE(b->Commit(Request({Update(Kind::kExpert, "jan", data)})).ok());
    EXPECT_EQ(EventuallyData(*a, "jan", data), data);
  }
  // Another Redis client: a change to the record's key, then its deletion.
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Command({"HSET", "ss:experts:jan", "d", "by hand"}).ok());
  EXPECT_EQ(EventuallyData(*a, "jan", "by hand"), "by hand");
  ASSERT_TRUE(redis->Command({"DEL", "ss:experts:jan"}).ok());
  EXPECT_EQ(EventuallyData(*a, "jan", "NOT_FOUND"), "NOT_FOUND");
  // Other kinds are tracked too.
  ASSERT_EQ(GetAsyncNow(*a, Kind::kTeam, "t")->data, "t0");
  ASSERT_EQ(GetAsyncNow(*a, Kind::kTeam, "t")->data, "t0");
  ASSERT_TRUE(b->Commit(Request({Update(Kind::kTeam, "t", "t1")})).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (GetAsyncNow(*a, Kind::kTeam, "t")->data != "t1" && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(GetAsyncNow(*a, Kind::kTeam, "t")->data, "t1");
  // FLUSHALL: Redis says "everything".
  ASSERT_TRUE(a->Commit(Request({Create(Kind::kExpert, "piet", "p1")})).ok());
  ASSERT_EQ(GetAsyncNow(*a, Kind::kExpert, "piet")->data, "p1");
  ASSERT_EQ(GetAsyncNow(*a, Kind::kExpert, "piet")->data, "p1");
  ASSERT_TRUE(redis->Command({"FLUSHALL"}).ok());
  EXPECT_EQ(EventuallyData(*a, "piet", "NOT_FOUND"), "NOT_FOUND");
}

// Readers through one store while another writes: no reader ever sees a
// record go back to an older revision, and once the writes stop every read
// returns the last one.
TEST(RedisStoreTest, RecordCacheUnderConcurrentWritesNeverGoesBackAndConverges) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> reader = MakeStore(OptionsFor(*server));
  std::unique_ptr<RedisStore> writer = MakeStore(OptionsFor(*server));
  ASSERT_NE(reader, nullptr);
  ASSERT_NE(writer, nullptr);
  constexpr int kKeys = 4;
  constexpr int kWrites = 400;
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_TRUE(
        writer->Commit(Request({Create(Kind::kExpert, absl::StrCat("e", k), "0")})).ok());
  }
  ASSERT_TRUE(GetAsyncNow(*reader, Kind::kExpert, "e0").ok());
  ASSERT_TRUE(Tracking(*reader));

  std::atomic<bool> done{false};
  std::atomic<int> backwards{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::vector<int64_t> last(kKeys, 0);
      for (int i = t; !done.load(); ++i) {
        const int k = i % kKeys;
        absl::StatusOr<StoredRecord> r =
            GetAsyncNow(*reader, Kind::kExpert, absl::StrCat("e", k));
        if (!r.ok()) continue;
        if (r->revision < last[k]) backwards.fetch_add(1);
        last[k] = std::max(last[k], r->revision);
      }
    });
  }
  // Writes through both stores (the reader's own commits too), async and not.
  std::vector<int64_t> final_revision(kKeys, 0);
  for (int i = 1; i <= kWrites; ++i) {
    const int k = i % kKeys;
    const CommitRequest update =
        Request({Update(Kind::kExpert, absl::StrCat("e", k), absl::StrCat(i))});
    absl::StatusOr<CommitResult> result =
        i % 3 == 0 ? CommitAsyncAndWait(*reader, update)
                   : (i % 3 == 1 ? writer->Commit(update) : reader->Commit(update));
    ASSERT_TRUE(result.ok()) << result.status();
    final_revision[k] = result->revisions[0];
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(backwards.load(), 0);
  for (int k = 0; k < kKeys; ++k) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    absl::StatusOr<StoredRecord> r;
    do {
      r = GetAsyncNow(*reader, Kind::kExpert, absl::StrCat("e", k));
    } while (r.ok() && r->revision != final_revision[k] && absl::Now() < deadline);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->revision, final_revision[k]) << "e" << k;
    EXPECT_EQ(GetAsyncNow(*reader, Kind::kExpert, absl::StrCat("e", k))->revision,
              final_revision[k]);
  }
  EXPECT_GT(reader->record_cache_stats().hits, 0);
}

TEST(RedisStoreTest, RecordCacheForgetsEverythingWhenRedisGoes) {
  RedisServerOptions server_options;
  server_options.appendonly = true;
  std::unique_ptr<RedisServer> server = StartRedis(server_options);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v0")})).ok());
  ASSERT_TRUE(GetAsyncNow(*store, Kind::kExpert, "jan").ok());
  ASSERT_TRUE(Tracking(*store));
  ASSERT_EQ(GetAsyncNow(*store, Kind::kExpert, "jan")->data, "v0");
  ASSERT_GT(store->record_cache_stats().entries, 0u);

  // While Redis is away, changes go unheard: nothing kept is used...
  ASSERT_TRUE(server->Stop().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (store->record_cache_stats().tracking && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_FALSE(store->record_cache_stats().tracking);
  EXPECT_EQ(store->record_cache_stats().entries, 0u);
  EXPECT_TRUE(absl::IsUnavailable(GetAsyncNow(*store, Kind::kExpert, "jan").status()));

  // ...such as one made before the store is back.
  ASSERT_TRUE(server->Start().ok());
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Command({"HSET", "ss:experts:jan", "d", "while away"}).ok());
  absl::StatusOr<StoredRecord> jan = GetAsyncNow(*store, Kind::kExpert, "jan");
  ASSERT_TRUE(jan.ok()) << jan.status();
  EXPECT_EQ(jan->data, "while away");
  // And it tracks again.
  ASSERT_TRUE(Tracking(*store));
  ASSERT_EQ(GetAsyncNow(*store, Kind::kExpert, "jan")->data, "while away");
  const int64_t hits = store->record_cache_stats().hits;
  ASSERT_EQ(GetAsyncNow(*store, Kind::kExpert, "jan")->data, "while away");
  EXPECT_EQ(store->record_cache_stats().hits, hits + 1);
}

// A lost subscription turns the cache off and says so, and the line that it
// is on again follows once it is made again (there was none: an operator
// could not tell whether it came back).
TEST(RedisStoreTest, RecordCacheSaysWhenItIsOffAndOnAgain) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v0")})).ok());
  ASSERT_TRUE(GetAsyncNow(*store, Kind::kExpert, "jan").ok());
  ASSERT_TRUE(Tracking(*store));
  testing::internal::CaptureStderr();
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Command({"CLIENT", "KILL", "TYPE", "pubsub"}).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (store->record_cache_stats().tracking && absl::Now() < deadline) {
    // The I/O thread reads the subscription when it wakes.
    (void)GetAsyncNow(*store, Kind::kExpert, "jan");
    absl::SleepFor(absl::Milliseconds(5));
  }
  const bool went_off = !store->record_cache_stats().tracking;
  // Made again after a second, on the next command.
  bool back = false;
  const absl::Time again = absl::Now() + absl::Seconds(10);
  while (!back && absl::Now() < again) {
    (void)GetAsyncNow(*store, Kind::kExpert, "jan");
    back = store->record_cache_stats().tracking;
    absl::SleepFor(absl::Milliseconds(20));
  }
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(went_off);
  EXPECT_TRUE(back);
  const size_t off = log.find("the record cache's subscription broke");
  const size_t on = log.find("the record cache is on again");
  EXPECT_NE(off, std::string::npos) << log;
  EXPECT_NE(on, std::string::npos) << log;
  EXPECT_LT(off, on) << log;
}

// A Redis that falls silent (paused, or cut off by the network with the
// connections left open) sends no invalidations and closes nothing: the
// subscription's PINGs go unanswered, and the cache goes off by itself
// within about a second, with no call made meanwhile (an operator review:
// a registry cut off from Redis answered Gets from its cache for 50 s with
// data another replica had changed).
TEST(RedisStoreTest, RecordCacheGoesOffWhenRedisFallsSilent) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(*server));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v0")})).ok());
  ASSERT_TRUE(GetAsyncNow(*store, Kind::kExpert, "jan").ok());
  ASSERT_TRUE(Tracking(*store));
  ASSERT_EQ(GetAsyncNow(*store, Kind::kExpert, "jan")->data, "v0");
  ASSERT_GT(store->record_cache_stats().entries, 0u);
  // Answered PINGs keep it on.
  absl::SleepFor(absl::Milliseconds(1500));
  ASSERT_TRUE(store->record_cache_stats().tracking);

  testing::internal::CaptureStderr();
  ASSERT_TRUE(server->Pause().ok());
  const absl::Time paused = absl::Now();
  while (store->record_cache_stats().tracking &&
         absl::Now() < paused + absl::Seconds(5)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Duration off_after = absl::Now() - paused;
  const bool tracking = store->record_cache_stats().tracking;
  const size_t entries = store->record_cache_stats().entries;
  ASSERT_TRUE(server->Resume().ok());
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(tracking);
  EXPECT_EQ(entries, 0u);
  // 0.25 s between PINGs and 1 s of silence; more on a loaded machine.
  EXPECT_LT(off_after, absl::Milliseconds(3000));
  EXPECT_THAT(log, testing::HasSubstr("did not answer a PING within 1s")) << log;

  // Redis answers again: the cache is made again.
  bool back = false;
  const absl::Time again = absl::Now() + absl::Seconds(10);
  while (!back && absl::Now() < again) {
    (void)GetAsyncNow(*store, Kind::kExpert, "jan");
    back = store->record_cache_stats().tracking;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(back);
}

// User and system CPU seconds this process has used.
double ProcessCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::ToDoubleSeconds(absl::DurationFromTimeval(usage.ru_utime) +
                               absl::DurationFromTimeval(usage.ru_stime));
}

// A store over `server` that has read expert jan ("v0") into its record
// cache, or null.
std::unique_ptr<RedisStore> StoreWithJanCached(RedisServer& server) {
  std::unique_ptr<RedisStore> store = MakeStore(OptionsFor(server));
  if (store == nullptr ||
      !store->Commit(Request({Create(Kind::kExpert, "jan", "v0")})).ok() ||
      !GetAsyncNow(*store, Kind::kExpert, "jan").ok() || !Tracking(*store)) {
    return nullptr;
  }
  return store;
}

// Pauses `server` and waits (up to 5 s) until `store`'s record cache is off
// by itself; whether it went off.
bool PauseUntilCacheOff(RedisServer& server, RedisStore& store) {
  if (!server.Pause().ok()) return false;
  const absl::Time paused = absl::Now();
  while (store.record_cache_stats().tracking && absl::Now() < paused + absl::Seconds(5)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  return !store.record_cache_stats().tracking;
}

// After the subscription fell silent, it is made again only once Redis
// answers: its handshake waits on the Gets' I/O thread, and while Redis
// stayed frozen it held every Get 2 s more (a fault review: calls answered
// after 4 s, where the command timeout is 2 s). Once Redis answers, the
// cache comes back.
TEST(RedisStoreTest, ASilentSubscriptionIsNotMadeAgainWhileRedisIsSilent) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = StoreWithJanCached(*server);
  ASSERT_NE(store, nullptr);

  testing::internal::CaptureStderr();
  ASSERT_TRUE(PauseUntilCacheOff(*server, *store));
  // Past the second after which the subscription used to be made again.
  absl::SleepFor(absl::Milliseconds(1500));
  const absl::Time start = absl::Now();
  const double cpu_before = ProcessCpuSeconds();
  const absl::Status get = GetAsyncNow(*store, Kind::kExpert, "jan").status();
  const double cpu = ProcessCpuSeconds() - cpu_before;
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(server->Resume().ok());
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(absl::IsUnavailable(get)) << get;
  // The 2 s command timeout, not more (it took 3.5 s).
  EXPECT_LT(took, absl::Milliseconds(2800)) << log;
  // Waiting, not spinning: the I/O thread polled with timeout 0 for the
  // resubscription it could not make yet (a review: ~1 s of CPU).
  EXPECT_LT(cpu, 0.4) << "CPU seconds while the Get waited";

  const absl::Time again = absl::Now() + absl::Seconds(10);
  while (!store->record_cache_stats().tracking && absl::Now() < again) {
    (void)GetAsyncNow(*store, Kind::kExpert, "jan");  // the circuit may fail it
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(store->record_cache_stats().tracking);
}

// A subscription that fell silent for a moment, with no call meanwhile:
// Redis is asked with a PING whether it answers, and the cache is made again
// without waiting for a call.
TEST(RedisStoreTest, ASubscriptionSilentForAMomentIsMadeAgainWithoutCalls) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<RedisStore> store = StoreWithJanCached(*server);
  ASSERT_NE(store, nullptr);
  testing::internal::CaptureStderr();
  ASSERT_TRUE(PauseUntilCacheOff(*server, *store));
  ASSERT_TRUE(server->Resume().ok());
  const absl::Time again = absl::Now() + absl::Seconds(10);
  while (!store->record_cache_stats().tracking && absl::Now() < again) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(store->record_cache_stats().tracking) << log;
}

// While Redis stays silent, one call at a time finds out whether it
// answers again, each waiting out the command timeout; the others fail at
// once (an operator review: a probe every 250 ms, each waiting 2 s, held
// about 8 calls at once, and a caller calling once a second was nearly
// always one of them).
TEST(RedisStoreTest, AHungRedisIsProbedByOneCallAtATime) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.command_timeout = absl::Seconds(1);
  options.record_cache_bytes = 0;
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v1")})).ok());
  ASSERT_TRUE(server->Pause().ok());
  ASSERT_TRUE(absl::IsUnavailable(store->CurrentRevision().status()));  // times out
  // 4 callers, by both read paths, for 2.5 s: at most 3 probes fit (one a
  // second and a quarter), where a probe every 250 ms made about 10.
  std::atomic<int> slow{0}, calls{0};
  const absl::Time end = absl::Now() + absl::Milliseconds(2500);
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      while (absl::Now() < end) {
        const absl::Time start = absl::Now();
        const absl::Status s = t % 2 == 0
                                   ? store->CurrentRevision().status()
                                   : GetAsyncNow(*store, Kind::kExpert, "jan").status();
        EXPECT_TRUE(absl::IsUnavailable(s)) << s;
        if (absl::Now() - start > absl::Milliseconds(500)) ++slow;
        ++calls;
        absl::SleepFor(absl::Milliseconds(20));
      }
    });
  }
  for (std::thread& c : callers) c.join();
  ASSERT_TRUE(server->Resume().ok());
  EXPECT_GE(slow.load(), 1);
  EXPECT_LE(slow.load(), 4) << "of " << calls.load();
  EXPECT_GT(calls.load(), 100);
}

TEST(RedisStoreTest, RecordCacheOffAsksRedisEveryTime) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisStoreOptions options = OptionsFor(*server);
  options.record_cache_bytes = 0;
  std::unique_ptr<RedisStore> store = MakeStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request({Create(Kind::kExpert, "jan", "v0")})).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(GetAsyncNow(*store, Kind::kExpert, "jan").ok());
  EXPECT_FALSE(store->record_cache_stats().tracking);
  EXPECT_EQ(store->record_cache_stats().hits, 0);
  // No subscription connection: only the store's own.
  std::unique_ptr<RedisConnection> redis = Connect(*server);
  ASSERT_NE(redis, nullptr);
  const std::string clients = StringReply(*redis, {"CLIENT", "LIST"});
  EXPECT_FALSE(absl::StrContains(clients, "sub=1")) << clients;
}

}  // namespace
}  // namespace samenspel::registry
