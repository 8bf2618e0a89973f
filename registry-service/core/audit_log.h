// The audit log's writer: handlers Record() an event without waiting for
// Redis; a background thread appends them to the AccessStore in batches
// (every `flush_interval`, or sooner when `max_batch` are waiting). When the
// store is unreachable the events wait (up to `max_queued`, then the oldest
// are dropped and counted, loudly) and are retried.
//
// The guarantee: an event is durable within about flush_interval after its
// call returned, unless the registry process dies in between. That is the
// price of not adding a Redis round trip to every call.
//
// Thread-safe.
//
// Example:
//   AuditLog audit(&access_store, {});
//   audit.Record(event);
//   audit.Flush();  // tests and shutdown: everything recorded is written
#ifndef SAMENSPEL_REGISTRY_CORE_AUDIT_LOG_H_
#define SAMENSPEL_REGISTRY_CORE_AUDIT_LOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/rate_limiter.h"
#include "registry-service/core/access_store.h"

namespace samenspel::registry {

struct AuditLogOptions {
  // Default 100 ms.
  absl::Duration flush_interval = absl::Milliseconds(100);
  // Default 500.
  int max_batch = 500;
  // Default 200,000.
  int max_queued = 200000;
  // How long events are kept (default 400 days).
  absl::Duration retention = absl::Hours(24 * 400);
  // Events of calls refused for their credentials (no or bad ones:
  // principal kUnauthenticatedSubject) recorded per second per peer host (an
  // IPv6 peer by its /64), and of calls refused over the rate limit
  // (RESOURCE_EXHAUSTED) per principal, in bursts of up to 10 times that;
  // the rest are counted and logged once a minute (default 10; <= 0: all).
  // Such calls cost nothing to make, and the audit log is capped in bytes
  // (--audit_max_bytes): without a limit they could push the other events out.
  double anonymous_per_second = 10;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// The principal subject of an event whose caller is not known: no or bad
// credentials.
inline constexpr absl::string_view kUnauthenticatedSubject = "unauthenticated";
// ... and of one whose credentials could not be checked (the store did not
// answer).
inline constexpr absl::string_view kUnverifiedSubject = "unverified";

// The key calls of peer `peer` (gRPC's form: "ipv4:10.0.0.1:5301",
// "ipv6:%5B2001:db8::1%5D:5301", "unix:/path") share a budget under: the
// host, an IPv6 host's /64, or the scheme of other kinds.
std::string PeerKey(absl::string_view peer);

class AuditLog {
 public:
  // `store` must outlive this object.
  AuditLog(AccessStore* store, AuditLogOptions options);
  // Stop(), if not yet.
  ~AuditLog();

  // Stops the writer, then writes what is queued (one try: a store that
  // does not take it is not waited for) and logs how many events it could
  // not write. Events recorded later are only queued. Idempotent.
  void Stop();

  void Record(v1::AuditEvent event);

  // Writes everything recorded before the call; UNAVAILABLE if the store
  // could not take it (the events stay queued).
  absl::Status Flush();

  // Events dropped because the queue was full.
  int64_t dropped() const;
  // Events not recorded over anonymous_per_second.
  int64_t anonymous_skipped() const;

  // Whether the last write of events failed (Redis refusing writes, or
  // unreachable): until one succeeds, reads of personal data would go
  // unrecorded, and the registry withholds personal data from callers who
  // are not admins (the matching services' followers index bios).
  bool failing() const { return failing_.load(std::memory_order_relaxed); }

 private:
  void Run();
  // Logs the events not recorded since the last such line, if any, when a
  // minute has passed since it (or `now_anyway`); forgets full buckets.
  void ReportSkipped(bool now_anyway);
  // Writes up to max_batch queued events.
  absl::Status WriteBatch() ABSL_LOCKS_EXCLUDED(mu_);

  AccessStore* const store_;
  const AuditLogOptions options_;
  absl::Mutex write_mu_;  // one writer at a time, so order is kept
  mutable absl::Mutex mu_;
  std::deque<v1::AuditEvent> queue_ ABSL_GUARDED_BY(mu_);
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  RateLimiter anonymous_;
  int64_t anonymous_skipped_ ABSL_GUARDED_BY(mu_) = 0;
  // Skipped since the last log line, the latest of them, and when that
  // line was.
  int64_t anonymous_unlogged_ ABSL_GUARDED_BY(mu_) = 0;
  std::string anonymous_latest_ ABSL_GUARDED_BY(mu_);
  absl::Time anonymous_logged_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> failing_{false};
  // When a failed write was last logged (the writer thread's own).
  absl::Time last_failure_logged_ = absl::InfinitePast();
  std::thread writer_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_AUDIT_LOG_H_
