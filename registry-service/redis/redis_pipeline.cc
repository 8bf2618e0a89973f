#include "registry-service/redis/redis_pipeline.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"

namespace samenspel::registry {

// An Execute() call waiting for its batch. Owned by the calling thread;
// `reply` and `done` are written by the batch's leader, `done` under mu_.
struct RedisPipeline::Pending {
  absl::Span<const absl::string_view> argv;
  absl::string_view retry_on;
  absl::Span<const absl::string_view> retry;
  size_t bytes = 0;
  absl::StatusOr<RedisReply> reply;
  bool done = false;
};

RedisPipeline::RedisPipeline(ConnectionPool* pool, int max_in_flight, int max_batch)
    : pool_(pool), max_in_flight_(max_in_flight), max_batch_(max_batch) {}

absl::StatusOr<RedisReply> RedisPipeline::Execute(
    absl::Span<const absl::string_view> argv, absl::string_view retry_on,
    absl::Span<const absl::string_view> retry) {
  Pending self;
  self.argv = argv;
  self.retry_on = retry_on;
  self.retry = retry;
  for (absl::string_view arg : argv) self.bytes += arg.size();
  absl::MutexLock lock(&mu_);
  waiting_.push_back(&self);
  for (;;) {
    auto can_act = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return self.done || (in_flight_ < max_in_flight_ && !waiting_.empty());
    };
    mu_.Await(absl::Condition(&can_act));
    if (self.done) return std::move(self.reply);
    std::vector<Pending*> batch;
    size_t bytes = 0;
    while (!waiting_.empty() && static_cast<int>(batch.size()) < max_batch_ &&
           (batch.empty() || bytes + waiting_.front()->bytes <= kMaxBatchBytes)) {
      bytes += waiting_.front()->bytes;
      batch.push_back(waiting_.front());
      waiting_.pop_front();
    }
    ++in_flight_;
    mu_.Unlock();
    RunBatch(batch);
    mu_.Lock();
    --in_flight_;
    for (Pending* pending : batch) pending->done = true;
  }
}

void RedisPipeline::RunBatch(absl::Span<Pending* const> batch) {
  absl::StatusOr<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) {
    for (Pending* pending : batch) pending->reply = lease.status();
    return;
  }
  RedisConnection& connection = **lease;
  std::vector<Pending*> retries;
  SendAndRead(connection, batch, /*retry=*/false, &retries);
  SendAndRead(connection, retries, /*retry=*/true, nullptr);
  for (Pending* pending : batch) {
    pending->reply = connection.CheckReply(std::move(pending->reply));
  }
}

void RedisPipeline::SendAndRead(RedisConnection& connection,
                                absl::Span<Pending* const> batch, bool retry,
                                std::vector<Pending*>* retries) {
  for (size_t i = 0; i < batch.size(); ++i) {
    const absl::Status sent = connection.Append(retry ? batch[i]->retry : batch[i]->argv);
    if (!sent.ok()) {
      for (; i < batch.size(); ++i) batch[i]->reply = sent;
      return;
    }
  }
  // Replies come in the order the commands went; once the connection broke,
  // ReadReply fails for every command still unanswered.
  for (Pending* pending : batch) {
    pending->reply = connection.ReadReply();
    if (retries == nullptr || !pending->reply.ok() || pending->retry.empty()) continue;
    const redisReply& r = **pending->reply;
    if (r.type == REDIS_REPLY_ERROR &&
        absl::StartsWith(absl::string_view(r.str, r.len), pending->retry_on)) {
      retries->push_back(pending);
    }
  }
}

}  // namespace samenspel::registry
