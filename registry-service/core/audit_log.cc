#include "registry-service/core/audit_log.h"

#include <algorithm>
#include <vector>

#include "common/log.h"

namespace samenspel::registry {

namespace {

// The host of a gRPC peer ("ipv4:10.0.0.1:5301", "ipv6:[::1]:5301"): its
// calls share one budget whatever their source port.
absl::string_view PeerHost(absl::string_view peer) {
  const size_t colon = peer.rfind(':');
  const size_t scheme = peer.find(':');
  if (colon == absl::string_view::npos || colon == scheme) return peer;
  return peer.substr(0, colon);
}

}  // namespace

AuditLog::AuditLog(AccessStore* store, AuditLogOptions options)
    : store_(store),
      options_(options),
      anonymous_({.rate = options.anonymous_per_second,
                  .burst = std::max(1.0, 10 * options.anonymous_per_second),
                  .clock = options.clock}),
      writer_([this] { Run(); }) {}

AuditLog::~AuditLog() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  writer_.join();
  if (absl::Status s = Flush(); !s.ok()) {
    Log("audit: %d events could not be written at shutdown: %s", queue_.size(),
        s.message());
  }
}

void AuditLog::Record(v1::AuditEvent event) {
  if (options_.anonymous_per_second > 0 &&
      event.principal().subject() == kUnauthenticatedSubject &&
      !anonymous_.Allow(PeerHost(event.peer()))) {
    absl::MutexLock lock(&mu_);
    ++anonymous_skipped_;
    ++anonymous_unlogged_;
    const absl::Time now = options_.clock();
    if (now - anonymous_logged_ >= absl::Minutes(1)) {
      Log("audit: %d events of calls without a known caller (no or bad credentials, or "
          "over the rate limit) not recorded since the last such line: over %g a second "
          "from one host (latest: %s %s from %s)",
          anonymous_unlogged_, options_.anonymous_per_second, event.method(),
          event.code(), event.peer());
      anonymous_unlogged_ = 0;
      anonymous_logged_ = now;
    }
    return;
  }
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(queue_.size()) >= options_.max_queued) {
    queue_.pop_front();
    if (dropped_++ % 10000 == 0) {
      LogLine("audit: queue full (store unreachable?): dropping events");
    }
  }
  queue_.push_back(std::move(event));
}

int64_t AuditLog::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

int64_t AuditLog::anonymous_skipped() const {
  absl::MutexLock lock(&mu_);
  return anonymous_skipped_;
}

absl::Status AuditLog::WriteBatch() {
  absl::MutexLock write_lock(&write_mu_);
  std::vector<v1::AuditEvent> batch;
  {
    absl::MutexLock lock(&mu_);
    const size_t n = std::min<size_t>(queue_.size(), options_.max_batch);
    batch.assign(std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.begin() + n));
    queue_.erase(queue_.begin(), queue_.begin() + n);
  }
  if (batch.empty()) return absl::OkStatus();
  absl::Status s = store_->AppendAudit(batch, options_.retention);
  if (!s.ok()) {
    // Back to the front, in order, for the next attempt.
    absl::MutexLock lock(&mu_);
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
  }
  return s;
}

absl::Status AuditLog::Flush() {
  size_t pending;
  {
    absl::MutexLock lock(&mu_);
    pending = queue_.size();
  }
  // Only what was queued at the call: later events are the writer's.
  while (pending > 0) {
    const size_t n = std::min<size_t>(pending, options_.max_batch);
    if (absl::Status s = WriteBatch(); !s.ok()) return s;
    pending -= n;
  }
  return absl::OkStatus();
}

void AuditLog::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_ || static_cast<int>(queue_.size()) >= options_.max_batch;
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), options_.flush_interval);
      if (stop_) return;
    }
    if (!WriteBatch().ok()) {
      // The store is unreachable: wait a little longer before the retry.
      absl::SleepFor(options_.flush_interval);
    }
  }
}

}  // namespace samenspel::registry
