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
  absl::StatusOr<RedisReply> reply;
};

RedisPipeline::RedisPipeline(ConnectionPool* pool, int max_in_flight, int max_batch)
    : pool_(pool), batcher_(max_in_flight, max_batch, kMaxBatchBytes) {}

absl::StatusOr<RedisReply> RedisPipeline::Execute(
    absl::Span<const absl::string_view> argv, absl::string_view retry_on,
    absl::Span<const absl::string_view> retry) {
  Pending self{argv, retry_on, retry, absl::UnknownError("not sent")};
  size_t bytes = 0;
  for (absl::string_view arg : argv) bytes += arg.size();
  batcher_.Run(&self, bytes,
               [this](absl::Span<Pending* const> batch) { RunBatch(batch); });
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
