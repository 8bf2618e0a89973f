// Keeps a Matcher in step with the registry: loads a snapshot through the
// List* methods, then follows WatchChanges from the snapshot's revision.
// Reconnects with backoff and resumes from the last applied revision after a
// lost stream or a registry restart; resyncs from a new snapshot when the
// registry answers OUT_OF_RANGE (it no longer retains that revision).
//
// Two threads: one reads the stream into a queue, one applies the queue in
// batches, so a burst of changes costs one index update, not one per change.
//
// Thread-safe: Start/Stop from the owner; ready() from anywhere.
//
// Example:
//   RegistryFollower follower(channel, &matcher, {});
//   follower.Start();
//   ...  // health SERVING once follower.ready()
//   follower.Stop();
#ifndef SAMENSPEL_MATCHING_SERVER_REGISTRY_FOLLOWER_H_
#define SAMENSPEL_MATCHING_SERVER_REGISTRY_FOLLOWER_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "matching-service/core/matcher.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

namespace samenspel::matching {

struct RegistryFollowerOptions {
  // List page size for snapshots (default 1000, the registry's maximum).
  int page_size = 1000;
  // Snapshot experts are listed organisation by organisation on this many
  // calls at once.
  int snapshot_streams = 4;
  // Backoff between reconnects: starts here and doubles up to max.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // Most changes applied in one index update (default 5000).
  int max_batch = 5000;
  // Called (from the follower thread) whenever the follower's view of its
  // health changes: true once a snapshot is loaded.
  std::function<void(bool)> on_ready;
};

class RegistryFollower {
 public:
  // `matcher` must outlive the follower.
  RegistryFollower(std::shared_ptr<grpc::Channel> registry, Matcher* matcher,
                   RegistryFollowerOptions options);
  ~RegistryFollower();

  void Start();
  // Cancels the registry calls in flight (the stream, a snapshot's pages)
  // and joins the threads: a snapshot being loaded is given up. Idempotent.
  void Stop();

  // True once a snapshot has been loaded (and stays true).
  bool ready() const { return ready_.load(); }
  // How many snapshots were loaded (1 after start; more after resyncs).
  int snapshots_loaded() const { return snapshots_.load(); }

 private:
  void ReadLoop();
  void ApplyLoop();
  absl::Status LoadSnapshot();
  // Streams changes after `after` into the queue until the stream ends.
  absl::Status Follow(int64_t after);
  // Lists the experts of `organisations` into `loader` (LoadSnapshot).
  absl::Status ListExperts(const std::vector<std::string>& organisations,
                           Matcher::SnapshotLoader& loader, int64_t revision);
  // Lists every page of one collection (see the definition).
  template <typename Request, typename Response, typename Method, typename NewResponse,
            typename Consume>
  absl::Status ListAll(Method method, NewResponse new_response, Consume consume,
                       int64_t& revision, Request request = Request());
  // Registers a registry call for Stop to cancel; false (nothing registered)
  // once stopping: the call must not start.
  bool Track(grpc::ClientContext* ctx);
  void Untrack(grpc::ClientContext* ctx);

  const std::unique_ptr<registry::v1::RegistryService::Stub> stub_;
  Matcher* const matcher_;
  const RegistryFollowerOptions options_;

  std::atomic<bool> ready_{false};
  std::atomic<int> snapshots_{0};

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The read thread's: a failure was logged and its recovery not yet.
  bool failure_logged_ = false;
  // The registry calls in flight (Track).
  absl::flat_hash_set<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
  std::deque<registry::v1::Change> queue_ ABSL_GUARDED_BY(mu_);
  // Revision of the last change read from the stream (or snapshot).
  int64_t read_revision_ ABSL_GUARDED_BY(mu_) = 0;
  // Its commit time, when it came from the stream (WatchChangesRequest's
  // after_commit_time); none after a snapshot.
  std::optional<google::protobuf::Timestamp> read_commit_time_ ABSL_GUARDED_BY(mu_);
  // Set by the reader when a resync is needed; the applier drains first.
  bool applying_ ABSL_GUARDED_BY(mu_) = false;

  std::thread reader_;
  std::thread applier_;
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_SERVER_REGISTRY_FOLLOWER_H_
