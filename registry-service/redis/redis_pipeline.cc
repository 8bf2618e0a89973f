#include "registry-service/redis/redis_pipeline.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"

namespace samenspel::registry {

// One Execute() call's command and, once its batch ran, its reply.
struct RedisPipeline::Pending {
  absl::Span<const absl::string_view> argv;
  absl::string_view retry_on;
  absl::Span<const absl::string_view> retry;
  absl::Span<const absl::string_view> then;
  absl::StatusOr<RedisReply> reply;
  absl::StatusOr<RedisReply> then_reply = absl::UnknownError("not sent");
};

RedisPipeline::RedisPipeline(ConnectionPool* pool, int max_in_flight, int max_batch)
    : pool_(pool), batcher_(max_in_flight, max_batch, kMaxBatchBytes) {}

absl::StatusOr<RedisReply> RedisPipeline::Execute(
    absl::Span<const absl::string_view> argv, absl::string_view retry_on,
    absl::Span<const absl::string_view> retry, absl::Span<const absl::string_view> then,
    absl::StatusOr<RedisReply>* then_reply) {
  Pending self{argv, retry_on, retry, then, absl::UnknownError("not sent")};
  size_t bytes = 0;
  for (absl::string_view arg : argv) bytes += arg.size();
  batcher_.Run(&self, bytes,
               [this](absl::Span<Pending* const> batch) { RunBatch(batch); });
  if (then_reply != nullptr) *then_reply = std::move(self.then_reply);
  return std::move(self.reply);
}

void RedisPipeline::RunBatch(absl::Span<Pending* const> batch) {
  absl::StatusOr<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) {
    for (Pending* pending : batch) pending->reply = lease.status();
    return;
  }
  RedisConnection& connection = **lease;
  std::vector<Pending*> retries;
  SendAndRead(connection, batch, Part::kCommand, &retries);
  SendAndRead(connection, retries, Part::kRetry, nullptr);
  std::vector<Pending*> thens;
  for (Pending* pending : batch) {
    if (!pending->then.empty()) thens.push_back(pending);
  }
  SendAndRead(connection, thens, Part::kThen, nullptr);
  for (Pending* pending : batch) {
    pending->reply = connection.CheckReply(std::move(pending->reply));
  }
}

void RedisPipeline::SendAndRead(RedisConnection& connection,
                                absl::Span<Pending* const> batch, Part part,
                                std::vector<Pending*>* retries) {
  auto reply_of = [part](Pending* p) -> absl::StatusOr<RedisReply>& {
    return part == Part::kThen ? p->then_reply : p->reply;
  };
  for (size_t i = 0; i < batch.size(); ++i) {
    const absl::Status sent = connection.Append(part == Part::kCommand ? batch[i]->argv
                                                : part == Part::kRetry ? batch[i]->retry
                                                                       : batch[i]->then);
    if (!sent.ok()) {
      for (; i < batch.size(); ++i) reply_of(batch[i]) = sent;
      return;
    }
  }
  // Replies come in the order the commands went; once the connection broke,
  // ReadReply fails for every command still unanswered.
  for (Pending* pending : batch) {
    reply_of(pending) = connection.ReadReply();
    if (retries == nullptr || !pending->reply.ok() || pending->retry.empty()) continue;
    const redisReply& r = **pending->reply;
    if (r.type == REDIS_REPLY_ERROR &&
        absl::StartsWith(absl::string_view(r.str, r.len), pending->retry_on)) {
      retries->push_back(pending);
    }
  }
}

}  // namespace samenspel::registry
