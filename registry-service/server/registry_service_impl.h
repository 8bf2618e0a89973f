// The gRPC adapter of the registry: proto in, one Registry call, proto out,
// absl::Status mapped once by ToGrpcStatus. No domain rules live here.
//
// The unary methods use gRPC's callback API: a call costs no thread of
// gRPC's own while it waits; its Registry call (which blocks on Redis) runs on
// one of `workers` threads of the service. WatchChanges, a long-lived stream,
// keeps the synchronous API (a gRPC thread per stream).
#ifndef SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_
#define SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"
#include "registry-service/core/audit_log.h"
#include "registry-service/core/change_feed.h"
#include "registry-service/core/registry.h"
#include "registry-service/server/authorizer.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

namespace samenspel::registry {

namespace internal {
using RS = v1::RegistryService;
// Every unary method on the callback API; WatchChanges synchronous.
using RegistryServiceBase = RS::WithCallbackMethod_CreateOrganisation<
    RS::WithCallbackMethod_GetOrganisation<RS::WithCallbackMethod_ListOrganisations<
        RS::WithCallbackMethod_UpdateOrganisation<RS::WithCallbackMethod_DeleteOrganisation<
            RS::WithCallbackMethod_CreateExpert<RS::WithCallbackMethod_GetExpert<
                RS::WithCallbackMethod_ListExperts<RS::WithCallbackMethod_UpdateExpert<
                    RS::WithCallbackMethod_DeleteExpert<RS::WithCallbackMethod_CreateTeam<
                        RS::WithCallbackMethod_GetTeam<RS::WithCallbackMethod_ListTeams<
                            RS::WithCallbackMethod_UpdateTeam<RS::WithCallbackMethod_DeleteTeam<
                                RS::WithCallbackMethod_CreateChallenge<RS::WithCallbackMethod_GetChallenge<
                                    RS::WithCallbackMethod_ListChallenges<
                                        RS::WithCallbackMethod_UpdateChallenge<
                                            RS::WithCallbackMethod_DeleteChallenge<
                                                RS::WithCallbackMethod_BatchCreateExperts<
                                                    RS::WithCallbackMethod_AddTeamMember<
                                                        RS::WithCallbackMethod_RemoveTeamMember<
                                                            RS::Service>>>>>>>>>>>>>>>>>>>>>>>;

// Allocates a call's request and response on one protobuf arena, freed at
// once when gRPC releases them: for responses of many resources (a page of
// up to 1,000 experts), whose parsing and freeing message by message cost
// more than the rest of the call. Thread-safe.
template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder();
  }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options()) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options() {
      google::protobuf::ArenaOptions options;
      options.start_block_size = 16 << 10;
      options.max_block_size = 1 << 20;
      return options;
    }
    google::protobuf::Arena arena_;
  };
};
}  // namespace internal

// Thread-safe: gRPC calls it from its threads; the Gets and CreateExpert run
// on gRPC's thread and finish there or on the store's I/O thread (one gRPC
// thread at a time may wait for Redis, sending and answering a batch: see
// RedisStore::CommitAsync), the other registry calls run on the service's
// own workers.
class RegistryServiceImpl final : public internal::RegistryServiceBase {
 public:
  // All pointers must outlive the service; `audit` may be null (no audit
  // log). `workers` (> 0): threads that run Registry calls, i.e. the most
  // unary calls served at once; more wait in order of arrival, at most
  // `max_waiting` (> 0): calls beyond that fail RESOURCE_EXHAUSTED at once
  // (they wait before authentication, so a flood must not queue without
  // bound, each with its request in memory).
  RegistryServiceImpl(Registry* registry, ChangeFeed* feed, Authorizer* authorizer,
                      AuditLog* audit, int workers, int max_waiting = 4096);
  // REQUIRES: the server was shut down (no call in progress).
  ~RegistryServiceImpl() override;

#define SAMENSPEL_UNARY_METHOD(Method, Request, Response)                        \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext*, const Request*, \
                                   Response*) override;
#define SAMENSPEL_CRUD_METHODS(K, R, Plural)                      \
  SAMENSPEL_UNARY_METHOD(Create##K, v1::Create##K##Request, R)    \
  SAMENSPEL_UNARY_METHOD(Get##K, v1::Get##K##Request, R)          \
  SAMENSPEL_UNARY_METHOD(List##Plural, v1::List##Plural##Request, \
                         v1::List##Plural##Response)              \
  SAMENSPEL_UNARY_METHOD(Update##K, v1::Update##K##Request, R)    \
  SAMENSPEL_UNARY_METHOD(Delete##K, v1::Delete##K##Request, google::protobuf::Empty)
  SAMENSPEL_CRUD_METHODS(Organisation, v1::Organisation, Organisations)
  SAMENSPEL_CRUD_METHODS(Expert, v1::Expert, Experts)
  SAMENSPEL_CRUD_METHODS(Team, v1::TaskTeam, Teams)
  SAMENSPEL_CRUD_METHODS(Challenge, v1::Challenge, Challenges)
  SAMENSPEL_UNARY_METHOD(BatchCreateExperts, v1::BatchCreateExpertsRequest,
                         v1::BatchCreateExpertsResponse)
  SAMENSPEL_UNARY_METHOD(AddTeamMember, v1::AddTeamMemberRequest, v1::TaskTeam)
  SAMENSPEL_UNARY_METHOD(RemoveTeamMember, v1::RemoveTeamMemberRequest, v1::TaskTeam)
#undef SAMENSPEL_CRUD_METHODS
#undef SAMENSPEL_UNARY_METHOD

  grpc::Status WatchChanges(grpc::ServerContext*, const v1::WatchChangesRequest*,
                            grpc::ServerWriter<v1::Change>*) override;

 private:
  // On a worker: authenticates the caller, runs `call` as that principal
  // (it fills `response`), records the audit event and finishes the call
  // with the status. The one piece of per-RPC glue.
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  absl::string_view method,
                                  const google::protobuf::Message& request,
                                  const google::protobuf::Message* response,
                                  std::function<absl::Status(const v1::Principal&)> call);
  // Without a worker, for calls that do not block (the Gets, CreateExpert):
  // authenticates the caller on gRPC's thread and runs `start` as that
  // principal, which fills `response` and calls its `finish` with the
  // status, from the store's I/O thread or the gRPC thread that sent the
  // store's batch (RedisStore::GetAsync); that records the audit
  // event and finishes the call. When authentication would read the store
  // (a credential not cached), the call takes Serve's path with `call`
  // instead.
  using Finish = absl::AnyInvocable<void(absl::Status) &&>;
  grpc::ServerUnaryReactor* ServeNow(
      grpc::CallbackServerContext* context, absl::string_view method,
      const google::protobuf::Message& request, const google::protobuf::Message* response,
      std::function<void(const v1::Principal&, Finish)> start,
      std::function<absl::Status(const v1::Principal&)> call);
  // Records the audit event of a call that ended with `status` (`who` is the
  // caller, or why it was not authenticated) and finishes it.
  void Complete(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                absl::string_view method, const google::protobuf::Message& request,
                const google::protobuf::Message* response,
                const absl::StatusOr<v1::Principal>& who, const absl::Status& status);
  void WorkLoop();

  Registry* const registry_;
  ChangeFeed* const feed_;
  Authorizer* const authorizer_;
  AuditLog* const audit_;

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  const size_t max_waiting_;
  // Signalled once per queued call, and to all when stopping.
  absl::CondVar work_ready_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
  internal::ArenaMessageAllocator<v1::ListExpertsRequest, v1::ListExpertsResponse>
      list_experts_allocator_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_
