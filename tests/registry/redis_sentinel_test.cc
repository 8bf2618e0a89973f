// RedisStore, and the samenspel-registry binary, behind Redis Sentinel: a
// primary, a replica and a sentinel, each a real redis-server of the test's
// own on loopback. The registry finds the primary through the sentinel and,
// after a failover, the new one, without a restart; what was written before
// the failover is still there; with wait_replicas a write no replica
// confirmed is not acknowledged.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc_status.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "registry-service/redis/redis_access_store.h"
#include "registry-service/redis/redis_connection.h"
#include "registry-service/redis/redis_store.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/tcp_proxy.h"

namespace samenspel::registry {
namespace {

using ::samenspel::test_support::FreePort;
using ::samenspel::test_support::RedisServer;
using ::samenspel::test_support::RedisServerOptions;
using ::samenspel::test_support::ServiceProcess;
using ::samenspel::test_support::TcpProxy;
using Stub = v1::RegistryService::Stub;
using ::samenspel::test_support::WaitUntil;

constexpr char kMaster[] = "samenspel";

std::unique_ptr<RedisServer> Start(RedisServerOptions options) {
  absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Create(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// One command on a fresh connection to `port`: the reply, or null.
RedisReply Ask(int port, std::vector<absl::string_view> argv) {
  RedisConnectOptions options;
  options.port = port;
  absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
      RedisConnection::Connect(options);
  if (!connection.ok()) return nullptr;
  absl::StatusOr<RedisReply> reply = (*connection)->RawCommand(argv);
  return reply.ok() ? *std::move(reply) : nullptr;
}

size_t Count(absl::string_view text, absl::string_view what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != text.npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

std::string Info(int port, absl::string_view field) {
  RedisReply reply = Ask(port, {"INFO", "replication"});
  if (reply == nullptr || reply->type != REDIS_REPLY_STRING) return "";
  const std::string text(reply->str, reply->len);
  const std::string key = absl::StrCat(field, ":");
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  const size_t end = text.find("\r\n", at);
  return text.substr(at + key.size(), end - at - key.size());
}

// The port the sentinel names as the primary, or 0.
int SentinelPrimaryPort(const RedisServer& sentinel) {
  RedisReply reply =
      Ask(sentinel.port(), {"SENTINEL", "get-master-addr-by-name", kMaster});
  int port = 0;
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      !absl::SimpleAtoi(absl::string_view(reply->element[1]->str, reply->element[1]->len),
                        &port)) {
    return 0;
  }
  return port;
}

Mutation CreateOrganisation(std::string id) {
  Mutation m;
  m.op = Mutation::Op::kCreate;
  m.kind = Kind::kOrganisation;
  m.id = std::move(id);
  m.data = absl::StrCat("data of ", m.id);
  return m;
}

CommitRequest Request(std::string id) {
  CommitRequest request;
  request.mutations.push_back(CreateOrganisation(std::move(id)));
  request.commit_time = absl::Now();
  return request;
}

absl::StatusOr<CommitResult> CommitAsync(Store& store, std::string id) {
  absl::Notification done;
  absl::StatusOr<CommitResult> result = absl::UnknownError("no answer");
  store.CommitAsync(Request(std::move(id)), [&](absl::StatusOr<CommitResult> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

absl::StatusOr<StoredRecord> GetAsyncNow(Store& store, const std::string& id) {
  absl::Notification done;
  absl::StatusOr<StoredRecord> out = absl::UnknownError("no answer");
  store.GetAsync(Kind::kOrganisation, id, [&](absl::StatusOr<StoredRecord> r) {
    out = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return out;
}

// A "sentinel" on loopback that names 127.0.0.1:`primary_port` as the
// primary whatever it is asked (one reply per command): a sentinel cut off
// from the others, still naming an old primary.
class FakeSentinel {
 public:
  explicit FakeSentinel(int primary_port) {
    const std::string port = absl::StrCat(primary_port);
    reply_ =
        absl::StrCat("*2\r\n$9\r\n127.0.0.1\r\n$", port.size(), "\r\n", port, "\r\n");
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listen_fd_ < 0 ||
        bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "fake sentinel: cannot listen";
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeSentinel() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    for (int fd : clients_) close(fd);
    if (listen_fd_ >= 0) close(listen_fd_);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  void Serve() {
    while (!stopping_) {
      std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
      for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int client = accept(listen_fd_, nullptr, nullptr);
        if (client >= 0) clients_.push_back(client);
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        char buffer[4096];
        const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
        if (n <= 0) {
          close(fds[i].fd);
          clients_.erase(std::find(clients_.begin(), clients_.end(), fds[i].fd));
          continue;
        }
        // A command is a RESP array ("*<n>"); its arguments here hold no '*'.
        for (ssize_t at = 0; at < n; ++at) {
          if (buffer[at] == '*' && write(fds[i].fd, reply_.data(), reply_.size()) < 0) {
            break;
          }
        }
      }
    }
  }

  std::string reply_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<int> clients_;  // the server thread's
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// A primary, its replica, and one sentinel watching them (quorum 1).
class RedisSentinelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RedisServerOptions primary_options;
    primary_options.appendonly = true;
    primary_ = Start(primary_options);
    ASSERT_NE(primary_, nullptr);
    RedisServerOptions replica_options;
    replica_options.appendonly = true;
    replica_options.extra_args = {"--replicaof", "127.0.0.1",
                                  absl::StrCat(primary_->port())};
    replica_ = Start(replica_options);
    ASSERT_NE(replica_, nullptr);
    ASSERT_TRUE(
        WaitUntil([&] { return Info(replica_->port(), "master_link_status") == "up"; },
                  absl::Seconds(30)));
    RedisServerOptions sentinel_options;
    sentinel_options.sentinel_config =
        absl::StrCat("sentinel monitor ", kMaster, " 127.0.0.1 ", primary_->port(),
                     " 1\n", "sentinel down-after-milliseconds ", kMaster, " 1000\n",
                     "sentinel failover-timeout ", kMaster, " 10000\n");
    sentinel_ = Start(sentinel_options);
    ASSERT_NE(sentinel_, nullptr);
    // A failover needs the sentinel to know the replica (from the primary's
    // INFO, which it reads on connecting).
    ASSERT_TRUE(WaitUntil(
        [&] {
          RedisReply r = Ask(sentinel_->port(), {"SENTINEL", "replicas", kMaster});
          return r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements > 0;
        },
        absl::Seconds(30)));
  }

  // Waits (up to 10 s) until the replica has everything the primary wrote.
  bool ReplicaCaughtUp() {
    return WaitUntil(
        [&] {
          return Info(replica_->port(), "slave_repl_offset") ==
                 Info(primary_->port(), "master_repl_offset");
        },
        absl::Seconds(10));
  }

  // Forces a failover to the replica and waits until the sentinel names it.
  void FailOver() {
    // NOGOODSLAVE until the sentinel has checked the replica itself.
    std::string answer;
    ASSERT_TRUE(WaitUntil(
        [&] {
          RedisReply r = Ask(sentinel_->port(), {"SENTINEL", "FAILOVER", kMaster});
          answer = r == nullptr ? "no answer" : std::string(r->str, r->len);
          return r != nullptr && r->type == REDIS_REPLY_STATUS;
        },
        absl::Seconds(30)))
        << answer;
    ASSERT_TRUE(
        WaitUntil([&] { return SentinelPrimaryPort(*sentinel_) == replica_->port(); },
                  absl::Seconds(30)));
  }

  // The sentinel, after one that nothing listens on (asked first, skipped).
  std::shared_ptr<RedisSentinel> Sentinel(std::string master = kMaster) {
    absl::StatusOr<int> dead = FreePort();
    EXPECT_TRUE(dead.ok());
    RedisSentinelOptions options;
    options.addresses = {absl::StrCat("127.0.0.1:", dead.ok() ? *dead : 1),
                         sentinel_->address()};
    options.master_name = std::move(master);
    absl::StatusOr<std::shared_ptr<RedisSentinel>> sentinel =
        RedisSentinel::Create(options);
    EXPECT_TRUE(sentinel.ok()) << sentinel.status();
    return sentinel.ok() ? *sentinel : nullptr;
  }

  // For the watcher's tests: the real sentinel behind proxy_ (which a test
  // takes away), then `second`; the watcher looks every 50 ms.
  std::shared_ptr<RedisSentinel> RealThen(const FakeSentinel& second) {
    absl::StatusOr<std::unique_ptr<TcpProxy>> proxy = TcpProxy::Start(sentinel_->port());
    EXPECT_TRUE(proxy.ok()) << proxy.status();
    if (!proxy.ok()) return nullptr;
    proxy_ = *std::move(proxy);
    RedisSentinelOptions options;
    options.addresses = {absl::StrCat("127.0.0.1:", proxy_->port()), second.address()};
    options.master_name = kMaster;
    options.watch_interval = absl::Milliseconds(50);
    absl::StatusOr<std::shared_ptr<RedisSentinel>> sentinel =
        RedisSentinel::Create(options);
    EXPECT_TRUE(sentinel.ok()) << sentinel.status();
    return sentinel.ok() ? *sentinel : nullptr;
  }

  static std::unique_ptr<RedisStore> StoreOn(std::shared_ptr<RedisSentinel> sentinel) {
    RedisStoreOptions options;
    options.sentinel = std::move(sentinel);
    options.command_timeout = absl::Seconds(1);
    absl::StatusOr<std::unique_ptr<RedisStore>> store = RedisStore::Create(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::unique_ptr<RedisServer> primary_;
  std::unique_ptr<RedisServer> replica_;
  std::unique_ptr<RedisServer> sentinel_;
  std::unique_ptr<TcpProxy> proxy_;
};

TEST_F(RedisSentinelTest, FollowsAFailoverWithoutARestart) {
  RedisStoreOptions options;
  options.host = "192.0.2.1";  // not used: the sentinel names the primary
  std::shared_ptr<RedisSentinel> sentinel = Sentinel();
  ASSERT_NE(sentinel, nullptr);
  options.sentinel = sentinel;
  options.command_timeout = absl::Seconds(1);
  // The operator reads where the primary is, and that it moved.
  testing::internal::CaptureStderr();
  bool capturing = true;
  absl::Cleanup stop_capture = [&] {
    if (capturing) testing::internal::GetCapturedStderr();
  };
  absl::StatusOr<std::unique_ptr<RedisStore>> store = RedisStore::Create(options);
  ASSERT_TRUE(store.ok()) << store.status();

  ASSERT_TRUE((*store)->Commit(Request("before")).ok());
  ASSERT_TRUE(CommitAsync(**store, "before-async").ok());
  ASSERT_TRUE((*store)->Get(Kind::kOrganisation, "before").ok());
  // Both writes on the replica before it takes over (a forced failover does
  // not wait for it; the store's write is acknowledged by the primary alone).
  ASSERT_TRUE(ReplicaCaughtUp());

  ASSERT_NO_FATAL_FAILURE(FailOver());
  // The old primary stays a primary, taking writes, until Sentinel demotes
  // it (~10 s later): the store learns of the move from the sentinels well
  // before, and writes no more to it.
  const absl::Time failed_over = absl::Now();
  ASSERT_TRUE(WaitUntil([&] { return sentinel->generation() == 1; }, absl::Seconds(5)));
  EXPECT_EQ(Info(primary_->port(), "role"), "master");  // not demoted yet
  EXPECT_LT(absl::Now() - failed_over, absl::Seconds(2));

  // Writes reach the new primary once the sentinel names it; meanwhile they
  // fail UNAVAILABLE, never anything else.
  absl::Status last;
  const bool written = WaitUntil(
      [&] {
        last = (*store)->Commit(Request("after")).status();
        EXPECT_TRUE(last.ok() || absl::IsUnavailable(last)) << last;
        return last.ok();
      },
      absl::Seconds(30));
  ASSERT_TRUE(written) << last;
  ASSERT_TRUE(WaitUntil(
      [&] {
        last = CommitAsync(**store, "after-async").status();
        EXPECT_TRUE(last.ok() || absl::IsUnavailable(last)) << last;
        return last.ok();
      },
      absl::Seconds(30)))
      << last;

  // All four, on the new primary itself (asked directly: the old one, not
  // yet demoted, would take them and lose them when it is), in the order
  // they were written.
  RedisReply role = Ask(replica_->port(), {"ROLE"});
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(std::string(role->element[0]->str, role->element[0]->len), "master");
  RedisStoreOptions direct;
  direct.port = replica_->port();
  absl::StatusOr<std::unique_ptr<RedisStore>> new_primary = RedisStore::Create(direct);
  ASSERT_TRUE(new_primary.ok()) << new_primary.status();
  for (const char* id : {"before", "before-async", "after", "after-async"}) {
    absl::StatusOr<StoredRecord> record = (*new_primary)->Get(Kind::kOrganisation, id);
    ASSERT_TRUE(record.ok()) << id << ": " << record.status();
    EXPECT_EQ(record->data, absl::StrCat("data of ", id));
  }
  absl::StatusOr<std::vector<StoredChange>> changes =
      (*new_primary)->ReadChanges(0, 10, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  std::vector<std::string> ids;
  for (const StoredChange& c : *changes) ids.push_back(c.id);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"before", "before-async", "after", "after-async"}));
  EXPECT_EQ(changes->back().revision, 4);

  capturing = false;
  const std::string log = testing::internal::GetCapturedStderr();
  const std::string old_address = absl::StrCat("127.0.0.1:", primary_->port());
  const std::string new_address = absl::StrCat("127.0.0.1:", replica_->port());
  EXPECT_TRUE(absl::StrContains(
      log, absl::StrCat("redis: primary '", kMaster, "' is at ", old_address)))
      << log;
  EXPECT_TRUE(absl::StrContains(
      log, absl::StrCat("redis: primary '", kMaster, "' moved from ", old_address, " to ",
                        new_address, " (a failover")))
      << log;
  // Once each, however many connections confirmed them.
  EXPECT_EQ(Count(log, "' is at "), 1u) << log;
  EXPECT_EQ(Count(log, "' moved from "), 1u) << log;
}

// A sentinel that names a replica as the primary (cut off from the others,
// or not yet told of a failover) is not followed: the watcher asks ROLE
// there first. It was followed: every connection to the primary was
// closed, and the next ones, confirming the primary again, moved back, on
// every look the watcher took while that sentinel was the one it asked.
TEST_F(RedisSentinelTest, ASentinelNamingAReplicaIsNotFollowed) {
  FakeSentinel stale(replica_->port());
  std::shared_ptr<RedisSentinel> sentinel = RealThen(stale);
  ASSERT_NE(sentinel, nullptr);
  testing::internal::CaptureStderr();
  bool capturing = true;
  absl::Cleanup stop_capture = [&] {
    if (capturing) testing::internal::GetCapturedStderr();
  };
  std::unique_ptr<RedisStore> store = StoreOn(sentinel);
  ASSERT_NE(store, nullptr);
  // Connections to the primary, for both commit paths (a new one would ask
  // the stale sentinel, and fail on the replica's ROLE).
  ASSERT_TRUE(store->Commit(Request("before")).ok());
  ASSERT_TRUE(CommitAsync(*store, "before-async").ok());

  // The sentinel that knows goes away: the watcher asks the stale one.
  proxy_.reset();
  absl::SleepFor(absl::Seconds(1));  // ~20 looks
  EXPECT_EQ(sentinel->generation(), 0u);
  EXPECT_EQ(Info(primary_->port(), "role"), "master");
  absl::StatusOr<CommitResult> after = store->Commit(Request("after"));
  EXPECT_TRUE(after.ok()) << after.status();
  absl::StatusOr<CommitResult> after_async = CommitAsync(*store, "after-async");
  EXPECT_TRUE(after_async.ok()) << after_async.status();

  capturing = false;
  const std::string log = testing::internal::GetCapturedStderr();
  const std::string refused =
      absl::StrCat("names 127.0.0.1:", replica_->port(), " as primary '", kMaster,
                   "', which is not one");
  EXPECT_EQ(Count(log, refused), 1u) << log;
  EXPECT_EQ(Count(log, "' moved from "), 0u) << log;
}

// A sentinel that names an address where nothing answers is not followed
// either, and keeps its place: nothing is known of that address (a primary
// being promoted, a network blip), so it is checked again at the next look
// (logged once), not taken for a sentinel that names no primary.
TEST_F(RedisSentinelTest, APrimaryThatCannotBeCheckedIsNotFollowedYet) {
  absl::StatusOr<int> dead = FreePort();
  ASSERT_TRUE(dead.ok()) << dead.status();
  FakeSentinel unchecked(*dead);
  std::shared_ptr<RedisSentinel> sentinel = RealThen(unchecked);
  ASSERT_NE(sentinel, nullptr);
  testing::internal::CaptureStderr();
  bool capturing = true;
  absl::Cleanup stop_capture = [&] {
    if (capturing) testing::internal::GetCapturedStderr();
  };
  std::unique_ptr<RedisStore> store = StoreOn(sentinel);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(Request("before")).ok());
  proxy_.reset();
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(sentinel->generation(), 0u);
  absl::StatusOr<CommitResult> after = store->Commit(Request("after"));
  EXPECT_TRUE(after.ok()) << after.status();

  capturing = false;
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(Count(log, absl::StrCat("names 127.0.0.1:", *dead, " as primary '", kMaster,
                                    "', which cannot be checked")),
            1u)
      << log;
  EXPECT_EQ(Count(log, "which is not one"), 0u) << log;
  EXPECT_EQ(Count(log, "' moved from "), 0u) << log;
}

// The record cache holds what the primary reports changes of: once the
// sentinels name another primary, it is off (a write there is not reported
// to it). It kept answering from the old primary's records until the
// subscription to that one broke (when Sentinel demoted it, ~10 s later, if
// ever).
TEST_F(RedisSentinelTest, TheRecordCacheIsOffOnceThePrimaryMoves) {
  RedisStoreOptions options;
  std::shared_ptr<RedisSentinel> sentinel = Sentinel();
  ASSERT_NE(sentinel, nullptr);
  options.sentinel = sentinel;
  options.command_timeout = absl::Seconds(1);
  absl::StatusOr<std::unique_ptr<RedisStore>> store = RedisStore::Create(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit(Request("kept")).ok());
  ASSERT_TRUE(GetAsyncNow(**store, "kept").ok());
  ASSERT_TRUE(WaitUntil([&] { return (*store)->record_cache_stats().tracking; },
                        absl::Seconds(5)));
  ASSERT_TRUE(GetAsyncNow(**store, "kept").ok());  // kept now
  const int64_t hits = (*store)->record_cache_stats().hits;
  ASSERT_EQ(GetAsyncNow(**store, "kept")->data, "data of kept");
  ASSERT_EQ((*store)->record_cache_stats().hits, hits + 1);
  ASSERT_TRUE(ReplicaCaughtUp());

  ASSERT_NO_FATAL_FAILURE(FailOver());
  ASSERT_TRUE(WaitUntil([&] { return sentinel->generation() == 1; }, absl::Seconds(5)));
  // Another writer changes the record on the new primary.
  RedisStoreOptions direct;
  direct.port = replica_->port();
  absl::StatusOr<std::unique_ptr<RedisStore>> new_primary = RedisStore::Create(direct);
  ASSERT_TRUE(new_primary.ok()) << new_primary.status();
  CommitRequest update;
  Mutation m;
  m.op = Mutation::Op::kUpdate;
  m.kind = Kind::kOrganisation;
  m.id = "kept";
  m.data = "changed on the new primary";
  update.mutations.push_back(m);
  update.commit_time = absl::Now();
  ASSERT_TRUE((*new_primary)->Commit(update).ok());

  // The store reads it there (after UNAVAILABLE while it reconnects), never
  // the old primary's copy.
  std::string last;
  EXPECT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<StoredRecord> r = GetAsyncNow(**store, "kept");
        EXPECT_TRUE(r.ok() || absl::IsUnavailable(r.status())) << r.status();
        if (!r.ok()) return false;
        last = r->data;
        EXPECT_EQ(last, "changed on the new primary");
        return true;
      },
      absl::Seconds(30)))
      << last;
}

// With wait_replicas, a commit the replica did not confirm is not
// acknowledged: a failover to that replica would lose it.
TEST_F(RedisSentinelTest, AWriteNoReplicaConfirmedIsNotAcknowledged) {
  RedisStoreOptions options;
  options.sentinel = Sentinel();
  options.wait_replicas = 1;
  options.wait_timeout = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<RedisStore>> store = RedisStore::Create(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit(Request("confirmed")).ok());
  ASSERT_TRUE(CommitAsync(**store, "confirmed-async").ok());

  ASSERT_TRUE(replica_->Pause().ok());  // up, but it acknowledges nothing
  for (const bool async : {false, true}) {
    const std::string id = async ? "unconfirmed-async" : "unconfirmed";
    const absl::Status status = async ? CommitAsync(**store, id).status()
                                      : (*store)->Commit(Request(id)).status();
    EXPECT_TRUE(absl::IsUnavailable(status)) << id << ": " << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "only 0 of 1 replicas confirmed"))
        << status;
    // It was written on the primary all the same: its fate is unknown.
    EXPECT_TRUE((*store)->Get(Kind::kOrganisation, id).ok()) << id;
  }
  // A retry with the same request_id, through other connections (another
  // registry replica), is not acknowledged either while no replica has the
  // first attempt: the replay writes too, so its WAIT covers the first.
  CommitRequest first = Request("with-request-id");
  first.request_id = "req-with-request-id";
  first.request_result = "first";
  EXPECT_TRUE(absl::IsUnavailable((*store)->Commit(first).status()));
  absl::StatusOr<std::unique_ptr<RedisStore>> other = RedisStore::Create(options);
  ASSERT_TRUE(other.ok()) << other.status();
  for (const bool async : {false, true}) {
    absl::StatusOr<CommitResult> retry;
    if (async) {
      absl::Notification done;
      (*other)->CommitAsync(first, [&](absl::StatusOr<CommitResult> r) {
        retry = std::move(r);
        done.Notify();
      });
      done.WaitForNotification();
    } else {
      retry = (*other)->Commit(first);
    }
    EXPECT_TRUE(absl::IsUnavailable(retry.status()))
        << (async ? "async: " : "") << retry.status();
  }
  ASSERT_TRUE(replica_->Resume().ok());
  absl::StatusOr<CommitResult> replayed = (*other)->Commit(first);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->replayed);
  EXPECT_EQ(replayed->request_result, "first");
  EXPECT_TRUE((*store)->Commit(Request("confirmed-again")).ok());
  EXPECT_TRUE(CommitAsync(**store, "confirmed-again-async").ok());
}

// Once a WAIT found no replica confirming, later writes do not each wait
// the whole --redis_wait_timeout (queued behind one another, that made
// every write take seconds): they fail after a short wait until a WAIT
// finds the replicas again.
TEST_F(RedisSentinelTest, WithoutReplicasWritesFailFastUntilTheyConfirmAgain) {
  RedisStoreOptions options;
  options.sentinel = Sentinel();
  options.wait_replicas = 1;
  options.wait_timeout = absl::Milliseconds(900);
  absl::StatusOr<std::unique_ptr<RedisStore>> store = RedisStore::Create(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit(Request("confirmed")).ok());
  ASSERT_TRUE(replica_->Pause().ok());
  absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsUnavailable((*store)->Commit(Request("first")).status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));  // the whole wait, once
  for (const bool async : {false, true, false}) {
    const std::string id =
        absl::StrCat("fast-", async, "-", absl::ToUnixNanos(absl::Now()));
    start = absl::Now();
    const absl::Status status = async ? CommitAsync(**store, id).status()
                                      : (*store)->Commit(Request(id)).status();
    EXPECT_TRUE(absl::IsUnavailable(status)) << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "replicas confirmed")) << status;
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(600)) << id;
  }
  ASSERT_TRUE(replica_->Resume().ok());
  absl::Status again;
  for (int i = 0; i < 20; ++i) {  // the replica catches up within a few tries
    again = (*store)->Commit(Request(absl::StrCat("again-", i))).status();
    if (again.ok()) break;
  }
  EXPECT_TRUE(again.ok()) << again;
  // Confirmed again: a slow replica gets the whole wait once more.
  EXPECT_TRUE(CommitAsync(**store, "confirmed-async").ok());
}

absl::StatusOr<v1::Organisation> CreateOrganisation(Stub& stub, const std::string& id) {
  v1::CreateOrganisationRequest request;
  request.set_organisation_id(id);
  request.set_request_id("create-organisation-" + id);  // retried as clients do
  request.mutable_organisation()->set_display_name("Organisatie " + id);
  request.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::Organisation response;
  const grpc::Status status = stub.CreateOrganisation(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::Expert> CreateExpert(Stub& stub, const std::string& id) {
  v1::CreateExpertRequest request;
  request.set_expert_id(id);
  request.set_request_id("create-expert-" + id);
  request.mutable_expert()->set_display_name("Expert " + id);
  request.mutable_expert()->set_organisation("organisations/gm0363");
  request.mutable_expert()->set_consent_to_matching(true);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::Expert response;
  const grpc::Status status = stub.CreateExpert(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

std::string Reason(const absl::Status& status) {
  auto payload = status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
  if (!payload) return "";
  google::rpc::ErrorInfo info;
  info.ParseFromString(std::string(*payload));
  return info.reason();
}

// The binary with its flags, over gRPC: CreateOrganisation takes the
// registry's worker path, CreateExpert its asynchronous one.
TEST_F(RedisSentinelTest, TheRegistryFollowsAFailoverOverGrpc) {
  absl::StatusOr<int> dead = FreePort();
  ASSERT_TRUE(dead.ok());
  absl::StatusOr<std::unique_ptr<ServiceProcess>> registry = ServiceProcess::Start(
      SAMENSPEL_REGISTRY_BINARY,
      {"--insecure", "--redis=192.0.2.1:1",
       absl::StrCat("--redis_sentinels=127.0.0.1:", *dead, ",", sentinel_->address()),
       absl::StrCat("--redis_sentinel_master=", kMaster), "--redis_wait_replicas=1",
       "--redis_wait_timeout=300ms"});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE((*registry)->WaitForHealth("SERVING", absl::Seconds(20)));
  auto stub = v1::RegistryService::NewStub((*registry)->Channel());
  ASSERT_TRUE(CreateOrganisation(*stub, "gm0363").ok());
  ASSERT_TRUE(CreateExpert(*stub, "before").ok());

  // No replica confirms: not acknowledged, reason NOT_REPLICATED.
  ASSERT_TRUE(replica_->Pause().ok());
  absl::Status unconfirmed = CreateOrganisation(*stub, "gm0599").status();
  EXPECT_TRUE(absl::IsUnavailable(unconfirmed)) << unconfirmed;
  EXPECT_EQ(Reason(unconfirmed), "NOT_REPLICATED") << unconfirmed;
  unconfirmed = CreateExpert(*stub, "unconfirmed").status();
  EXPECT_TRUE(absl::IsUnavailable(unconfirmed)) << unconfirmed;
  EXPECT_EQ(Reason(unconfirmed), "NOT_REPLICATED") << unconfirmed;
  ASSERT_TRUE(replica_->Resume().ok());
  ASSERT_TRUE(ReplicaCaughtUp());

  ASSERT_NO_FATAL_FAILURE(FailOver());
  absl::Status last;
  ASSERT_TRUE(WaitUntil(
      [&] {
        last = CreateExpert(*stub, "after").status();
        EXPECT_TRUE(last.ok() || absl::IsUnavailable(last)) << last;
        return last.ok();
      },
      absl::Seconds(30)))
      << last;
  ASSERT_TRUE(WaitUntil(
      [&] {
        last = CreateOrganisation(*stub, "pv27").status();
        EXPECT_TRUE(last.ok() || absl::IsUnavailable(last)) << last;
        return last.ok();
      },
      absl::Seconds(30)))
      << last;
  // The new primary has what the old one acknowledged (and, here, what it
  // did not: replicated after the resume).
  for (const char* id : {"before", "unconfirmed", "after"}) {
    v1::GetExpertRequest request;
    request.set_name(absl::StrCat("experts/", id));
    grpc::ClientContext context;
    v1::Expert expert;
    const grpc::Status status = stub->GetExpert(&context, request, &expert);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
  }
  EXPECT_EQ((*registry)->Health(), "SERVING");
}

// Access tokens too: a revocation a failover could undo is not acknowledged.
TEST_F(RedisSentinelTest, ATokenChangeNoReplicaConfirmedIsNotAcknowledged) {
  RedisConnectOptions options;
  options.sentinel = Sentinel();
  RedisAccessStore access(options, "ss:", /*pool_size=*/2, /*wait_replicas=*/1,
                          absl::Milliseconds(300));
  StoredToken token;
  token.id = "t1";
  token.secret_hash = std::string(64, 'a');
  token.token.set_name("accessTokens/t1");
  ASSERT_TRUE(access.CreateToken(token).ok());
  ASSERT_TRUE(replica_->Pause().ok());
  v1::AccessToken revoked = token.token;
  revoked.mutable_revoke_time()->set_seconds(1700000000);
  const absl::Status status = access.UpdateToken("t1", revoked);
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(Reason(status), "NOT_REPLICATED");
  ASSERT_TRUE(replica_->Resume().ok());
  EXPECT_TRUE(access.UpdateToken("t1", revoked).ok());
}

TEST_F(RedisSentinelTest, UnavailableNamingEachSentinelWhenNoneKnowsThePrimary) {
  RedisStoreOptions options;
  options.sentinel = Sentinel("not-monitored");
  absl::StatusOr<std::unique_ptr<RedisStore>> store = RedisStore::Create(options);
  ASSERT_TRUE(store.ok()) << store.status();
  const absl::Status status = (*store)->Commit(Request("x")).status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "no sentinel named the primary"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "unreachable")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "does not know 'not-monitored'"))
      << status;
}

TEST(RedisSentinelOptionsTest, AddressesAreHostAndPort) {
  absl::StatusOr<RedisHostPort> v4 = ParseRedisHostPort("10.0.0.7:26379");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "10.0.0.7");
  EXPECT_EQ(v4->port, 26379);
  absl::StatusOr<RedisHostPort> v6 = ParseRedisHostPort("[::1]:26380");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 26380);
  for (const char* bad :
       {"", "sentinel", ":26379", "host:", "host:0", "host:70000", "host:26379x"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseRedisHostPort(bad).status())) << bad;
  }
  RedisSentinelOptions options;
  options.master_name = kMaster;
  EXPECT_TRUE(absl::IsInvalidArgument(RedisSentinel::Create(options).status()));
  options.addresses = {"a:1", "b"};
  EXPECT_TRUE(absl::IsInvalidArgument(RedisSentinel::Create(options).status()));
  options.addresses = {"a:1"};
  options.master_name = "";
  EXPECT_TRUE(absl::IsInvalidArgument(RedisSentinel::Create(options).status()));
}

}  // namespace
}  // namespace samenspel::registry
