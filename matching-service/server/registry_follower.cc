#include "matching-service/server/registry_follower.h"

#include <malloc.h>

#include <iterator>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "google/protobuf/arena.h"

namespace samenspel::matching {
namespace {

namespace rv1 = ::samenspel::registry::v1;

template <typename Response>
std::shared_ptr<Response> OnHeap() {
  return std::make_shared<Response>();
}

// A response on a protobuf arena of its own: a page's messages are parsed
// into a few large blocks and freed in one go, instead of one allocation
// per message and field.
template <typename Response>
std::shared_ptr<Response> OnArena() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 64 << 10;
  options.max_block_size = 1 << 20;
  auto arena = std::make_shared<google::protobuf::Arena>(options);
  Response* response = google::protobuf::Arena::CreateMessage<Response>(arena.get());
  return std::shared_ptr<Response>(std::move(arena), response);
}

template <typename T>
std::vector<T> MoveOut(google::protobuf::RepeatedPtrField<T>* items) {
  return std::vector<T>(std::make_move_iterator(items->begin()),
                        std::make_move_iterator(items->end()));
}

}  // namespace

RegistryFollower::RegistryFollower(std::shared_ptr<grpc::Channel> registry,
                                   Matcher* matcher, RegistryFollowerOptions options)
    : stub_(rv1::RegistryService::NewStub(std::move(registry))),
      matcher_(matcher),
      options_(std::move(options)) {}

RegistryFollower::~RegistryFollower() { Stop(); }

void RegistryFollower::Start() {
  reader_ = std::thread([this] { ReadLoop(); });
  applier_ = std::thread([this] { ApplyLoop(); });
}

void RegistryFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !reader_.joinable()) return;
    stopping_ = true;
    for (grpc::ClientContext* call : calls_) call->TryCancel();
  }
  if (reader_.joinable()) reader_.join();
  if (applier_.joinable()) applier_.join();
}

bool RegistryFollower::Track(grpc::ClientContext* ctx) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  calls_.insert(ctx);
  return true;
}

void RegistryFollower::Untrack(grpc::ClientContext* ctx) {
  absl::MutexLock lock(&mu_);
  calls_.erase(ctx);
}

// Lists every page of one collection. Each response comes from
// `new_response()` (a std::shared_ptr<Response>) and goes to `consume`; the
// first page's revision goes to `revision` (when it is still unset, i.e. < 0).
// Each page's call is one Stop can cancel; none starts once stopping
// (CANCELLED).
template <typename Request, typename Response, typename Method, typename NewResponse,
          typename Consume>
absl::Status RegistryFollower::ListAll(Method method, NewResponse new_response,
                                       Consume consume, int64_t& revision,
                                       Request request) {
  request.set_page_size(options_.page_size);
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    if (!Track(&ctx)) return absl::CancelledError("stopping");
    std::shared_ptr<Response> response = new_response();
    grpc::Status s = ((*stub_).*method)(&ctx, request, response.get());
    Untrack(&ctx);
    if (!s.ok()) return FromGrpcStatus(s);
    if (revision < 0) revision = response->revision();
    request.set_page_token(response->next_page_token());
    consume(std::move(response));
  } while (!request.page_token().empty());
  return absl::OkStatus();
}

absl::Status RegistryFollower::LoadSnapshot() {
  // Every list starts after the first page of the first one, so everything
  // changed since that page's revision is also in the feed after it. Experts
  // are analysed page by page while the next pages are read.
  const absl::Time start = absl::Now();
  int64_t revision = -1;
  std::unique_ptr<Matcher::SnapshotLoader> loader = matcher_->StartLoad();
  Matcher::SnapshotLoader& l = *loader;
  using Stub = rv1::RegistryService::Stub;
  std::vector<std::string> organisations;
  absl::Status s = ListAll<rv1::ListOrganisationsRequest, rv1::ListOrganisationsResponse>(
      &Stub::ListOrganisations, OnHeap<rv1::ListOrganisationsResponse>,
      [&](std::shared_ptr<rv1::ListOrganisationsResponse> r) {
        for (const auto& o : r->organisations()) organisations.push_back(o.name());
        l.AddOrganisations(MoveOut(r->mutable_organisations()));
      },
      revision);
  if (s.ok()) s = ListExperts(organisations, l, revision);
  if (s.ok()) {
    s = ListAll<rv1::ListTeamsRequest, rv1::ListTeamsResponse>(
        &Stub::ListTeams, OnHeap<rv1::ListTeamsResponse>,
        [&](std::shared_ptr<rv1::ListTeamsResponse> r) {
          l.AddTeams(MoveOut(r->mutable_teams()));
        },
        revision);
  }
  if (s.ok()) {
    s = ListAll<rv1::ListChallengesRequest, rv1::ListChallengesResponse>(
        &Stub::ListChallenges, OnHeap<rv1::ListChallengesResponse>,
        [&](std::shared_ptr<rv1::ListChallengesResponse> r) {
          l.AddChallenges(MoveOut(r->mutable_challenges()));
        },
        revision);
  }
  if (!s.ok()) return s;
  const size_t experts = l.experts();
  const absl::Time listed = absl::Now();
  // The applier must not apply old queued changes over the new snapshot.
  // (Stopping, it leaves the queue as it is: then so does this.)
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](RegistryFollower* f) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return (f->queue_.empty() && !f->applying_) || f->stopping_;
        },
        this));
    if (stopping_) return absl::CancelledError("stopping");
    matcher_->FinishLoad(std::move(loader), revision);
    read_revision_ = revision;
    read_commit_time_.reset();
  }
  // The snapshot's pages and the analysis scratch are freed: give the pages
  // back to the system rather than keep them in the allocator.
  malloc_trim(0);
  ++snapshots_;
  Log("snapshot at revision %d: %d experts (read and analysed in %.2f s, index "
      "finished in %.2f s)",
      revision, experts, absl::ToDoubleSeconds(listed - start),
      absl::ToDoubleSeconds(absl::Now() - listed));
  if (!ready_.exchange(true) && options_.on_ready) options_.on_ready(true);
  return absl::OkStatus();
}

absl::Status RegistryFollower::ListExperts(const std::vector<std::string>& organisations,
                                           Matcher::SnapshotLoader& loader,
                                           int64_t revision) {
  // Organisation by organisation on a few streams at once, so that the
  // registry, Redis and this process's analysis overlap. An expert that moves
  // to another organisation meanwhile may be listed twice or not at all; the
  // move is in the feed after `revision`, and the index keeps the last copy
  // of a name.
  using Stub = rv1::RegistryService::Stub;
  const int streams = std::clamp<int>(options_.snapshot_streams, 1,
                                      std::max<int>(1, organisations.size()));
  absl::Mutex mu;
  size_t next = 0;
  absl::Status status;
  auto stream = [&] {
    for (;;) {
      size_t i;
      {
        absl::MutexLock lock(&mu);
        if (next == organisations.size() || !status.ok()) return;
        i = next++;
      }
      rv1::ListExpertsRequest request;
      request.set_organisation(organisations[i]);
      int64_t unused = revision;
      absl::Status s = ListAll<rv1::ListExpertsRequest, rv1::ListExpertsResponse>(
          &Stub::ListExperts, OnArena<rv1::ListExpertsResponse>,
          [&](std::shared_ptr<rv1::ListExpertsResponse> r) {
            const auto* experts = &r->experts();
            loader.AddExperts(Matcher::SnapshotLoader::ExpertPage(std::move(r), experts));
          },
          unused, std::move(request));
      if (!s.ok()) {
        absl::MutexLock lock(&mu);
        if (status.ok()) status = s;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < streams; ++t) threads.emplace_back(stream);
  stream();
  for (std::thread& t : threads) t.join();
  return status;
}

absl::Status RegistryFollower::Follow(int64_t after) {
  grpc::ClientContext ctx;
  if (!Track(&ctx)) return absl::CancelledError("stopping");
  rv1::WatchChangesRequest request;
  request.set_after_revision(after);
  {
    // So that the registry can tell whether the change at `after` is still
    // the one read (not after a snapshot: its last change is not known).
    absl::MutexLock lock(&mu_);
    if (read_commit_time_.has_value()) {
      *request.mutable_after_commit_time() = *read_commit_time_;
    }
  }
  auto reader = stub_->WatchChanges(&ctx, request);
  if (failure_logged_) {
    // Back once the stream is up (the registry sends this at its start);
    // a call that fails returns without it.
    reader->WaitForInitialMetadata();
    if (ctx.GetServerInitialMetadata().count("samenspel-watch-after") > 0) {
      Log("registry: reached again; watching its changes after revision %d", after);
      failure_logged_ = false;
    }
  }
  rv1::Change change;
  // The feed has no gaps: a change other than the next one means changes
  // were missed. After revision 0 the registry starts at the oldest change
  // it retains (WatchChangesRequest.after_revision), which is not 1 once the
  // feed was trimmed: a follower whose snapshot was of an empty registry,
  // resuming after the registry was away, got only the feed's tail and
  // missed the rest without a word (an operator's review).
  int64_t next = after + 1;
  while (reader->Read(&change)) {
    if (change.revision() != next) {
      ctx.TryCancel();
      reader->Finish();
      Untrack(&ctx);
      return absl::OutOfRangeError(absl::StrCat(
          "the registry's feed went on at revision ", change.revision(), ", not ", next));
    }
    ++next;
    absl::MutexLock lock(&mu_);
    read_revision_ = change.revision();
    read_commit_time_ = change.commit_time();
    queue_.push_back(std::move(change));
  }
  grpc::Status status = reader->Finish();
  Untrack(&ctx);
  return FromGrpcStatus(status);
}

void RegistryFollower::ReadLoop() {
  absl::Duration backoff = options_.initial_backoff;
  bool need_snapshot = true;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::Status s;
    if (need_snapshot) {
      s = LoadSnapshot();
      if (s.ok()) {
        need_snapshot = false;
        failure_logged_ = false;  // its own line says so
      }
    } else {
      int64_t after;
      {
        absl::MutexLock lock(&mu_);
        after = read_revision_;
      }
      const absl::Time started = absl::Now();
      s = Follow(after);
      int64_t read;  // the last revision applied (the stream may have moved on)
      {
        // A stream that delivered changes, or stayed up longer than the
        // longest backoff, was healthy: its end starts a new series of
        // retries, not the next one of the last series.
        absl::MutexLock lock(&mu_);
        read = read_revision_;
        if (read_revision_ > after || absl::Now() - started > options_.max_backoff) {
          backoff = options_.initial_backoff;
        }
      }
      if (absl::IsOutOfRange(s)) {
        // Not `after`, where the stream began (an operator review: the line
        // named revision 36299 for an index at 79461).
        Log("cannot resume after revision %d (%s): resync", read, s.message());
        need_snapshot = true;
        continue;
      }
    }
    if (s.ok()) {
      backoff = options_.initial_backoff;
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;  // the calls were cancelled by Stop
    }
    Log("registry: %s; retrying in %s", StatusText(s), absl::FormatDuration(backoff));
    failure_logged_ = true;
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void RegistryFollower::ApplyLoop() {
  for (;;) {
    std::vector<rv1::Change> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](RegistryFollower* f) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return f->stopping_ || !f->queue_.empty();
          },
          this));
      if (stopping_) return;
      while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      applying_ = true;
    }
    matcher_->Apply(batch);
    absl::MutexLock lock(&mu_);
    applying_ = false;
  }
}

}  // namespace samenspel::matching
