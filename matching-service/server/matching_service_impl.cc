#include "matching-service/server/matching_service_impl.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "grpcpp/server_context.h"

namespace samenspel::matching {
namespace {

// The least a wait for min_revision leaves between its end and the call's
// deadline, for its UNAVAILABLE to reach the caller; a tenth of the time
// the call has when that is more.
constexpr absl::Duration kMinDeadlineMargin = absl::Milliseconds(10);

// When a wait for min_revision that starts at `start` gives up: after
// `max_wait`, and a margin before `call_deadline`, so that the caller gets
// the UNAVAILABLE the contract promises, not its own DEADLINE_EXCEEDED.
absl::Time RevisionWaitDeadline(absl::Time start, absl::Duration max_wait,
                                absl::Time call_deadline) {
  const absl::Time bound = start + max_wait;
  if (call_deadline >= bound) return bound;  // also: no deadline (infinite)
  const absl::Duration margin =
      std::max(kMinDeadlineMargin, (call_deadline - start) / 10);
  return call_deadline - margin;
}

}  // namespace

MatchingServiceImpl::MatchingServiceImpl(const Matcher* matcher,
                                         MatchingServiceOptions options)
    : matcher_(matcher), options_(options) {}

namespace {

absl::Status IndexLoadingError() {
  return WithReason(
      absl::UnavailableError("the matching index is still loading its first "
                             "snapshot of the registry; retry shortly"),
      "INDEX_LOADING");
}

}  // namespace

template <typename Request, typename Response, typename Method>
grpc::Status MatchingServiceImpl::Handle(grpc::ServerContext* ctx, const Request& request,
                                         Response* response, Method method) {
  const absl::Time start = absl::Now();
  std::string on_behalf_of;
  if (options_.authenticate) {
    absl::StatusOr<registry::v1::Principal> who = options_.authenticate(*ctx);
    if (!who.ok()) return ToGrpcStatus(who.status());
    if (who->role() != registry::v1::ROLE_ADMIN) {
      if (options_.rate_limiter != nullptr &&
          !options_.rate_limiter->Allow(who->subject())) {
        return ToGrpcStatus(RateLimitedError(
            who->subject(), options_.rate_limiter->RetryAfterSeconds(who->subject())));
      }
      // A principal without an organisation gets no consent exception.
      on_behalf_of =
          who->organisation().empty() ? "organisations/-" : who->organisation();
    }
  }
  // Before any wait: a malformed request fails the same at every revision.
  if (absl::Status s = Matcher::Validate(request); !s.ok()) return ToGrpcStatus(s);
  if (request.min_revision() > 0) {
    // Also waits out the first snapshot's load (the index is at revision 0
    // until then).
    const absl::Time deadline = RevisionWaitDeadline(start, options_.max_revision_wait,
                                                     absl::FromChrono(ctx->deadline()));
    if (absl::Status s = matcher_->WaitForRevision(request.min_revision(), deadline,
                                                   [ctx] { return ctx->IsCancelled(); });
        !s.ok()) {
      // Still loading its first snapshot: say that, as a call without
      // min_revision would hear.
      if (options_.ready != nullptr && !options_.ready->load(std::memory_order_acquire)) {
        return ToGrpcStatus(IndexLoadingError());
      }
      return ToGrpcStatus(s);
    }
  } else if (options_.ready != nullptr &&
             !options_.ready->load(std::memory_order_acquire)) {
    return ToGrpcStatus(IndexLoadingError());
  }
  absl::StatusOr<Response> result = (matcher_->*method)(request, on_behalf_of);
  ctx->AddTrailingMetadata("samenspel-server-time-us",
                           absl::StrCat(absl::ToInt64Microseconds(absl::Now() - start)));
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status MatchingServiceImpl::MatchExperts(grpc::ServerContext* ctx,
                                               const v1::MatchExpertsRequest* request,
                                               v1::MatchExpertsResponse* response) {
  return Handle(ctx, *request, response, &Matcher::MatchExperts);
}

grpc::Status MatchingServiceImpl::SuggestTeam(grpc::ServerContext* ctx,
                                              const v1::SuggestTeamRequest* request,
                                              v1::SuggestTeamResponse* response) {
  return Handle(ctx, *request, response, &Matcher::SuggestTeam);
}

grpc::Status MatchingServiceImpl::MatchTeams(grpc::ServerContext* ctx,
                                             const v1::MatchTeamsRequest* request,
                                             v1::MatchTeamsResponse* response) {
  return Handle(ctx, *request, response, &Matcher::MatchTeams);
}

}  // namespace samenspel::matching
