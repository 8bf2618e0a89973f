#include "registry-service/redis/redis_store.h"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "registry-service/redis/redis_scripts.h"

namespace samenspel::registry {
namespace {

// Arguments of one command: views of the caller's strings (record data is
// not copied) and strings owned here. Movable: a moved deque keeps its
// elements where they are. Not thread-safe.
class CommandArgs {
 public:
  // REQUIRES: `arg` outlives this.
  void Add(absl::string_view arg) {
    views_.push_back(arg);
    bytes_ += arg.size();
  }
  void AddOwned(std::string arg) {
    owned_.push_back(std::move(arg));  // A deque never moves its elements.
    Add(owned_.back());
  }
  void AddInt(int64_t value) { AddOwned(absl::StrCat(value)); }

  const std::vector<absl::string_view>& views() const { return views_; }
  // The total size of the arguments.
  size_t bytes() const { return bytes_; }

 private:
  std::deque<std::string> owned_;
  std::vector<absl::string_view> views_;
  size_t bytes_ = 0;
};

absl::Status Corrupt(absl::string_view what) {
  return absl::InternalError(absl::StrCat("corrupt registry data in redis: ", what));
}

absl::string_view AsString(const redisReply& reply) {
  return absl::string_view(reply.str, reply.len);
}

bool IsString(const redisReply& reply) {
  return reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS;
}

// An integer reply, or a string reply holding a decimal integer.
bool AsInt(const redisReply& reply, int64_t* value) {
  if (reply.type == REDIS_REPLY_INTEGER) {
    *value = reply.integer;
    return true;
  }
  return IsString(reply) && absl::SimpleAtoi(AsString(reply), value);
}

bool IsArray(const redisReply& reply, size_t min_elements) {
  return reply.type == REDIS_REPLY_ARRAY && reply.elements >= min_elements;
}

// A record's revision field: a positive decimal.
absl::StatusOr<int64_t> RevisionOf(const redisReply& reply, absl::string_view key) {
  int64_t revision;
  if (!AsInt(reply, &revision) || revision <= 0) {
    return Corrupt(absl::StrCat("bad revision in ", key));
  }
  return revision;
}

absl::StatusOr<StoredChange> ParseFeedEntry(const redisReply& entry) {
  if (!IsArray(entry, 2) || !IsString(*entry.element[0]) ||
      entry.element[1]->type != REDIS_REPLY_ARRAY) {
    return Corrupt("bad feed entry");
  }
  StoredChange change;
  const absl::string_view entry_id = AsString(*entry.element[0]);
  if (!ParseFeedEntryId(entry_id, &change.revision)) {
    return Corrupt(absl::StrCat("bad feed entry ID ", entry_id));
  }
  const redisReply& fields = *entry.element[1];
  int64_t type = 0;
  int64_t micros = 0;
  std::optional<Kind> kind;
  bool has_id = false;
  bool data_gone = false;
  for (size_t i = 0; i + 1 < fields.elements; i += 2) {
    const redisReply& name = *fields.element[i];
    const redisReply& value = *fields.element[i + 1];
    if (!IsString(name) || !IsString(value)) return Corrupt("bad feed entry field");
    const absl::string_view field = AsString(name);
    if (field == kFeedTypeField) {
      if (!AsInt(value, &type)) type = 0;
    } else if (field == kFeedKindField) {
      kind = KindFromCollection(AsString(value));
    } else if (field == kFeedIdField) {
      change.id = std::string(AsString(value));
      has_id = true;
    } else if (field == kFeedDataField) {
      change.data = std::string(AsString(value));
    } else if (field == kFeedCommitTimeField) {
      if (!AsInt(value, &micros)) return Corrupt("bad feed commit time");
    } else if (field == kFeedDataGoneField) {
      data_gone = true;
    }
  }
  if (type < static_cast<int>(ChangeType::kCreated) ||
      type > static_cast<int>(ChangeType::kDeleted) || !kind.has_value() || !has_id) {
    return Corrupt(absl::StrCat("incomplete feed entry ", entry_id));
  }
  change.type = data_gone ? ChangeType::kRedacted : static_cast<ChangeType>(type);
  change.kind = *kind;
  change.commit_time = absl::FromUnixMicros(micros);
  return change;
}

absl::Status ValidateOptions(const RedisStoreOptions& o) {
  if (o.host.empty()) return absl::InvalidArgumentError("redis host is empty");
  if (o.port <= 0 || o.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad redis port ", o.port));
  }
  if (o.db < 0) return absl::InvalidArgumentError(absl::StrCat("bad redis db ", o.db));
  if (o.pool_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("bad redis pool size ", o.pool_size));
  }
  if (o.connect_timeout <= absl::ZeroDuration() ||
      o.command_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis timeouts must be positive");
  }
  if (o.feed_retention <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad feed retention ", o.feed_retention));
  }
  if (o.max_commit_batch <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad max commit batch ", o.max_commit_batch));
  }
  if (o.request_id_ttl < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("request_id TTL must be at least 1ms");
  }
  if (o.wait_replicas < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad wait replicas ", o.wait_replicas));
  }
  if (o.wait_replicas > 0 && (o.wait_timeout < absl::Milliseconds(1) ||
                              o.wait_timeout > o.command_timeout / 2)) {
    // WAIT's reply must come well within the socket timeout, or the
    // connection is dropped as hung.
    return absl::InvalidArgumentError(
        absl::StrCat("wait timeout must be between 1ms and half the command timeout (",
                     absl::FormatDuration(o.command_timeout / 2), ")"));
  }
  return absl::OkStatus();
}

RedisConnectOptions ConnectOptions(const RedisStoreOptions& o,
                                   std::shared_ptr<RedisCircuit> circuit) {
  RedisConnectOptions c;
  c.circuit = std::move(circuit);
  c.host = o.host;
  c.port = o.port;
  c.sentinel = o.sentinel;
  c.password = o.password;
  c.db = o.db;
  c.connect_timeout = o.connect_timeout;
  c.command_timeout = o.command_timeout;
  return c;
}

ChangeType ChangeTypeOf(Mutation::Op op) {
  switch (op) {
    case Mutation::Op::kCreate:
      return ChangeType::kCreated;
    case Mutation::Op::kUpdate:
      return ChangeType::kUpdated;
    case Mutation::Op::kDelete:
      return ChangeType::kDeleted;
  }
  return ChangeType::kUpdated;
}

// One commit's arguments to CommitScript() (redis_scripts.cc), after its
// argument count.
CommandArgs CommitArgs(const RedisKeys& keys, const CommitRequest& request) {
  CommandArgs args;
  if (request.request_id.empty()) {
    args.Add("");
  } else {
    args.AddOwned(keys.Request(request.request_id));
  }
  args.Add(request.request_result);
  args.AddInt(absl::ToUnixMicros(request.commit_time));
  // replay_only: instead of the preconditions, one that never holds (a
  // record key with an empty id): the script looks the request up first, and
  // fails there when it finds none, writing nothing.
  args.AddInt(request.replay_only ? 1
                                  : static_cast<int64_t>(request.preconditions.size()));
  args.AddInt(static_cast<int64_t>(request.mutations.size()));
  if (request.request_id.empty()) {
    args.Add("");
  } else {
    args.AddOwned(keys.RequestFingerprint(request.request_id));
  }
  args.Add(request.request_fingerprint);
  for (const Precondition& p : request.preconditions) {
    if (request.replay_only) break;
    if (p.type == Precondition::Type::kExists) {
      args.Add("e");
      args.AddOwned(keys.Record(p.kind, p.id));
      args.Add("");
      args.Add("");
    } else if (p.type == Precondition::Type::kAtRevision) {
      args.Add("v");
      args.AddOwned(keys.Record(p.kind, p.id));
      args.AddInt(p.revision);
      args.Add("");
    } else if (p.type == Precondition::Type::kIndexExactly) {
      args.Add("s");
      args.AddOwned(keys.Index(p.kind, p.index));
      args.AddInt(static_cast<int64_t>(p.ids.size()));
      args.Add("");
      for (const std::string& id : p.ids) args.Add(id);
    } else {
      args.Add("x");
      args.AddOwned(keys.Index(p.kind, p.index));
      args.Add("");
      args.Add("");
    }
  }
  if (request.replay_only) {
    args.Add("e");
    args.AddOwned(keys.Record(Kind::kOrganisation, ""));
    args.Add("");
    args.Add("");
  }
  for (const Mutation& m : request.mutations) {
    const bool deletes = m.op == Mutation::Op::kDelete;
    args.AddInt(static_cast<int>(ChangeTypeOf(m.op)));
    args.AddOwned(keys.Record(m.kind, m.id));
    args.AddOwned(keys.AllIds(m.kind));
    args.Add(m.id);
    args.Add(KindCollection(m.kind));
    args.AddInt(m.expected_revision);
    args.Add(deletes ? absl::string_view() : absl::string_view(m.data));
    args.AddInt(deletes ? 0 : static_cast<int64_t>(m.indexes.size()));
    if (deletes) continue;
    for (const IndexEntry& entry : m.indexes) args.AddOwned(keys.Index(m.kind, entry));
  }
  return args;
}

// The CommitResult, or the Store error, that a CommitScript() reply means.
absl::StatusOr<CommitResult> CommitOutcome(const CommitRequest& request,
                                           const redisReply& reply) {
  int64_t outcome;
  if (!IsArray(reply, 2) || !AsInt(*reply.element[0], &outcome)) {
    return Corrupt("bad commit reply");
  }
  CommitResult result;
  if (outcome == 1) {
    int64_t first;
    if (!AsInt(*reply.element[1], &first)) return Corrupt("bad commit reply");
    for (size_t i = 0; i < request.mutations.size(); ++i) {
      result.revisions.push_back(first + static_cast<int64_t>(i));
    }
    return result;
  }
  if (outcome == 2 && IsString(*reply.element[1])) {
    result.replayed = true;
    result.request_result = std::string(AsString(*reply.element[1]));
    if (reply.elements > 2 && IsString(*reply.element[2])) {
      result.request_fingerprint = std::string(AsString(*reply.element[2]));
    }
    return result;
  }
  if (outcome == -1 && IsString(*reply.element[1])) {
    return RedisErrorStatus(AsString(*reply.element[1]));
  }
  // {0, "p", i} or {0, "m", j, code}, 1-based.
  int64_t index;
  if (outcome != 0 || !IsArray(reply, 3) || !IsString(*reply.element[1]) ||
      !AsInt(*reply.element[2], &index) || index < 1) {
    return Corrupt("bad commit reply");
  }
  const absl::string_view what = AsString(*reply.element[1]);
  const size_t i = static_cast<size_t>(index - 1);
  if (what == "p" && request.replay_only) return NoEarlierRequest();
  if (what == "p" && i < request.preconditions.size()) {
    return request.preconditions[i].FailureStatus();
  }
  if (what != "m" || i >= request.mutations.size() || !IsArray(reply, 4) ||
      !IsString(*reply.element[3])) {
    return Corrupt("bad commit failure reply");
  }
  const absl::string_view code = AsString(*reply.element[3]);
  const Mutation& m = request.mutations[i];
  if (code == "exists") return MutationFailure(m, absl::StatusCode::kAlreadyExists);
  if (code == "notfound") return MutationFailure(m, absl::StatusCode::kNotFound);
  if (code == "aborted") return MutationFailure(m, absl::StatusCode::kAborted);
  return Corrupt(absl::StrCat("unknown commit failure ", code));
}

}  // namespace

// One CommitAsync() call, owned until it is answered.
struct RedisStore::AsyncCommit {
  AsyncCommit(const RedisKeys& keys, CommitRequest r, CommitCallback d)
      : request(std::move(r)), args(CommitArgs(keys, request)), done(std::move(d)) {}

  const CommitRequest request;
  const CommandArgs args;
  CommitCallback done;
};

absl::StatusOr<std::unique_ptr<RedisStore>> RedisStore::Create(
    RedisStoreOptions options) {
  SAMENSPEL_RETURN_IF_ERROR(ValidateOptions(options));
  return std::unique_ptr<RedisStore>(new RedisStore(std::move(options)));
}

RedisStore::RedisStore(RedisStoreOptions options)
    : options_(std::move(options)),
      wait_replicas_text_(absl::StrCat(options_.wait_replicas)),
      wait_timeout_text_(absl::StrCat(absl::ToInt64Milliseconds(options_.wait_timeout))),
      short_wait_text_(absl::StrCat(
          absl::ToInt64Milliseconds(std::min(options_.wait_timeout, kShortWait)))),
      keys_(options_.key_prefix),
      circuit_(std::make_shared<RedisCircuit>(absl::Milliseconds(250),
                                              options_.command_timeout)),
      cache_(options_.record_cache_bytes),
      pool_(ConnectOptions(options_, circuit_), options_.pool_size),
      blocking_pool_(ConnectOptions(options_, circuit_), options_.pool_size),
      pipeline_(&pool_, std::min(options_.pool_size, kPipelinesInFlight), kMaxPipeline),
      async_(ConnectOptions(options_, circuit_), Tracking()),
      commit_batcher_(kBatchesInFlight, options_.max_commit_batch, kMaxBatchBytes) {
  if (options_.wait_replicas > 0) {
    commit_pool_ = std::make_unique<ConnectionPool>(ConnectOptions(options_, circuit_),
                                                    std::min(options_.pool_size, 2));
    commit_pipeline_ = std::make_unique<RedisPipeline>(
        commit_pool_.get(), std::min(options_.pool_size, kPipelinesInFlight),
        kMaxPipeline);
    commit_async_ = std::make_unique<RedisAsync>(ConnectOptions(options_, circuit_));
  }
}

RedisStore::~RedisStore() = default;

absl::Status RedisStore::Ping() { return pipeline_.Execute({"PING"}).status(); }

absl::StatusOr<StoredRecord> RedisStore::Get(Kind kind, absl::string_view id) {
  const std::string key = keys_.Record(kind, id);
  return ParseRecord(
      kind, id, key,
      pipeline_.Execute({"HMGET", key, kRecordDataField, kRecordRevisionField}));
}

std::optional<RedisTracking> RedisStore::Tracking() {
  if (options_.record_cache_bytes == 0) return std::nullopt;
  RedisTracking tracking;
  for (Kind kind : kAllKinds) tracking.prefixes.push_back(keys_.RecordKeyPrefix(kind));
  tracking.cache = &cache_;
  return tracking;
}

void RedisStore::ForgetCommitted(const CommitRequest& request) {
  for (const Mutation& m : request.mutations)
    cache_.Invalidate(keys_.Record(m.kind, m.id));
}

namespace {

// True while this thread runs the `done` of reads or commits it sent itself
// (LeadAsyncReads, LeadAsyncCommits): what they start goes the I/O thread's
// way, so that the rest of the batch is answered at once and not after a
// batch this thread would lead in the meantime.
thread_local bool answering = false;

// Whether this thread may send and answer a batch itself.
bool MayLead() { return !answering && !RedisAsync::OnIoThread(); }

// Sets `answering` for its lifetime.
class Answering {
 public:
  Answering() : was_(answering) { answering = true; }
  ~Answering() { answering = was_; }
  Answering(const Answering&) = delete;
  Answering& operator=(const Answering&) = delete;

 private:
  const bool was_;
};

// A leader's loop, for reads and commits: `send_next()` takes the next batch
// and sends it (null when there is none; its `replied` is notified when the
// replies are in), `answer(sent)` runs the batch's callbacks.
template <typename SendNext, typename Answer>
void Lead(SendNext send_next, Answer answer) {
  auto sent = send_next();
  while (sent != nullptr) {
    // Each command is answered within the connection's timeouts, or
    // RedisAsync fails it.
    sent->replied.WaitForNotification();
    // The next batch first: Redis works on it while these are answered.
    auto next = send_next();
    // What a `done` starts (a commit after a read, a retry) goes the I/O
    // thread's way.
    Answering answering;
    answer(*sent);
    sent = std::move(next);
  }
}

}  // namespace

// One GetAsync of a record the cache did not hold.
struct RedisStore::AsyncRead {
  Kind kind;
  std::string id;
  std::string key;
  uint64_t token;  // the cache's, for its reply
  GetCallback done;
};

void RedisStore::GetAsync(Kind kind, absl::string_view id, GetCallback done) {
  std::string key = keys_.Record(kind, id);
  if (std::optional<StoredRecord> hit = cache_.Lookup(key)) {
    return std::move(done)(*std::move(hit));
  }
  const uint64_t token = cache_.Begin(key);
  auto read = std::make_unique<AsyncRead>(
      AsyncRead{kind, std::string(id), std::move(key), token, std::move(done)});
  bool lead = false;
  if (options_.async_reads_on_caller_thread && MayLead()) {
    absl::MutexLock lock(&async_mu_);
    if (async_read_in_flight_) {
      async_reads_.push_back(std::move(read));
      return;
    }
    if (!leading_) {
      async_reads_.push_back(std::move(read));
      async_read_in_flight_ = leading_ = lead = true;
    }
  }
  if (lead) return LeadAsyncReads();
  // Answered on the I/O thread.
  const AsyncRead& r = *read;
  async_.Execute(ReadCommand(r), ReadReply(r, std::move(read->done)));
}

std::vector<absl::string_view> RedisStore::ReadCommand(const AsyncRead& read) {
  return {"HMGET", read.key, kRecordDataField, kRecordRevisionField};
}

RedisAsync::Callback RedisStore::ReadReply(const AsyncRead& read, GetCallback done) {
  return [this, kind = read.kind, id = read.id, key = read.key, token = read.token,
          done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
    absl::StatusOr<StoredRecord> record = ParseRecord(kind, id, key, std::move(reply));
    if (record.ok()) {
      cache_.Fill(key, token, *record);
    } else {
      cache_.Abandon(key, token);
    }
    std::move(done)(std::move(record));
  };
}

RedisStore::ReadBatch RedisStore::TakeAsyncReads() {
  ReadBatch batch;
  absl::MutexLock lock(&async_mu_);
  batch.swap(async_reads_);
  if (batch.empty()) async_read_in_flight_ = leading_ = false;
  return batch;
}

void RedisStore::LeadAsyncReads() {
  // A batch on its way, and its records as their replies come.
  struct Sent {
    ReadBatch reads;
    std::vector<absl::StatusOr<StoredRecord>> records;
    std::atomic<size_t> left{0};
    absl::Notification replied;
  };
  auto send_next = [this]() -> std::shared_ptr<Sent> {
    auto sent = std::make_shared<Sent>();
    sent->reads = TakeAsyncReads();
    if (sent->reads.empty()) return nullptr;
    const size_t n = sent->reads.size();
    sent->records.resize(n, absl::UnknownError("no reply"));
    sent->left.store(n);
    // All at once: they go out together, in one wake-up of the I/O thread.
    std::vector<std::vector<absl::string_view>> commands;
    std::vector<RedisAsync::Callback> replies;
    commands.reserve(n);
    replies.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      commands.push_back(ReadCommand(*sent->reads[i]));
      replies.push_back(
          ReadReply(*sent->reads[i], [sent, i](absl::StatusOr<StoredRecord> record) {
            sent->records[i] = std::move(record);
            if (sent->left.fetch_sub(1) == 1) sent->replied.Notify();
          }));
    }
    async_.ExecuteAll(commands, std::move(replies));
    return sent;
  };
  Lead(send_next, [](Sent& sent) {
    for (size_t i = 0; i < sent.reads.size(); ++i) {
      std::move(sent.reads[i]->done)(std::move(sent.records[i]));
    }
  });
}

absl::StatusOr<StoredRecord> RedisStore::ParseRecord(Kind kind, absl::string_view id,
                                                     absl::string_view key,
                                                     absl::StatusOr<RedisReply> result) {
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply, std::move(result));
  if (!IsArray(*reply, 2)) return Corrupt(absl::StrCat("bad HMGET reply for ", key));
  const redisReply& data = *reply->element[0];
  const redisReply& revision = *reply->element[1];
  if (data.type == REDIS_REPLY_NIL && revision.type == REDIS_REPLY_NIL) {
    return NotFoundError(ResourceName(kind, id));
  }
  if (!IsString(data)) return Corrupt(absl::StrCat("no data in ", key));
  StoredRecord record;
  SAMENSPEL_ASSIGN_OR_RETURN(record.revision, RevisionOf(revision, key));
  record.kind = kind;
  record.id = std::string(id);
  record.data = std::string(AsString(data));
  return record;
}

absl::StatusOr<int64_t> RedisStore::CountIndexed(Kind kind, const IndexEntry& index) {
  // The index set of layout 2 (in layout 1, before the first list script
  // converts it, 0: any filter is still a correct one to list by).
  const std::string key = keys_.Index(kind, index);
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply, pipeline_.Execute({"ZCARD", key}));
  if (reply->type != REDIS_REPLY_INTEGER) return Corrupt("bad ZCARD reply");
  return static_cast<int64_t>(reply->integer);
}

absl::StatusOr<ListResult> RedisStore::List(const ListRequest& request) {
  if (request.limit <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("list limit ", request.limit, " <= 0"));
  }
  // KEYS, then ARGV, as ListScript() (redis_scripts.cc) documents.
  CommandArgs args;
  args.AddOwned(request.index.has_value() ? keys_.Index(request.kind, *request.index)
                                          : keys_.AllIds(request.kind));
  args.AddOwned(keys_.Revision());
  args.AddOwned(keys_.Schema());
  args.AddOwned(keys_.RecordKeyPrefix(request.kind));
  args.AddOwned(PositionsAfter(request.after_position));
  args.AddInt(request.limit);

  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply,
                             RunScript(pipeline_, ListScript(), 3, args.views()));
  ListResult result;
  if (!IsArray(*reply, 2) || (reply->elements - 2) % 4 != 0 ||
      !AsInt(*reply->element[0], &result.revision)) {
    return Corrupt("bad list reply");
  }
  result.more =
      reply->element[1]->type == REDIS_REPLY_INTEGER && reply->element[1]->integer != 0;
  result.records.reserve((reply->elements - 2) / 4);
  for (size_t i = 2; i < reply->elements; i += 4) {
    const redisReply& id = *reply->element[i];
    const redisReply& data = *reply->element[i + 2];
    if (!IsString(id)) return Corrupt("bad id in list reply");
    const std::string key = keys_.Record(request.kind, AsString(id));
    if (!IsString(data))
      return Corrupt(absl::StrCat("indexed record ", key, " is absent"));
    StoredRecord& record = result.records.emplace_back();
    if (!AsInt(*reply->element[i + 1], &record.position) || record.position <= 0) {
      return Corrupt(absl::StrCat("bad list position of ", key));
    }
    SAMENSPEL_ASSIGN_OR_RETURN(record.revision, RevisionOf(*reply->element[i + 3], key));
    record.kind = request.kind;
    record.id = std::string(AsString(id));
    record.data = std::string(AsString(data));
  }
  return result;
}

// One Commit() call's arguments and, once its batch ran, its result.
struct RedisStore::PendingCommit {
  PendingCommit(const RedisKeys& keys, const CommitRequest& request)
      : request(request), args(CommitArgs(keys, request)) {}

  const CommitRequest& request;
  const CommandArgs args;
  absl::StatusOr<CommitResult> result;
};

// Group commit (batcher.h): concurrent commits share one script call, up to
// max_commit_batch, with at most kBatchesInFlight such calls on their way.
// Alone, a commit goes at once; under load, commits that arrive while Redis
// works on a batch share the next round trip and script call.
absl::StatusOr<CommitResult> RedisStore::Commit(const CommitRequest& request) {
  PendingCommit self(keys_, request);
  commit_batcher_.Run(
      &self, self.args.bytes(),
      [this](absl::Span<PendingCommit* const> batch) { RunCommitBatch(batch); });
  ForgetCommitted(request);
  return std::move(self.result);
}

namespace {

// How many of CommitBatchArgv's arguments are KEYS.
constexpr int kCommitKeys = 4;

// CommitScript()'s KEYS, then ARGV (as redis_scripts.cc documents them), for
// a batch of commits given by their arguments; `head` keeps the strings the
// result points into.
std::vector<absl::string_view> CommitBatchArgv(
    const RedisKeys& keys, const RedisStoreOptions& options,
    absl::Span<const CommandArgs* const> commits, CommandArgs& head) {
  head.AddOwned(keys.Revision());
  head.AddOwned(keys.Feed());
  head.AddOwned(keys.Redacted());
  head.AddOwned(keys.Schema());
  head.AddInt(options.feed_retention);
  head.AddInt(absl::ToInt64Milliseconds(options.request_id_ttl));
  head.AddInt(static_cast<int64_t>(commits.size()));
  std::vector<absl::string_view> argv = head.views();
  for (const CommandArgs* args : commits) {
    head.AddInt(static_cast<int64_t>(args->views().size()));
    argv.push_back(head.views().back());
    argv.insert(argv.end(), args->views().begin(), args->views().end());
  }
  return argv;
}

// The reply of a batch of `n` commits, or why it is not one.
absl::Status CheckBatchReply(const absl::StatusOr<RedisReply>& reply, size_t n) {
  if (!reply.ok()) return reply.status();
  if (!IsArray(**reply, n) || (*reply)->elements != n) {
    return Corrupt("bad commit batch reply");
  }
  return absl::OkStatus();
}

}  // namespace

void RedisStore::RunCommitBatch(absl::Span<PendingCommit* const> all) {
  // Commits whose callers gave up while they waited are not sent.
  std::vector<PendingCommit*> batch;
  for (PendingCommit* pending : all) {
    if (absl::Status gone = pending->request.CheckAbandoned(); !gone.ok()) {
      pending->result = std::move(gone);
    } else {
      batch.push_back(pending);
    }
  }
  if (batch.empty()) return;
  std::vector<const CommandArgs*> commits;
  for (const PendingCommit* pending : batch) commits.push_back(&pending->args);
  CommandArgs head;
  const std::vector<absl::string_view> argv =
      CommitBatchArgv(keys_, options_, commits, head);
  absl::StatusOr<RedisReply> wait = absl::UnknownError("not sent");
  absl::StatusOr<RedisReply> reply = RunScript(CommitPipeline(), CommitScript(),
                                               kCommitKeys, argv, WaitCommand(), &wait);
  if (absl::Status s = CheckBatchReply(reply, batch.size()); !s.ok()) {
    for (PendingCommit* pending : batch) pending->result = s;
    return;
  }
  const absl::Status replicated = ReplicatedStatus(wait);
  bool replica = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = CommitOutcome(batch[i]->request, *(*reply)->element[i]);
    replica = replica || IsReadOnly(batch[i]->result.status());
    if (batch[i]->result.ok() && !replicated.ok()) batch[i]->result = replicated;
  }
  if (replica) (commit_pool_ ? *commit_pool_ : pool_).Reset();
}

bool RedisStore::IsReadOnly(const absl::Status& status) {
  // The commit script's pcall turns a refused write into a reply of its own,
  // which no connection sees as an error reply.
  return absl::IsUnavailable(status) && absl::StrContains(status.message(), "READONLY");
}

std::vector<absl::string_view> RedisStore::WaitCommand() const {
  if (options_.wait_replicas == 0) return {};
  return {"WAIT", wait_replicas_text_,
          replicas_short_.load(std::memory_order_relaxed) ? short_wait_text_
                                                          : wait_timeout_text_};
}

absl::Status RedisStore::ReplicatedStatus(const absl::StatusOr<RedisReply>& wait) {
  if (options_.wait_replicas == 0) return absl::OkStatus();
  const bool was_short = replicas_short_.load(std::memory_order_relaxed);
  absl::Status status = WaitStatus(
      wait, options_.wait_replicas,
      was_short ? std::min(options_.wait_timeout, kShortWait) : options_.wait_timeout,
      "retry with the same request_id or etag to learn whether it stands");
  // Only a WAIT that answered counts: a broken connection says nothing of
  // the replicas.
  if (!wait.ok()) return status;
  const bool short_now = !status.ok();
  if (replicas_short_.exchange(short_now) != short_now) {
    if (short_now) {
      samenspel::Log(
          "WARNING: writes are not confirmed by --redis_wait_replicas=%d replicas (%s); "
          "they fail UNAVAILABLE (NOT_REPLICATED), each after at most %s, until replicas "
          "confirm again",
          options_.wait_replicas, status.message(),
          absl::FormatDuration(std::min(options_.wait_timeout, kShortWait)));
    } else {
      samenspel::Log("writes are confirmed by %d replicas again", options_.wait_replicas);
    }
  }
  return status;
}

// Group commit without a thread of its own: a commit that finds no batch on
// its way sends itself at once; commits that arrive meanwhile are queued and
// go together when that batch's reply comes, sent by the thread that got the
// reply: the caller's (LeadAsyncCommits) or the I/O thread's
// (SendAsyncCommits). At most one batch is on its way, so commits keep their
// order.
void RedisStore::CommitAsync(CommitRequest request, CommitCallback done) {
  auto commit = std::make_unique<AsyncCommit>(keys_, std::move(request), std::move(done));
  bool lead = false;
  {
    absl::MutexLock lock(&async_mu_);
    async_commits_.push_back(std::move(commit));
    if (async_commit_in_flight_) return;
    async_commit_in_flight_ = true;
    if (options_.async_commits_on_caller_thread && MayLead() && !leading_) {
      leading_ = lead = true;
    }
  }
  if (lead) {
    LeadAsyncCommits();
  } else {
    SendAsyncCommits();
  }
}

RedisStore::AsyncBatch RedisStore::TakeAsyncCommits(bool leader) {
  std::vector<std::unique_ptr<AsyncCommit>> batch;
  // Commits whose callers gave up while they waited: answered, not sent.
  std::vector<std::pair<std::unique_ptr<AsyncCommit>, absl::Status>> abandoned;
  {
    absl::MutexLock lock(&async_mu_);
    size_t bytes = 0;
    while (!async_commits_.empty() &&
           batch.size() < static_cast<size_t>(options_.max_commit_batch) &&
           (batch.empty() ||
            bytes + async_commits_.front()->args.bytes() <= kMaxBatchBytes)) {
      std::unique_ptr<AsyncCommit> next = std::move(async_commits_.front());
      async_commits_.pop_front();
      if (absl::Status gone = next->request.CheckAbandoned(); !gone.ok()) {
        abandoned.emplace_back(std::move(next), std::move(gone));
        continue;
      }
      bytes += next->args.bytes();
      batch.push_back(std::move(next));
    }
    if (batch.empty()) {
      async_commit_in_flight_ = false;
      if (leader) leading_ = false;
    }
  }
  for (auto& [commit, status] : abandoned) std::move(commit->done)(std::move(status));
  return batch;
}

void RedisStore::LeadAsyncCommits() {
  // A batch on its way, and its results once its reply came.
  struct Sent {
    std::shared_ptr<AsyncBatch> batch;
    absl::Notification replied;
    std::vector<absl::StatusOr<CommitResult>> results;
  };
  auto send_next = [this]() -> std::shared_ptr<Sent> {
    auto sent = std::make_shared<Sent>();
    sent->batch = std::make_shared<AsyncBatch>(TakeAsyncCommits(/*leader=*/true));
    if (sent->batch->empty()) return nullptr;
    SendCommitBatch(sent->batch, [this, sent](absl::StatusOr<RedisReply> reply,
                                              absl::StatusOr<RedisReply> wait) {
      sent->results = AsyncBatchResults(*sent->batch, reply, wait);
      sent->replied.Notify();
    });
    return sent;
  };
  Lead(send_next,
       [this](Sent& sent) { AnswerAsyncCommits(*sent.batch, std::move(sent.results)); });
}

void RedisStore::SendAsyncCommits() {
  auto batch = std::make_shared<AsyncBatch>(TakeAsyncCommits(/*leader=*/false));
  if (batch->empty()) return;
  SendCommitBatch(batch, [this, batch](absl::StatusOr<RedisReply> reply,
                                       absl::StatusOr<RedisReply> wait) {
    // The next batch first: Redis works on it while these are answered.
    SendAsyncCommits();
    AnswerAsyncCommits(*batch, AsyncBatchResults(*batch, reply, wait));
  });
}

// EVALSHA, and EVAL when Redis does not know the script (after a restart or
// SCRIPT FLUSH). With wait_replicas, WAIT follows the script on the same
// connection, and `on_reply` gets both replies.
void RedisStore::SendCommitBatch(std::shared_ptr<const AsyncBatch> batch,
                                 BatchReply on_reply) {
  auto send = [this, batch](bool by_sha, BatchReply on_reply) {
    std::vector<const CommandArgs*> commits;
    for (const auto& c : *batch) commits.push_back(&c->args);
    CommandArgs head;
    const std::vector<absl::string_view> args =
        CommitBatchArgv(keys_, options_, commits, head);
    const std::string num_keys = absl::StrCat(kCommitKeys);
    std::vector<absl::string_view> argv = {
        by_sha ? "EVALSHA" : "EVAL",
        by_sha ? CommitScript().sha1() : CommitScript().source(), num_keys};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<absl::string_view> wait = WaitCommand();
    if (wait.empty()) {
      CommitConnection().Execute(argv, [on_reply = std::move(on_reply)](
                                           absl::StatusOr<RedisReply> reply) mutable {
        std::move(on_reply)(std::move(reply), absl::UnknownError("not sent"));
      });
      return;
    }
    // Both at once, so that they share a connection (WAIT on another would
    // not wait for this write). Replies come in order: the script's is kept
    // for WAIT's callback.
    auto script_reply = std::make_shared<absl::StatusOr<RedisReply>>();
    std::vector<RedisAsync::Callback> dones;
    dones.emplace_back([script_reply](absl::StatusOr<RedisReply> reply) {
      *script_reply = std::move(reply);
    });
    dones.emplace_back([script_reply, on_reply = std::move(on_reply)](
                           absl::StatusOr<RedisReply> wait_reply) mutable {
      std::move(on_reply)(std::move(*script_reply), std::move(wait_reply));
    });
    const std::vector<absl::string_view> commands[] = {argv, std::move(wait)};
    CommitConnection().ExecuteAll(commands, std::move(dones));
  };
  send(true,
       [send, on_reply = std::move(on_reply)](absl::StatusOr<RedisReply> reply,
                                              absl::StatusOr<RedisReply> wait) mutable {
         if (!reply.ok() && absl::StrContains(reply.status().message(), "NOSCRIPT")) {
           send(false, std::move(on_reply));
           return;
         }
         std::move(on_reply)(std::move(reply), std::move(wait));
       });
}

std::vector<absl::StatusOr<CommitResult>> RedisStore::AsyncBatchResults(
    const AsyncBatch& batch, const absl::StatusOr<RedisReply>& reply,
    const absl::StatusOr<RedisReply>& wait) {
  const absl::Status status = CheckBatchReply(reply, batch.size());
  const absl::Status replicated = ReplicatedStatus(wait);
  std::vector<absl::StatusOr<CommitResult>> results;
  results.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::StatusOr<CommitResult> result =
        status.ok() ? CommitOutcome(batch[i]->request, *(*reply)->element[i])
                    : absl::StatusOr<CommitResult>(status);
    if (IsReadOnly(result.status())) CommitConnection().DropConnectionFromCallback();
    if (result.ok() && !replicated.ok()) result = replicated;
    results.push_back(std::move(result));
    // Here, before the next batch's reply: a commit acknowledged after this
    // one finds its records gone from the cache too.
    ForgetCommitted(batch[i]->request);
  }
  return results;
}

void RedisStore::AnswerAsyncCommits(AsyncBatch& batch,
                                    std::vector<absl::StatusOr<CommitResult>> results) {
  for (size_t i = 0; i < batch.size(); ++i) {
    std::move(batch[i]->done)(std::move(results[i]));
  }
}

namespace {

// A redacted-set member: "<revision>\n<collection>\n<id>\n<commit micros>".
absl::StatusOr<StoredChange> ParseRedacted(const redisReply& member) {
  if (!IsString(member)) return Corrupt("bad redacted marker");
  std::vector<absl::string_view> parts =
      absl::StrSplit(AsString(member), absl::MaxSplits('\n', 3));
  StoredChange change;
  int64_t micros = 0;
  std::optional<Kind> kind =
      parts.size() == 4 ? KindFromCollection(parts[1]) : std::nullopt;
  if (!kind || !absl::SimpleAtoi(parts[0], &change.revision) ||
      !absl::SimpleAtoi(parts[3], &micros)) {
    return Corrupt("bad redacted marker");
  }
  change.type = ChangeType::kRedacted;
  change.kind = *kind;
  change.id = std::string(parts[2]);
  change.commit_time = absl::FromUnixMicros(micros);
  return change;
}

}  // namespace

absl::StatusOr<std::vector<StoredChange>> RedisStore::ParseChanges(
    int64_t after_revision, const redisReply& entries, const redisReply* redacted) const {
  if (entries.type != REDIS_REPLY_ARRAY) return Corrupt("bad feed reply");
  std::vector<StoredChange> all;
  all.reserve(entries.elements);
  for (size_t i = 0; i < entries.elements; ++i) {
    SAMENSPEL_ASSIGN_OR_RETURN(StoredChange change, ParseFeedEntry(*entries.element[i]));
    all.push_back(std::move(change));
  }
  // The oldest entry on the feed stream (in order there).
  const int64_t oldest_entry =
      all.empty() ? std::numeric_limits<int64_t>::max() : all.front().revision;
  if (redacted != nullptr && redacted->type == REDIS_REPLY_ARRAY &&
      redacted->elements > 0) {
    // Erased entries fill their gaps (see the Commit script).
    for (size_t i = 0; i < redacted->elements; ++i) {
      SAMENSPEL_ASSIGN_OR_RETURN(StoredChange change,
                                 ParseRedacted(*redacted->element[i]));
      if (change.revision > after_revision) all.push_back(std::move(change));
    }
    std::sort(all.begin(), all.end(), [](const StoredChange& a, const StoredChange& b) {
      return a.revision < b.revision;
    });
  }
  size_t from = 0;
  if (after_revision == 0) {
    // From the oldest change retained: the feed's first entry, and the
    // markers of erased entries right before it; older markers outlived the
    // entries trimmed after them.
    while (from < all.size() && all[from].revision < oldest_entry) ++from;
    while (from > 0 && from < all.size() &&
           all[from - 1].revision == all[from].revision - 1) {
      --from;
    }
  }
  std::vector<StoredChange> changes;
  changes.reserve(all.size() - from);
  for (size_t i = from; i < all.size(); ++i) {
    StoredChange& change = all[i];
    // Revisions are gap-free on the feed, so a first entry past
    // after_revision + 1 means the ones between were trimmed (after 0: the
    // first is the start).
    const int64_t expected =
        i == from ? (after_revision == 0 ? change.revision : after_revision + 1)
                  : changes.back().revision + 1;
    if (change.revision != expected) {
      if (i == from) {
        return WithReason(absl::OutOfRangeError(
                              absl::StrCat("changes after revision ", after_revision,
                                           " are no longer retained (oldest retained: ",
                                           change.revision, "); resync from List")),
                          "REVISION_NOT_RETAINED",
                          {{"oldest_retained_revision", absl::StrCat(change.revision)}});
      }
      // A gap after some changes: an erased entry's marker outlives the
      // entries trimmed after it (markers go only when a later erasure
      // clears the old ones). The changes up to the gap are returned; the
      // next read, from the last of them, starts at the gap and is
      // OUT_OF_RANGE, so the reader resyncs.
      break;
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

absl::StatusOr<std::vector<StoredChange>> RedisStore::ReadChanges(int64_t after_revision,
                                                                  int max,
                                                                  absl::Duration wait) {
  if (max <= 0 || after_revision < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("read changes after ", after_revision, " max ", max));
  }
  const std::string feed_key = keys_.Feed();
  const std::string revision_key = keys_.Revision();
  const std::string start = FeedRangeStart(after_revision + 1);
  const std::string count = absl::StrCat(max);
  int64_t revision;
  std::vector<StoredChange> changes;
  {
    const std::string redacted_key = keys_.Redacted();
    const std::string experts = keys_.RecordKeyPrefix(Kind::kExpert);
    SAMENSPEL_ASSIGN_OR_RETURN(
        RedisReply reply,
        RunScript(pipeline_, ReadFeedScript(), 3,
                  {feed_key, revision_key, redacted_key, start, count, experts}));
    if (!IsArray(*reply, 3) || !AsInt(*reply->element[0], &revision)) {
      return Corrupt("bad feed reply");
    }
    SAMENSPEL_ASSIGN_OR_RETURN(
        changes, ParseChanges(after_revision, *reply->element[1], reply->element[2]));
    if (static_cast<int>(changes.size()) > max) changes.resize(max);
  }
  if (!changes.empty()) return changes;
  if (revision > after_revision) {
    // Trimming keeps at least feed_retention >= 1 entries, so only a lost
    // feed gets here; the caller must resync either way.
    return WithReason(
        absl::OutOfRangeError(absl::StrCat("changes after revision ", after_revision,
                                           " are no longer retained; resync from List")),
        "REVISION_NOT_RETAINED");
  }
  if (wait <= absl::ZeroDuration()) return changes;
  return WaitForChanges(after_revision, max, wait);
}

absl::StatusOr<std::vector<StoredChange>> RedisStore::WaitForChanges(
    int64_t after_revision, int max, absl::Duration wait) {
  const std::string feed_key = keys_.Feed();
  // XREAD returns entries after this ID: the change after_revision's entry.
  const std::string last_seen = FeedEntryId(after_revision);
  const std::string count = absl::StrCat(max);
  // BLOCK 0 would block forever: wait at least 1ms.
  const std::string block_ms = absl::StrCat(std::max<int64_t>(
      1, absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1)))));
  SAMENSPEL_ASSIGN_OR_RETURN(ConnectionPool::Lease connection, blocking_pool_.Acquire());
  // The socket timeout must outlast the block; it is put back after.
  SAMENSPEL_RETURN_IF_ERROR(
      connection->SetCommandTimeout(wait + options_.command_timeout));
  SAMENSPEL_ASSIGN_OR_RETURN(
      RedisReply reply, connection->Command({"XREAD", "COUNT", count, "BLOCK", block_ms,
                                             "STREAMS", feed_key, last_seen}));
  SAMENSPEL_RETURN_IF_ERROR(connection->SetCommandTimeout(options_.command_timeout));
  if (reply->type == REDIS_REPLY_NIL) return std::vector<StoredChange>();  // Timed out.
  // [[feed key, entries]]
  if (!IsArray(*reply, 1) || !IsArray(*reply->element[0], 2)) {
    return Corrupt("bad XREAD reply");
  }
  // Changes came. Read them the non-blocking way, which also fills in
  // erased entries (an erasure may have happened meanwhile).
  return ReadChanges(after_revision, max, absl::ZeroDuration());
}

absl::StatusOr<std::vector<std::string>> RedisStore::SettingsWarnings() {
  std::vector<std::string> warnings;
  for (absl::string_view name : {"maxmemory-policy", "appendonly"}) {
    absl::StatusOr<RedisReply> reply = pipeline_.Execute({"CONFIG", "GET", name});
    if (absl::IsUnavailable(reply.status()) || absl::IsDeadlineExceeded(reply.status()))
      return reply.status();
    // An error reply (CONFIG renamed or refused) or no value: unknown.
    if (!reply.ok() || !IsArray(**reply, 2) || !IsString(*(*reply)->element[1])) continue;
    const std::string value(AsString(*(*reply)->element[1]));
    if (name == "maxmemory-policy" && value != "noeviction") {
      warnings.push_back(absl::StrCat(
          "Redis' maxmemory-policy is ", value,
          ": when its memory is full Redis may evict the registry's records, indexes or "
          "revision counter, which corrupts the registry; set noeviction "
          "(deploy/redis/redis.conf)"));
    }
    if (name == "appendonly" && value != "yes") {
      warnings.push_back(
          "Redis runs without AOF (appendonly no): a crash of Redis loses writes the "
          "registry acknowledged; set appendonly yes (deploy/redis/redis.conf)");
    }
  }
  return warnings;
}

absl::StatusOr<int64_t> RedisStore::CurrentRevision() {
  // With the layout: a database that a newer registry converted to a layout
  // this one does not know is UNAVAILABLE here too, so that the health
  // check, which asks this, turns NOT_SERVING (the scripts refuse it as well).
  const std::string key = keys_.Revision();
  const std::string schema = keys_.Schema();
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply, pipeline_.Execute({"MGET", key, schema}));
  if (!IsArray(*reply, 2) || reply->elements != 2) return Corrupt("bad MGET reply");
  const redisReply& layout = *reply->element[1];
  // Layouts 2 and 3 are this one's predecessors: the first commit or list
  // converts them (Migrate), so they are served (a registry that reported
  // NOT_SERVING on them would get no call to convert them with: a rolling
  // upgrade would stall).
  if (IsString(layout) && AsString(layout) != kLayout && AsString(layout) != "2" &&
      AsString(layout) != "3") {
    return LayoutStatus(AsString(layout));
  }
  const redisReply& counter = *reply->element[0];
  if (counter.type == REDIS_REPLY_NIL) return 0;
  int64_t revision;
  if (!AsInt(counter, &revision) || revision < 0) {
    return Corrupt(absl::StrCat("bad revision counter ", key));
  }
  return revision;
}

}  // namespace samenspel::registry
