// The Store contract (registry-service/core/store.h), run on every
// implementation: MemoryStore, and RedisStore on a real redis-server started
// for this test (never skipped: a missing redis-server fails the suite).
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "registry-service/core/memory_store.h"
#include "registry-service/core/store.h"
#include "registry-service/redis/redis_store.h"
#include "tests/support/redis_server.h"

namespace samenspel::registry {
namespace {

using ::samenspel::test_support::RedisServer;

constexpr int64_t kDefaultRetention = 1000000;

// Each factory makes fresh, empty stores of one implementation.
struct MemoryStoreFactory {
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  static absl::StatusOr<std::unique_ptr<Store>> Make(int64_t feed_retention) {
    MemoryStoreOptions options;
    options.feed_retention = feed_retention;
    return std::make_unique<MemoryStore>(options);
  }
};

// One redis-server for the whole suite; each store gets its own key prefix,
// so every test starts empty. `kCallerThread`: whether CommitAsync and
// GetAsync send and answer batches on their caller's thread (the default)
// or on the I/O thread (RedisStoreOptions::async_*_on_caller_thread).
template <bool kCallerThread>
struct RedisStoreFactory {
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<RedisServer>> created = RedisServer::Create();
    startup = created.status();
    if (created.ok()) server = *std::move(created);
  }
  static void TearDownTestSuite() { server.reset(); }
  static absl::StatusOr<std::unique_ptr<Store>> Make(int64_t feed_retention) {
    if (server == nullptr) return startup;
    RedisStoreOptions options;
    options.port = server->port();
    options.key_prefix = absl::StrCat("conformance", next_prefix++, ":");
    options.feed_retention = feed_retention;
    options.async_commits_on_caller_thread = kCallerThread;
    options.async_reads_on_caller_thread = kCallerThread;
    absl::StatusOr<std::unique_ptr<RedisStore>> store = RedisStore::Create(options);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(*std::move(store));
  }

  static inline std::unique_ptr<RedisServer> server;
  static inline absl::Status startup;
  static inline int next_prefix = 0;
};

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryStoreFactory>) return "Memory";
    return std::is_same_v<T, RedisStoreFactory<true>> ? "Redis" : "RedisIoThread";
  }
};

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

Mutation Update(Kind kind, std::string id, int64_t expected_revision, std::string data,
                std::vector<IndexEntry> indexes = {}) {
  Mutation m = Create(kind, std::move(id), std::move(data), std::move(indexes));
  m.op = Mutation::Op::kUpdate;
  m.expected_revision = expected_revision;
  return m;
}

Mutation Delete(Kind kind, std::string id, int64_t expected_revision = 0) {
  Mutation m;
  m.op = Mutation::Op::kDelete;
  m.kind = kind;
  m.id = std::move(id);
  m.expected_revision = expected_revision;
  return m;
}

CommitRequest Request(std::vector<Mutation> mutations,
                      std::vector<Precondition> preconditions = {}) {
  CommitRequest request;
  request.mutations = std::move(mutations);
  request.preconditions = std::move(preconditions);
  request.commit_time = absl::FromUnixMicros(1700000000123456);
  return request;
}

std::vector<std::string> Ids(const std::vector<StoredRecord>& records) {
  std::vector<std::string> ids;
  for (const StoredRecord& r : records) ids.push_back(r.id);
  return ids;
}

template <typename Factory>
class StoreConformanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Factory::SetUpTestSuite(); }
  static void TearDownTestSuite() { Factory::TearDownTestSuite(); }

  void SetUp() override { store_ = NewStore(); }

  std::unique_ptr<Store> NewStore(int64_t feed_retention = kDefaultRetention) {
    absl::StatusOr<std::unique_ptr<Store>> store = Factory::Make(feed_retention);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Commits and expects success; returns the revisions.
  std::vector<int64_t> MustCommit(const CommitRequest& request) {
    absl::StatusOr<CommitResult> result = store_->Commit(request);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->revisions : std::vector<int64_t>();
  }

  int64_t Revision() {
    absl::StatusOr<int64_t> revision = store_->CurrentRevision();
    EXPECT_TRUE(revision.ok()) << revision.status();
    return revision.value_or(-1);
  }

  // Every record of `kind` (or with `index`), through pages of `page`.
  std::vector<std::string> Scan(Kind kind, std::optional<IndexEntry> index = std::nullopt,
                                int page = 3) {
    std::vector<std::string> ids;
    ListRequest request;
    request.kind = kind;
    request.index = index;
    request.limit = page;
    for (;;) {
      absl::StatusOr<ListResult> result = store_->List(request);
      EXPECT_TRUE(result.ok()) << result.status();
      if (!result.ok()) return ids;
      for (const StoredRecord& r : result->records) ids.push_back(r.id);
      if (!result->more) return ids;
      if (result->records.empty()) {
        ADD_FAILURE() << "more without records";
        return ids;
      }
      request.after_position = result->records.back().position;
    }
  }

  std::unique_ptr<Store> store_;
};

using Factories = ::testing::Types<MemoryStoreFactory, RedisStoreFactory<true>,
                                   RedisStoreFactory<false>>;
TYPED_TEST_SUITE(StoreConformanceTest, Factories, FactoryNames);

TYPED_TEST(StoreConformanceTest, EmptyStore) {
  EXPECT_EQ(this->Revision(), 0);
  EXPECT_EQ(this->store_->Get(Kind::kExpert, "jan").status(),
            samenspel::NotFoundError(ResourceName(Kind::kExpert, "jan")));
  EXPECT_TRUE(this->Scan(Kind::kExpert).empty());
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(0, 10, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_TRUE(changes->empty());
}

TYPED_TEST(StoreConformanceTest, CreateGetUpdateDelete) {
  // Binary data and an id with ':' must round-trip.
  const std::string data("v1\0\xff\n", 5);
  EXPECT_EQ(this->MustCommit(Request({Create(Kind::kExpert, "jan:1", data)})),
            std::vector<int64_t>{1});
  absl::StatusOr<StoredRecord> got = this->store_->Get(Kind::kExpert, "jan:1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->kind, Kind::kExpert);
  EXPECT_EQ(got->id, "jan:1");
  EXPECT_EQ(got->data, data);
  EXPECT_EQ(got->revision, 1);
  // The same id in another kind is another record.
  EXPECT_FALSE(this->store_->Get(Kind::kTeam, "jan:1").ok());

  EXPECT_EQ(this->MustCommit(Request({Update(Kind::kExpert, "jan:1", 1, "v2")})),
            std::vector<int64_t>{2});
  got = this->store_->Get(Kind::kExpert, "jan:1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->data, "v2");
  EXPECT_EQ(got->revision, 2);

  // expected_revision 0: unconditional.
  EXPECT_EQ(this->MustCommit(Request({Update(Kind::kExpert, "jan:1", 0, "v3")})),
            std::vector<int64_t>{3});
  EXPECT_EQ(this->MustCommit(Request({Delete(Kind::kExpert, "jan:1", 3)})),
            std::vector<int64_t>{4});
  EXPECT_EQ(this->store_->Get(Kind::kExpert, "jan:1").status(),
            samenspel::NotFoundError(ResourceName(Kind::kExpert, "jan:1")));
  EXPECT_EQ(this->Revision(), 4);
  // A deleted id can be created again.
  EXPECT_EQ(this->MustCommit(Request({Create(Kind::kExpert, "jan:1", "v5")})),
            std::vector<int64_t>{5});
}

// What a list with several filters chooses its index by.
TYPED_TEST(StoreConformanceTest, CountIndexedCountsTheRecordsOfAnIndexEntry) {
  this->MustCommit(Request({Create(Kind::kExpert, "a", "1", {{"theme", "water"}}),
                            Create(Kind::kExpert, "b", "2", {{"theme", "water"}}),
                            Create(Kind::kExpert, "c", "3", {{"theme", "wonen"}}),
                            Create(Kind::kTeam, "t", "4", {{"theme", "water"}})}));
  auto count = [&](Kind kind, std::string field, std::string value) {
    absl::StatusOr<int64_t> n = this->store_->CountIndexed(kind, {field, value});
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  };
  EXPECT_EQ(count(Kind::kExpert, "theme", "water"), 2);
  EXPECT_EQ(count(Kind::kExpert, "theme", "wonen"), 1);
  EXPECT_EQ(count(Kind::kExpert, "theme", "vuur"), 0);
  EXPECT_EQ(count(Kind::kTeam, "theme", "water"), 1);
  this->MustCommit(Request({Delete(Kind::kExpert, "a", 0)}));
  EXPECT_EQ(count(Kind::kExpert, "theme", "water"), 1);
}

TYPED_TEST(StoreConformanceTest, GetAsyncAnswersAsGetDoes) {
  const std::string data("v1\0\xff\n", 5);
  this->MustCommit(Request({Create(Kind::kExpert, "jan:1", data)}));
  auto get_async = [&](Kind kind, const std::string& id) {
    absl::Notification done;
    absl::StatusOr<StoredRecord> result;
    this->store_->GetAsync(kind, id, [&](absl::StatusOr<StoredRecord> r) {
      result = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return result;
  };
  absl::StatusOr<StoredRecord> got = get_async(Kind::kExpert, "jan:1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->kind, Kind::kExpert);
  EXPECT_EQ(got->id, "jan:1");
  EXPECT_EQ(got->data, data);
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(get_async(Kind::kTeam, "jan:1").status(),
            samenspel::NotFoundError(ResourceName(Kind::kTeam, "jan:1")));
  // A write is visible to the next read, sync or not.
  this->MustCommit(Request({Update(Kind::kExpert, "jan:1", 1, "v2")}));
  got = get_async(Kind::kExpert, "jan:1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->data, "v2");
  EXPECT_EQ(got->revision, 2);
}

TYPED_TEST(StoreConformanceTest, CommitAsyncAnswersAsCommitDoes) {
  auto commit_async = [&](CommitRequest request) {
    absl::Notification done;
    absl::StatusOr<CommitResult> result;
    this->store_->CommitAsync(std::move(request), [&](absl::StatusOr<CommitResult> r) {
      result = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return result;
  };
  this->MustCommit(Request({Create(Kind::kOrganisation, "bzk", "org")}));
  CommitRequest create =
      Request({Create(Kind::kExpert, "jan", "v1")},
              {Precondition::Exists(Kind::kOrganisation, "bzk", "expert.organisation")});
  create.request_id = "CreateExpert/jan";
  create.request_result = "jan";
  absl::StatusOr<CommitResult> result = commit_async(create);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->replayed);
  EXPECT_EQ(result->revisions, std::vector<int64_t>{2});
  absl::StatusOr<StoredRecord> got = this->store_->Get(Kind::kExpert, "jan");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->data, "v1");
  EXPECT_EQ(got->revision, 2);
  // A retry replays; the errors are Commit's.
  result = commit_async(create);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->replayed);
  EXPECT_EQ(result->request_result, "jan");
  const Mutation again = Create(Kind::kExpert, "jan", "v2");
  EXPECT_EQ(commit_async(Request({again})).status(),
            MutationFailure(again, absl::StatusCode::kAlreadyExists));
  const Precondition missing =
      Precondition::Exists(Kind::kOrganisation, "minbzk", "expert.organisation");
  EXPECT_EQ(
      commit_async(Request({Create(Kind::kExpert, "piet", "v1")}, {missing})).status(),
      missing.FailureStatus());
  EXPECT_FALSE(this->store_->Get(Kind::kExpert, "piet").ok());
  EXPECT_EQ(this->Revision(), 2);
}

TYPED_TEST(StoreConformanceTest, ConcurrentCommitAsyncsAllApplyInRevisionOrder) {
  // From several threads at once, with blocking commits between them: every
  // commit is answered once, with its own revision, each thread's
  // asynchronous commits apply in the order they were made, and the feed has
  // them all.
  constexpr int kThreads = 4, kEach = 50;
  struct Answers {
    absl::Mutex mu;
    std::map<std::string, int64_t> revision_of;  // expert id -> revision
    int answered = 0, failed = 0;
  };
  // Shared with the callbacks, which may outlive a failed test.
  auto answers = std::make_shared<Answers>();
  auto record = [answers](const std::string& id, const absl::StatusOr<CommitResult>& r) {
    absl::MutexLock lock(&answers->mu);
    ++answers->answered;
    if (r.ok()) {
      answers->revision_of[id] = r->revisions.front();
    } else {
      ++answers->failed;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = absl::StrFormat("e%d-%02d", t, i);
        if (i % 10 == 9) {
          record(id, this->store_->Commit(Request({Create(Kind::kExpert, id, id)})));
          continue;
        }
        this->store_->CommitAsync(
            Request({Create(Kind::kExpert, id, id)}),
            [record, id](absl::StatusOr<CommitResult> r) { record(id, r); });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  {
    absl::MutexLock lock(&answers->mu);
    auto all_answered = [&] { return answers->answered == kThreads * kEach; };
    ASSERT_TRUE(
        answers->mu.AwaitWithTimeout(absl::Condition(&all_answered), absl::Seconds(20)));
    EXPECT_EQ(answers->failed, 0);
  }
  std::map<std::string, int64_t> revision_of;
  {
    absl::MutexLock lock(&answers->mu);
    revision_of = answers->revision_of;
  }
  std::set<int64_t> revisions;
  for (const auto& [id, revision] : revision_of) revisions.insert(revision);
  EXPECT_EQ(revisions.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(this->Revision(), kThreads * kEach);
  for (int t = 0; t < kThreads; ++t) {
    int64_t last = 0;
    for (int i = 0; i < kEach; ++i) {
      if (i % 10 == 9) continue;
      const int64_t revision = revision_of[absl::StrFormat("e%d-%02d", t, i)];
      EXPECT_GT(revision, last) << "thread " << t << ", commit " << i;
      last = revision;
    }
  }
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(0, 1000, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < changes->size(); ++i) {
    const StoredChange& c = (*changes)[i];
    EXPECT_EQ(c.revision, static_cast<int64_t>(i + 1));
    EXPECT_EQ(revision_of[c.id], c.revision) << c.id;
  }
}

TYPED_TEST(StoreConformanceTest, AbandonedCommitsAreNotWritten) {
  int asked = 0;
  CommitRequest gone = Request({Create(Kind::kExpert, "jan", "x")});
  gone.request_id = "CreateExpert/jan";
  gone.abandoned = [&asked] { return ++asked > 0; };
  EXPECT_EQ(this->store_->Commit(gone).status().code(), absl::StatusCode::kCancelled);
  absl::Notification done;
  absl::StatusOr<CommitResult> async_result;
  this->store_->CommitAsync(gone, [&](absl::StatusOr<CommitResult> r) {
    async_result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_EQ(async_result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(asked, 2);
  EXPECT_FALSE(this->store_->Get(Kind::kExpert, "jan").ok());
  EXPECT_EQ(this->Revision(), 0);
  // Its request_id was not recorded; a caller still there commits.
  CommitRequest there = gone;
  there.abandoned = [] { return false; };
  absl::StatusOr<CommitResult> result = this->store_->Commit(there);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->replayed);
  EXPECT_EQ(result->revisions, std::vector<int64_t>{1});
}

TYPED_TEST(StoreConformanceTest, AtRevisionPreconditionHoldsOnlyForThatRevision) {
  this->MustCommit(Request({Create(Kind::kOrganisation, "bzk", "v1")}));  // revision 1
  // Unchanged since read: the commit applies.
  EXPECT_EQ(this->MustCommit(
                Request({Create(Kind::kExpert, "jan", "x")},
                        {Precondition::AtRevision(Kind::kOrganisation, "bzk", 1)})),
            std::vector<int64_t>{2});
  // Changed since read, or gone: ABORTED (CHANGED_MEANWHILE), nothing written.
  this->MustCommit(Request({Update(Kind::kOrganisation, "bzk", 1, "v2")}));  // revision 3
  const Precondition stale = Precondition::AtRevision(Kind::kOrganisation, "bzk", 1);
  absl::Status status =
      this->store_->Commit(Request({Create(Kind::kExpert, "piet", "x")}, {stale}))
          .status();
  EXPECT_EQ(status, stale.FailureStatus());
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  const Precondition absent = Precondition::AtRevision(Kind::kOrganisation, "minbzk", 1);
  EXPECT_EQ(this->store_->Commit(Request({Create(Kind::kExpert, "piet", "x")}, {absent}))
                .status(),
            absent.FailureStatus());
  EXPECT_FALSE(this->store_->Get(Kind::kExpert, "piet").ok());
  EXPECT_EQ(this->Revision(), 3);
  EXPECT_EQ(this->MustCommit(
                Request({Create(Kind::kExpert, "piet", "x")},
                        {Precondition::AtRevision(Kind::kOrganisation, "bzk", 3)})),
            std::vector<int64_t>{4});
}

TYPED_TEST(StoreConformanceTest, MutationFailures) {
  this->MustCommit(Request({Create(Kind::kExpert, "jan", "v1")}));
  const Mutation create = Create(Kind::kExpert, "jan", "again");
  EXPECT_EQ(this->store_->Commit(Request({create})).status(),
            MutationFailure(create, absl::StatusCode::kAlreadyExists));
  const Mutation update = Update(Kind::kExpert, "piet", 0, "x");
  EXPECT_EQ(this->store_->Commit(Request({update})).status(),
            MutationFailure(update, absl::StatusCode::kNotFound));
  const Mutation remove = Delete(Kind::kExpert, "piet");
  EXPECT_EQ(this->store_->Commit(Request({remove})).status(),
            MutationFailure(remove, absl::StatusCode::kNotFound));
  const Mutation stale_update = Update(Kind::kExpert, "jan", 7, "x");
  EXPECT_EQ(this->store_->Commit(Request({stale_update})).status(),
            MutationFailure(stale_update, absl::StatusCode::kAborted));
  const Mutation stale_delete = Delete(Kind::kExpert, "jan", 7);
  EXPECT_EQ(this->store_->Commit(Request({stale_delete})).status(),
            MutationFailure(stale_delete, absl::StatusCode::kAborted));
  // Nothing of the failures was written.
  EXPECT_EQ(this->Revision(), 1);
  absl::StatusOr<StoredRecord> got = this->store_->Get(Kind::kExpert, "jan");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data, "v1");
}

TYPED_TEST(StoreConformanceTest, ExistsPrecondition) {
  const Precondition needs_bzk =
      Precondition::Exists(Kind::kOrganisation, "bzk", "expert.organisation");
  const absl::Status status =
      this->store_->Commit(Request({Create(Kind::kExpert, "jan", "x")}, {needs_bzk}))
          .status();
  EXPECT_EQ(status, needs_bzk.FailureStatus());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  // The BadRequest detail names the request field.
  auto payload = status.GetPayload("type.googleapis.com/google.rpc.BadRequest");
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(std::string(*payload)));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "expert.organisation");
  EXPECT_FALSE(this->store_->Get(Kind::kExpert, "jan").ok());
  EXPECT_EQ(this->Revision(), 0);

  this->MustCommit(Request({Create(Kind::kOrganisation, "bzk", "o")}));
  EXPECT_EQ(this->MustCommit(Request({Create(Kind::kExpert, "jan", "x")}, {needs_bzk})),
            std::vector<int64_t>{2});
}

TYPED_TEST(StoreConformanceTest, IndexEmptyPrecondition) {
  const IndexEntry of_bzk{"organisation", "bzk"};
  this->MustCommit(Request({Create(Kind::kOrganisation, "bzk", "o"),
                            Create(Kind::kExpert, "jan", "x", {of_bzk})}));
  const Precondition no_experts =
      Precondition::IndexEmpty(Kind::kExpert, of_bzk, "organisation has experts");
  const absl::Status status =
      this->store_->Commit(Request({Delete(Kind::kOrganisation, "bzk")}, {no_experts}))
          .status();
  EXPECT_EQ(status, no_experts.FailureStatus());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(this->store_->Get(Kind::kOrganisation, "bzk").ok());

  // Moving the expert away empties the index.
  this->MustCommit(
      Request({Update(Kind::kExpert, "jan", 0, "y", {{"organisation", "rws"}})}));
  EXPECT_EQ(this->MustCommit(Request({Delete(Kind::kOrganisation, "bzk")}, {no_experts})),
            std::vector<int64_t>{4});
}

TYPED_TEST(StoreConformanceTest, IndexExactlyPrecondition) {
  const IndexEntry of_bzk{"organisation", "bzk"};
  const IndexEntry of_rws{"organisation", "rws"};
  this->MustCommit(Request({Create(Kind::kOrganisation, "bzk", "o"),
                            Create(Kind::kExpert, "jan", "x", {of_bzk}),
                            Create(Kind::kExpert, "an", "x", {of_bzk}),
                            Create(Kind::kExpert, "piet", "x", {of_rws})}));
  auto commit_if = [&](const IndexEntry& index, std::vector<std::string> ids) {
    return this->store_
        ->Commit(Request({Update(Kind::kOrganisation, "bzk", 0, "o2")},
                         {Precondition::IndexExactly(Kind::kExpert, index, ids)}))
        .status();
  };
  // As listed, in any order: the commit goes ahead.
  EXPECT_TRUE(commit_if(of_bzk, {"jan", "an"}).ok());
  EXPECT_TRUE(commit_if({"organisation", "none"}, {}).ok());
  // One more, one fewer or another: ABORTED, to be read again.
  const Precondition stale =
      Precondition::IndexExactly(Kind::kExpert, of_bzk, {"an", "jan", "kees"});
  const int64_t before = this->Revision();
  EXPECT_EQ(commit_if(of_bzk, {"an", "jan", "kees"}), stale.FailureStatus());
  EXPECT_EQ(stale.FailureStatus().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(commit_if(of_bzk, {"an"}).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(commit_if(of_bzk, {"an", "piet"}).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(commit_if(of_rws, {}).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(this->Revision(), before);
}

TYPED_TEST(StoreConformanceTest, FailingLaterMutationWritesNothing) {
  this->MustCommit(Request({Create(Kind::kExpert, "b", "old")}));
  const int64_t before = this->Revision();
  const Mutation duplicate = Create(Kind::kExpert, "b", "new");
  EXPECT_EQ(this->store_
                ->Commit(Request({Create(Kind::kExpert, "a", "a", {{"theme", "water"}}),
                                  Update(Kind::kExpert, "b", 0, "changed"), duplicate}))
                .status(),
            MutationFailure(duplicate, absl::StatusCode::kAlreadyExists));
  EXPECT_FALSE(this->store_->Get(Kind::kExpert, "a").ok());
  EXPECT_EQ(this->store_->Get(Kind::kExpert, "b")->data, "old");
  EXPECT_TRUE(this->Scan(Kind::kExpert, IndexEntry{"theme", "water"}).empty());
  EXPECT_EQ(this->Scan(Kind::kExpert), std::vector<std::string>{"b"});
  EXPECT_EQ(this->Revision(), before);
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(before, 10, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_TRUE(changes->empty());

  // A failing precondition after good mutations: the same.
  const Precondition missing = Precondition::Exists(Kind::kTeam, "t", "team");
  EXPECT_EQ(this->store_->Commit(Request({Create(Kind::kExpert, "a", "a")}, {missing}))
                .status(),
            missing.FailureStatus());
  EXPECT_FALSE(this->store_->Get(Kind::kExpert, "a").ok());
  EXPECT_EQ(this->Revision(), before);
}

TYPED_TEST(StoreConformanceTest, MultiMutationCommitGetsConsecutiveRevisions) {
  this->MustCommit(Request({Create(Kind::kOrganisation, "o", "o")}));
  EXPECT_EQ(this->MustCommit(
                Request({Create(Kind::kExpert, "a", "a"), Create(Kind::kExpert, "b", "b"),
                         Update(Kind::kOrganisation, "o", 1, "o2")})),
            (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(this->store_->Get(Kind::kExpert, "b")->revision, 3);
  EXPECT_EQ(this->store_->Get(Kind::kOrganisation, "o")->revision, 4);
}

TYPED_TEST(StoreConformanceTest, UpdateReplacesIndexEntries) {
  const IndexEntry bzk{"organisation", "bzk"};
  const IndexEntry rws{"organisation", "rws"};
  const IndexEntry water{"theme", "water"};
  this->MustCommit(Request({Create(Kind::kExpert, "jan", "x", {bzk, water})}));
  EXPECT_EQ(this->Scan(Kind::kExpert, bzk), std::vector<std::string>{"jan"});
  EXPECT_EQ(this->Scan(Kind::kExpert, water), std::vector<std::string>{"jan"});

  this->MustCommit(Request({Update(Kind::kExpert, "jan", 0, "y", {rws, water})}));
  EXPECT_TRUE(this->Scan(Kind::kExpert, bzk).empty());
  EXPECT_EQ(this->Scan(Kind::kExpert, rws), std::vector<std::string>{"jan"});
  EXPECT_EQ(this->Scan(Kind::kExpert, water), std::vector<std::string>{"jan"});
  // Indexes are per kind.
  EXPECT_TRUE(this->Scan(Kind::kTeam, rws).empty());

  this->MustCommit(Request({Delete(Kind::kExpert, "jan")}));
  EXPECT_TRUE(this->Scan(Kind::kExpert, rws).empty());
  EXPECT_TRUE(this->Scan(Kind::kExpert, water).empty());
  EXPECT_TRUE(this->Scan(Kind::kExpert).empty());
}

TYPED_TEST(StoreConformanceTest, ListPagesInCreateOrder) {
  // Created in this order, which is not their ids' order.
  const std::vector<std::string> ids = {"b", "\xc3\xa9", "a-b", "Z", "ab", "a"};
  const IndexEntry water{"theme", "water"};
  for (const std::string& id : ids) {
    std::vector<IndexEntry> indexes;
    if (id != "a" && id != "b") indexes.push_back(water);
    this->MustCommit(Request({Create(Kind::kExpert, id, "data-" + id, indexes)}));
  }
  this->MustCommit(Request({Create(Kind::kTeam, "a0", "team")}));
  // An update keeps the record's place, also in an index it joins.
  this->MustCommit(Request({Update(Kind::kExpert, "b", 1, "data-b2", {water})}));

  ListRequest request;
  request.kind = Kind::kExpert;
  request.limit = 4;
  absl::StatusOr<ListResult> page = this->store_->List(request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Ids(page->records), (std::vector<std::string>{"b", "\xc3\xa9", "a-b", "Z"}));
  EXPECT_TRUE(page->more);
  EXPECT_EQ(page->revision, 8);
  EXPECT_EQ(page->records[0].data, "data-b2");
  EXPECT_EQ(page->records[0].revision, 8);
  EXPECT_EQ(page->records[0].position, 1);  // its create revision
  EXPECT_EQ(page->records[1].data, "data-\xc3\xa9");
  EXPECT_EQ(page->records[1].revision, 2);
  EXPECT_EQ(page->records[1].kind, Kind::kExpert);
  EXPECT_EQ(page->records[3].position, 4);

  request.after_position = page->records.back().position;
  page = this->store_->List(request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Ids(page->records), (std::vector<std::string>{"ab", "a"}));
  EXPECT_FALSE(page->more);

  // Pages continue after any position.
  request.after_position = 2;
  request.limit = 2;
  page = this->store_->List(request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Ids(page->records), (std::vector<std::string>{"a-b", "Z"}));
  EXPECT_TRUE(page->more);

  EXPECT_EQ(this->Scan(Kind::kExpert, water, 2),
            (std::vector<std::string>{"b", "\xc3\xa9", "a-b", "Z", "ab"}));
  EXPECT_EQ(this->Scan(Kind::kExpert, IndexEntry{"theme", "fire"}),
            std::vector<std::string>{});
  EXPECT_EQ(this->Scan(Kind::kTeam), std::vector<std::string>{"a0"});

  // Deleted and created again, a record goes to the end.
  this->MustCommit(Request({Delete(Kind::kExpert, "\xc3\xa9")}));
  this->MustCommit(Request({Create(Kind::kExpert, "\xc3\xa9", "again", {water})}));
  EXPECT_EQ(this->Scan(Kind::kExpert),
            (std::vector<std::string>{"b", "a-b", "Z", "ab", "a", "\xc3\xa9"}));
  request.index = water;
  request.after_position = 0;
  request.limit = 10;
  page = this->store_->List(request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Ids(page->records),
            (std::vector<std::string>{"b", "a-b", "Z", "ab", "\xc3\xa9"}));
  EXPECT_EQ(page->records.back().position, 10);
  EXPECT_FALSE(page->more);
  EXPECT_EQ(page->revision, 10);

  // Deleted and written again within one commit, likewise (both stores).
  this->MustCommit(Request(
      {Delete(Kind::kExpert, "b"), Update(Kind::kExpert, "b", 0, "b3", {water})}));
  EXPECT_EQ(this->Scan(Kind::kExpert),
            (std::vector<std::string>{"a-b", "Z", "ab", "a", "\xc3\xa9", "b"}));
  EXPECT_EQ(this->Scan(Kind::kExpert, water),
            (std::vector<std::string>{"a-b", "Z", "ab", "\xc3\xa9", "b"}));
}

TYPED_TEST(StoreConformanceTest, FullScanDuringWritesSeesStableRecordsOnce) {
  std::vector<Mutation> stable;
  std::set<std::string> stable_ids;
  for (int i = 0; i < 300; ++i) {
    std::string id = absl::StrFormat("s%04d", i * 2);
    stable.push_back(Create(Kind::kExpert, id, "stable", {{"theme", "t"}}));
    stable_ids.insert(id);
  }
  this->MustCommit(Request(stable));

  // A writer creates and deletes records with ids between the stable ones.
  std::atomic<bool> done{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    for (int round = 0; !done.load(); ++round) {
      const std::string id = absl::StrFormat("s%04d", (round * 37 % 300) * 2 + 1);
      absl::Status s =
          this->store_
              ->Commit(Request({Create(Kind::kExpert, id, "churn", {{"theme", "t"}})}))
              .status();
      if (s.ok()) {
        s = this->store_->Commit(Request({Delete(Kind::kExpert, id)})).status();
      }
      EXPECT_TRUE(s.ok()) << s;
      writes.fetch_add(1);
    }
  });
  // Wait for the writer to get going so the scans overlap its writes.
  while (writes.load() < 5) std::this_thread::yield();
  for (const std::optional<IndexEntry>& index :
       {std::optional<IndexEntry>(),
        std::optional<IndexEntry>(IndexEntry{"theme", "t"})}) {
    for (int scan = 0; scan < 3; ++scan) {
      const std::vector<std::string> ids = this->Scan(Kind::kExpert, index, 7);
      EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size())
          << "duplicate id";
      // The stable records, in the order they were created (their ids').
      std::vector<std::string> seen_stable;
      for (const std::string& id : ids) {
        if (stable_ids.contains(id)) seen_stable.push_back(id);
      }
      EXPECT_EQ(seen_stable,
                std::vector<std::string>(stable_ids.begin(), stable_ids.end()));
    }
  }
  done = true;
  writer.join();
  EXPECT_GT(writes.load(), 5);
}

TYPED_TEST(StoreConformanceTest, RequestIdReplays) {
  CommitRequest first = Request({Create(Kind::kExpert, "jan", "x")});
  first.request_id = "CreateExpert/jan";
  first.request_result = std::string("result\0bytes", 12);
  absl::StatusOr<CommitResult> result = this->store_->Commit(first);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->replayed);
  EXPECT_EQ(result->revisions, std::vector<int64_t>{1});

  // A retry replays, even with other content: nothing is written.
  CommitRequest retry = Request({Create(Kind::kExpert, "piet", "y")});
  retry.request_id = "CreateExpert/jan";
  retry.request_result = "other";
  result = this->store_->Commit(retry);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->replayed);
  EXPECT_TRUE(result->revisions.empty());
  EXPECT_EQ(result->request_result, first.request_result);
  EXPECT_EQ(result->request_fingerprint, "");  // the first stored none
  EXPECT_FALSE(this->store_->Get(Kind::kExpert, "piet").ok());
  EXPECT_EQ(this->Revision(), 1);

  // A fingerprint is kept beside the result, and a replay returns the
  // first one's (the caller compares).
  CommitRequest printed = Request({Create(Kind::kExpert, "anna", "x")});
  printed.request_id = "CreateExpert/anna";
  printed.request_result = "anna";
  printed.request_fingerprint = std::string("fp\0of-anna", 10);
  ASSERT_TRUE(this->store_->Commit(printed).ok());
  CommitRequest other = printed;
  other.mutations = {Create(Kind::kExpert, "bert", "y")};
  other.request_fingerprint = "another";
  result = this->store_->Commit(other);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->replayed);
  EXPECT_EQ(result->request_result, "anna");
  EXPECT_EQ(result->request_fingerprint, printed.request_fingerprint);
  EXPECT_EQ(this->Revision(), 2);

  // A failed commit does not record its request_id.
  CommitRequest failing = Request({Create(Kind::kExpert, "jan", "z")});
  failing.request_id = "CreateExpert/jan2";
  EXPECT_EQ(this->store_->Commit(failing).status().code(),
            absl::StatusCode::kAlreadyExists);
  failing.mutations = {Create(Kind::kExpert, "jan2", "z")};
  result = this->store_->Commit(failing);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->replayed);
  EXPECT_EQ(result->revisions, std::vector<int64_t>{3});
}

TYPED_TEST(StoreConformanceTest, ReadChangesInOrderWithoutGaps) {
  CommitRequest first = Request(
      {Create(Kind::kOrganisation, "bzk", "o1"), Create(Kind::kTeam, "jan", "e1")});
  first.commit_time = absl::FromUnixMicros(1700000000000001);
  this->MustCommit(first);
  CommitRequest second = Request({Update(Kind::kTeam, "jan", 2, "e2")});
  second.commit_time = absl::FromUnixMicros(1700000000000002);
  this->MustCommit(second);
  CommitRequest third = Request({Delete(Kind::kTeam, "jan")});
  third.commit_time = absl::FromUnixMicros(1700000000000003);
  this->MustCommit(third);

  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(0, 100, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 4u);
  const StoredChange& c1 = (*changes)[0];
  EXPECT_EQ(c1.revision, 1);
  EXPECT_EQ(c1.type, ChangeType::kCreated);
  EXPECT_EQ(c1.kind, Kind::kOrganisation);
  EXPECT_EQ(c1.id, "bzk");
  EXPECT_EQ(c1.data, "o1");
  EXPECT_EQ(c1.commit_time, first.commit_time);
  EXPECT_EQ((*changes)[1].revision, 2);
  EXPECT_EQ((*changes)[1].kind, Kind::kTeam);
  EXPECT_EQ((*changes)[1].commit_time, first.commit_time);
  const StoredChange& c3 = (*changes)[2];
  EXPECT_EQ(c3.revision, 3);
  EXPECT_EQ(c3.type, ChangeType::kUpdated);
  EXPECT_EQ(c3.data, "e2");
  EXPECT_EQ(c3.commit_time, second.commit_time);
  const StoredChange& c4 = (*changes)[3];
  EXPECT_EQ(c4.revision, 4);
  EXPECT_EQ(c4.type, ChangeType::kDeleted);
  EXPECT_EQ(c4.id, "jan");
  EXPECT_TRUE(c4.data.empty());
  EXPECT_EQ(c4.commit_time, third.commit_time);

  // Paging by max, from any revision.
  changes = this->store_->ReadChanges(1, 2, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].revision, 2);
  EXPECT_EQ((*changes)[1].revision, 3);
  changes = this->store_->ReadChanges(4, 10, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_TRUE(changes->empty());
}

TYPED_TEST(StoreConformanceTest, DeletingAnExpertRedactsItsFeedHistory) {
  const std::string personal = "jan@example.nl: Jan Jansen, bio";
  this->MustCommit(Request({Create(Kind::kExpert, "jan", personal + " v1")}));
  this->MustCommit(Request({Create(Kind::kTeam, "t", "team v1")}));
  this->MustCommit(Request({Update(Kind::kExpert, "jan", 0, personal + " v2")}));
  this->MustCommit(Request({Create(Kind::kExpert, "piet", "piet v1")}));
  this->MustCommit(Request({Delete(Kind::kTeam, "t", 0)}));
  this->MustCommit(Request({Delete(Kind::kExpert, "jan", 0)}));
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(0, 100, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 6u);
  const std::vector<ChangeType> want = {ChangeType::kRedacted, ChangeType::kCreated,
                                        ChangeType::kRedacted, ChangeType::kCreated,
                                        ChangeType::kDeleted,  ChangeType::kDeleted};
  for (size_t i = 0; i < changes->size(); ++i) {
    const StoredChange& c = (*changes)[i];
    EXPECT_EQ(c.revision, static_cast<int64_t>(i + 1));
    EXPECT_EQ(c.type, want[i]) << "revision " << c.revision;
    EXPECT_EQ(c.data.find("jan@example.nl"), std::string::npos) << c.revision;
    EXPECT_EQ(c.commit_time, absl::FromUnixMicros(1700000000123456)) << c.revision;
  }
  EXPECT_EQ((*changes)[0].id, "jan");
  EXPECT_EQ((*changes)[0].kind, Kind::kExpert);
  EXPECT_EQ((*changes)[0].data, "");
  // Other records keep their history, a deleted team too (no personal data).
  EXPECT_EQ((*changes)[1].data, "team v1");
  EXPECT_EQ((*changes)[3].data, "piet v1");
  // Reading from the middle of a redacted stretch works the same.
  changes = this->store_->ReadChanges(2, 100, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 4u);
  EXPECT_EQ(changes->front().revision, 3);
  EXPECT_EQ(changes->front().type, ChangeType::kRedacted);
}

TYPED_TEST(StoreConformanceTest, ReadChangesWaitsForACommit) {
  this->MustCommit(Request({Create(Kind::kExpert, "a", "a")}));
  absl::Notification reading;
  std::thread writer([&] {
    reading.WaitForNotification();
    // Give the reader time to block; it must not depend on it.
    absl::SleepFor(absl::Milliseconds(100));
    this->MustCommit(Request({Create(Kind::kExpert, "b", "b")}));
  });
  const absl::Time start = absl::Now();
  reading.Notify();
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(1, 10, absl::Seconds(20));
  const absl::Duration elapsed = absl::Now() - start;
  writer.join();
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].revision, 2);
  EXPECT_EQ((*changes)[0].id, "b");
  EXPECT_LT(elapsed, absl::Seconds(10));
}

TYPED_TEST(StoreConformanceTest, ReadChangesReturnsEmptyAfterWaiting) {
  this->MustCommit(Request({Create(Kind::kExpert, "a", "a")}));
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(1, 10, absl::Milliseconds(200));
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_TRUE(changes->empty());
  EXPECT_GE(elapsed, absl::Milliseconds(190));
  EXPECT_LT(elapsed, absl::Seconds(5));
}

TYPED_TEST(StoreConformanceTest, TrimmedFeedIsOutOfRange) {
  this->store_ = this->NewStore(/*feed_retention=*/10);
  ASSERT_NE(this->store_, nullptr);
  // 400 changes: far more than any implementation keeps for a retention of
  // 10 (Redis trims approximately, whole stream nodes of up to 100 entries).
  for (int c = 0; c < 40; ++c) {
    std::vector<Mutation> mutations;
    for (int i = 0; i < 10; ++i) {
      mutations.push_back(Create(Kind::kExpert, absl::StrCat("e", c, "-", i), "x"));
    }
    this->MustCommit(Request(mutations));
  }
  ASSERT_EQ(this->Revision(), 400);
  for (int64_t after : {1, 250}) {
    absl::StatusOr<std::vector<StoredChange>> changes =
        this->store_->ReadChanges(after, 10, absl::ZeroDuration());
    EXPECT_EQ(changes.status().code(), absl::StatusCode::kOutOfRange) << after;
    EXPECT_EQ(ReasonOf(changes.status()), "REVISION_NOT_RETAINED") << changes.status();
  }
  // After 0: from the oldest change retained, whatever it is.
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(0, 1000, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_FALSE(changes->empty());
  EXPECT_GT(changes->front().revision, 1);
  EXPECT_EQ(changes->back().revision, 400);
  EXPECT_EQ(changes->back().revision - changes->front().revision + 1,
            static_cast<int64_t>(changes->size()));
  // The last `feed_retention` changes are kept.
  changes = this->store_->ReadChanges(390, 100, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 10u);
  EXPECT_EQ(changes->front().revision, 391);
  EXPECT_EQ(changes->back().revision, 400);
}

TYPED_TEST(StoreConformanceTest, AReaderBehindAnErasedChangeOfATrimmedFeedResyncs) {
  this->store_ = this->NewStore(/*feed_retention=*/10);
  ASSERT_NE(this->store_, nullptr);
  // Revision 1 is erased when jan is deleted (2); then 400 more changes trim
  // the feed far past both, and no later erasure clears the marker of 1.
  this->MustCommit(Request({Create(Kind::kExpert, "jan", "jan@example.nl")}));
  this->MustCommit(Request({Delete(Kind::kExpert, "jan", 0)}));
  for (int c = 0; c < 40; ++c) {
    std::vector<Mutation> mutations;
    for (int i = 0; i < 10; ++i) {
      mutations.push_back(Create(Kind::kExpert, absl::StrCat("e", c, "-", i), "x"));
    }
    this->MustCommit(Request(mutations));
  }
  ASSERT_EQ(this->Revision(), 402);
  // A reader after 1 (the marker) is OUT_OF_RANGE, and resyncs.
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(1, 100, absl::ZeroDuration());
  EXPECT_EQ(changes.status().code(), absl::StatusCode::kOutOfRange) << changes.status();
  // A reader from 0 starts at the oldest entry retained, past the marker
  // that outlived the entries after it, and reads to the end without a gap.
  int64_t after = 0;
  for (int read = 0; read < 10 && after < 402; ++read) {
    changes = this->store_->ReadChanges(after, 100, absl::ZeroDuration());
    ASSERT_TRUE(changes.ok()) << changes.status();
    ASSERT_FALSE(changes->empty()) << after;
    if (after == 0) {
      EXPECT_GT(changes->front().revision, 2);
      after = changes->front().revision - 1;
    }
    for (const StoredChange& c : *changes) EXPECT_EQ(c.revision, ++after);
  }
  EXPECT_EQ(after, 402);
}

TYPED_TEST(StoreConformanceTest, ConcurrentCommitsGetGapFreeRevisions) {
  constexpr int kThreads = 6;
  constexpr int kCommitsPerThread = 150;
  std::vector<std::vector<std::vector<int64_t>>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCommitsPerThread; ++c) {
        std::vector<Mutation> mutations = {
            Create(Kind::kExpert, absl::StrCat("t", t, "-", c), "x")};
        if (c % 3 == 0) {
          mutations.push_back(Create(Kind::kTeam, absl::StrCat("t", t, "-", c), "y"));
        }
        per_thread[t].push_back(this->MustCommit(Request(mutations)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<int64_t> all;
  for (const auto& commits : per_thread) {
    int64_t last = 0;
    for (const std::vector<int64_t>& revisions : commits) {
      ASSERT_FALSE(revisions.empty());
      EXPECT_GT(revisions.front(), last) << "a thread's commits go forward";
      for (size_t i = 1; i < revisions.size(); ++i) {
        EXPECT_EQ(revisions[i], revisions[i - 1] + 1) << "one commit is consecutive";
      }
      last = revisions.back();
      all.insert(all.end(), revisions.begin(), revisions.end());
    }
  }
  std::sort(all.begin(), all.end());
  const int64_t total = static_cast<int64_t>(all.size());
  EXPECT_EQ(total, kThreads * (kCommitsPerThread + kCommitsPerThread / 3));
  for (int64_t i = 0; i < total; ++i) ASSERT_EQ(all[i], i + 1);
  EXPECT_EQ(this->Revision(), total);

  // The feed has them all, in order, without gaps.
  int64_t after = 0;
  while (after < total) {
    absl::StatusOr<std::vector<StoredChange>> changes =
        this->store_->ReadChanges(after, 100, absl::ZeroDuration());
    ASSERT_TRUE(changes.ok()) << changes.status();
    ASSERT_FALSE(changes->empty());
    for (const StoredChange& change : *changes) ASSERT_EQ(change.revision, ++after);
  }
}

// Many callers at once (RedisStore groups concurrent commits into one script
// call): each commit is still all or nothing on its own.
TYPED_TEST(StoreConformanceTest, RacingCommitsAreEachAllOrNothing) {
  constexpr int kThreads = 16;
  constexpr int kRounds = 20;
  std::vector<std::vector<bool>> won(kThreads, std::vector<bool>(kRounds));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        // Everyone creates its own record and the round's shared one.
        const Mutation shared = Create(Kind::kTeam, absl::StrCat("shared-", round), "s");
        absl::StatusOr<CommitResult> result = this->store_->Commit(Request(
            {Create(Kind::kExpert, absl::StrCat("own-", t, "-", round), "o"), shared}));
        if (result.ok()) {
          won[t][round] = true;
        } else {
          EXPECT_EQ(result.status(),
                    MutationFailure(shared, absl::StatusCode::kAlreadyExists));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int round = 0; round < kRounds; ++round) {
    int winners = 0;
    for (int t = 0; t < kThreads; ++t) {
      winners += won[t][round];
      EXPECT_EQ(
          this->store_->Get(Kind::kExpert, absl::StrCat("own-", t, "-", round)).ok(),
          won[t][round]);
    }
    EXPECT_EQ(winners, 1) << "round " << round;
  }
  EXPECT_EQ(this->Revision(), 2 * kRounds);
  absl::StatusOr<std::vector<StoredChange>> changes =
      this->store_->ReadChanges(0, 1000, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), static_cast<size_t>(2 * kRounds));
  for (int i = 0; i < 2 * kRounds; ++i) EXPECT_EQ((*changes)[i].revision, i + 1);
}

// replay_only looks a request up and writes nothing: the earlier result
// when there is one (also when its preconditions would fail now), else
// NOT_FOUND, and the request id stays free.
TYPED_TEST(StoreConformanceTest, AReplayOnlyCommitLooksTheRequestUp) {
  CommitRequest first = Request({Create(Kind::kExpert, "jan", "x")});
  first.request_id = "CreateExpert/jan";
  first.request_result = "jan";
  first.request_fingerprint = "fp-jan";
  ASSERT_TRUE(this->store_->Commit(first).ok());

  CommitRequest probe;
  probe.commit_time = absl::Now();
  probe.request_id = "CreateExpert/jan";
  probe.replay_only = true;
  probe.preconditions.push_back(
      Precondition::Exists(Kind::kOrganisation, "gone", "expert.organisation"));
  absl::StatusOr<CommitResult> result = this->store_->Commit(probe);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->replayed);
  EXPECT_EQ(result->request_result, "jan");
  EXPECT_EQ(result->request_fingerprint, "fp-jan");

  probe.request_id = "CreateExpert/nobody";
  for (bool with_precondition : {true, false}) {
    if (!with_precondition) probe.preconditions.clear();
    result = this->store_->Commit(probe);
    EXPECT_TRUE(absl::IsNotFound(result.status())) << result.status();
    EXPECT_EQ(result.status(), NoEarlierRequest());
  }
  EXPECT_EQ(this->Revision(), 1);
  // Nothing was recorded under the id looked up.
  CommitRequest later = Request({Create(Kind::kExpert, "nobody", "y")});
  later.request_id = "CreateExpert/nobody";
  later.request_result = "nobody";
  result = this->store_->Commit(later);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->replayed);
}

TYPED_TEST(StoreConformanceTest, RacingRetriesOfOneRequestApplyOnce) {
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<CommitResult>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CommitRequest request = Request({Create(Kind::kExpert, absl::StrCat("e", t), "x")});
      request.request_id = "CreateExpert/once";
      request.request_result = absl::StrCat("e", t);
      results[t] = this->store_->Commit(request);
    });
  }
  for (std::thread& thread : threads) thread.join();
  int applied = 0;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    applied += !result->replayed;
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(this->Revision(), 1);
  // Every retry answers with what the one applied commit stored.
  const std::vector<std::string> created = this->Scan(Kind::kExpert);
  ASSERT_EQ(created.size(), 1u);
  for (const auto& result : results) {
    if (result->replayed) {
      EXPECT_EQ(result->request_result, created[0]);
    }
  }
}

}  // namespace
}  // namespace samenspel::registry
