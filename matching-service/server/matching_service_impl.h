// The gRPC adapter of the matching service: checks the request's form
// (Matcher::Validate), waits for `min_revision` when asked (bounded, and
// ending in UNAVAILABLE a margin before the call's deadline), makes one
// Matcher call, and maps the status. The server-side time of each call goes
// back in the trailer `samenspel-server-time-us`, for clients and benchmarks.
#ifndef SAMENSPEL_MATCHING_SERVER_MATCHING_SERVICE_IMPL_H_
#define SAMENSPEL_MATCHING_SERVER_MATCHING_SERVICE_IMPL_H_

#include <atomic>
#include <functional>

#include "common/rate_limiter.h"
#include "matching-service/core/matcher.h"
#include "samenspel/matching/v1/matching_service.grpc.pb.h"
#include "samenspel/registry/v1/access_service.pb.h"

namespace samenspel::matching {

struct MatchingServiceOptions {
  // Longest wait for min_revision (default 5 s). A call with a deadline
  // waits at most until a margin before it (a tenth of its time, at least
  // 10 ms), so that it gets UNAVAILABLE rather than DEADLINE_EXCEEDED.
  absl::Duration max_revision_wait = absl::Seconds(5);
  // Who is calling (common/registry_authenticator.h); unset for an open
  // development service, where every caller is an admin.
  std::function<absl::StatusOr<registry::v1::Principal>(const grpc::ServerContextBase&)>
      authenticate;
  // Calls per second per non-admin principal; unset: no limit.
  RateLimiter* rate_limiter = nullptr;
  // False until the index holds its first snapshot of the registry: calls
  // fail UNAVAILABLE meanwhile instead of answering from an empty index.
  // Unset: always ready.
  const std::atomic<bool>* ready = nullptr;
};

// Access: every role may match. A non-admin caller matches on behalf of its
// own organisation: experts without consent are returned to it only when
// they belong to that organisation (Matcher's `on_behalf_of`).
//
// Thread-safe.
class MatchingServiceImpl final : public v1::MatchingService::Service {
 public:
  // `matcher` must outlive the service.
  MatchingServiceImpl(const Matcher* matcher, MatchingServiceOptions options);

  grpc::Status MatchExperts(grpc::ServerContext* ctx,
                            const v1::MatchExpertsRequest* request,
                            v1::MatchExpertsResponse* response) override;
  grpc::Status SuggestTeam(grpc::ServerContext* ctx,
                           const v1::SuggestTeamRequest* request,
                           v1::SuggestTeamResponse* response) override;
  grpc::Status MatchTeams(grpc::ServerContext* ctx, const v1::MatchTeamsRequest* request,
                          v1::MatchTeamsResponse* response) override;

 private:
  template <typename Request, typename Response, typename Method>
  grpc::Status Handle(grpc::ServerContext* ctx, const Request& request,
                      Response* response, Method method);

  const Matcher* const matcher_;
  const MatchingServiceOptions options_;
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_SERVER_MATCHING_SERVICE_IMPL_H_
