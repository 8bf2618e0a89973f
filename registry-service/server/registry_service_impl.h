// The gRPC adapter of the registry: proto in, one Registry call, proto out,
// absl::Status mapped once by ToGrpcStatus. No domain rules live here.
//
// The unary methods use gRPC's callback API, raw: each parses its request
// itself (a request that does not parse is INVALID_ARGUMENT naming the
// field) onto the arena of the call's context (the server must use
// NewCallContextAllocator()). A call costs no thread of gRPC's own while it
// waits; its Registry call (which blocks on Redis) runs on one of `workers`
// threads of the service. WatchChanges, a long-lived stream, keeps the
// synchronous API (a gRPC thread per stream).
#ifndef SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_
#define SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/arena.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "registry-service/core/audit_log.h"
#include "registry-service/core/change_feed.h"
#include "registry-service/core/registry.h"
#include "registry-service/server/authorizer.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

namespace samenspel::registry {

namespace internal {
using RS = v1::RegistryService;
// Every unary method on the callback API and raw (bytes in, bytes out): the
// service parses requests itself, so that one protobuf cannot parse (a
// string that is not UTF-8, a field cut short) gets INVALID_ARGUMENT naming
// the field, where gRPC's own parsing answered UNIMPLEMENTED without a word.
// WatchChanges synchronous.
using RegistryServiceBase = RS::WithRawCallbackMethod_CreateOrganisation<
    RS::WithRawCallbackMethod_GetOrganisation<RS::WithRawCallbackMethod_ListOrganisations<
        RS::WithRawCallbackMethod_UpdateOrganisation<RS::WithRawCallbackMethod_DeleteOrganisation<
            RS::WithRawCallbackMethod_CreateExpert<RS::WithRawCallbackMethod_GetExpert<
                RS::WithRawCallbackMethod_ListExperts<RS::WithRawCallbackMethod_UpdateExpert<
                    RS::WithRawCallbackMethod_DeleteExpert<RS::WithRawCallbackMethod_CreateTeam<
                        RS::WithRawCallbackMethod_GetTeam<RS::WithRawCallbackMethod_ListTeams<
                            RS::WithRawCallbackMethod_UpdateTeam<RS::WithRawCallbackMethod_DeleteTeam<
                                RS::WithRawCallbackMethod_CreateChallenge<RS::WithRawCallbackMethod_GetChallenge<
                                    RS::WithRawCallbackMethod_ListChallenges<
                                        RS::WithRawCallbackMethod_UpdateChallenge<
                                            RS::WithRawCallbackMethod_DeleteChallenge<
                                                RS::WithRawCallbackMethod_BatchCreateExperts<
                                                    RS::WithRawCallbackMethod_AddTeamMember<
                                                        RS::WithRawCallbackMethod_RemoveTeamMember<
                                                            RS::Service>>>>>>>>>>>>>>>>>>>>>>>;

// The server context of every callback call (see NewCallContextAllocator):
// it holds the call's request on a protobuf arena, and its response there
// or on the heap (NewResponseOnHeap), all freed when gRPC releases the
// context, after the call is done. A response of many resources (a page of
// up to 1,000 experts) costs less to build and free on the arena than
// message by message.
class CallContext final : public grpc::CallbackServerContext {
 public:
  CallContext();
  // A new message on the call's arena.
  template <typename T>
  T* New() {
    return google::protobuf::Arena::CreateMessage<T>(&arena_);
  }
  // The call's response on the heap, owned by the context (one per call):
  // for a response that a result built elsewhere is moved into (a move
  // between messages on different arenas is a deep copy; between heap
  // messages, a swap).
  template <typename T>
  T* NewResponseOnHeap() {
    T* m = new T;
    heap_response_.reset(m);
    return m;
  }
  // What the audit log records of a call that succeeded, when that is not
  // its response (a Delete's: the deleted resource; its response is Empty).
  const google::protobuf::Message* audited() const { return audited_; }
  void set_audited(const google::protobuf::Message* m) { audited_ = m; }
  // What else a successful write changed, for its audit event (the teams
  // a DeleteExpert took the expert off, and their owners).
  std::vector<std::string>* mutable_also_changed() { return &also_changed_; }
  const std::vector<std::string>& also_changed() const { return also_changed_; }
  // A Get's answer in wire form, when it has one: sent as it is, instead of
  // the response message (see Registry::GetExpertAsync).
  const Registry::WireResource* wire() const {
    return wire_.has_value() ? &*wire_ : nullptr;
  }
  void set_wire(Registry::WireResource wire) { wire_ = std::move(wire); }

 private:
  static google::protobuf::ArenaOptions Options(char* initial_block, size_t size);
  // Small requests and responses fit without a heap block.
  alignas(8) char initial_block_[2048];
  google::protobuf::Arena arena_;
  std::unique_ptr<google::protobuf::Message> heap_response_;
  const google::protobuf::Message* audited_ = nullptr;
  std::vector<std::string> also_changed_;
  std::optional<Registry::WireResource> wire_;
};
}  // namespace internal

// `status` as `caller` may see it: an UNAVAILABLE about the database without
// its address and error for callers who are not admins.
absl::Status ForCaller(const absl::Status& status, const v1::Principal& caller);

// For ServerBuilder::SetContextAllocator: the server that serves a
// RegistryServiceImpl must use it (its calls fail INTERNAL otherwise).
std::unique_ptr<grpc::ContextAllocator> NewCallContextAllocator();

// WatchChanges streams each hold a thread while open: of non-admin callers
// at most `max_watches` in all and `max_watches_per_caller` per principal;
// more fail RESOURCE_EXHAUSTED (reason TOO_MANY_WATCHES). Admins' streams
// (the matching services' followers) are not limited.
struct WatchLimits {
  int max_watches = 1024;
  int max_watches_per_caller = 16;
};

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
  // `watch_limits`: see WatchLimits.
  RegistryServiceImpl(Registry* registry, ChangeFeed* feed, Authorizer* authorizer,
                      AuditLog* audit, int workers, int max_waiting = 4096,
                      WatchLimits watch_limits = WatchLimits());
  // REQUIRES: the server was shut down (no call in progress).
  ~RegistryServiceImpl() override;

#define SAMENSPEL_UNARY_METHOD(Method)                           \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext*, \
                                   const grpc::ByteBuffer*, grpc::ByteBuffer*) override;
#define SAMENSPEL_CRUD_METHODS(K, Plural) \
  SAMENSPEL_UNARY_METHOD(Create##K)       \
  SAMENSPEL_UNARY_METHOD(Get##K)          \
  SAMENSPEL_UNARY_METHOD(List##Plural)    \
  SAMENSPEL_UNARY_METHOD(Update##K)       \
  SAMENSPEL_UNARY_METHOD(Delete##K)
  SAMENSPEL_CRUD_METHODS(Organisation, Organisations)
  SAMENSPEL_CRUD_METHODS(Expert, Experts)
  SAMENSPEL_CRUD_METHODS(Team, Teams)
  SAMENSPEL_CRUD_METHODS(Challenge, Challenges)
  SAMENSPEL_UNARY_METHOD(BatchCreateExperts)
  SAMENSPEL_UNARY_METHOD(AddTeamMember)
  SAMENSPEL_UNARY_METHOD(RemoveTeamMember)
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
                                  grpc::ByteBuffer* out,
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
      grpc::ByteBuffer* out, std::function<void(const v1::Principal&, Finish)> start,
      std::function<absl::Status(const v1::Principal&)> call);
  // Records the audit event of a call that ended with `status` (`who` is the
  // caller, or why it was not authenticated) and finishes it, with
  // `response` serialized into `out` when it succeeded.
  void Complete(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                absl::string_view method, const google::protobuf::Message& request,
                const google::protobuf::Message* response, grpc::ByteBuffer* out,
                const absl::StatusOr<v1::Principal>& who, const absl::Status& status);
  // The call's request, parsed from `in`, and its response, both new on the
  // call's arena; or, when `in` is not a Request, the call served as one
  // that fails INVALID_ARGUMENT naming the field at fault (authenticated
  // first, audited like any call of `method`), and nulls.
  template <typename Request, typename Response>
  struct Parsed {
    Request* request = nullptr;
    Response* response = nullptr;
    grpc::ServerUnaryReactor* refused = nullptr;
  };
  template <typename Request, typename Response>
  Parsed<Request, Response> Parse(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* in, absl::string_view method,
                                  grpc::ByteBuffer* out);
  void WorkLoop();
  // The principal a read of `method` runs as: `caller`, or while the audit
  // log cannot be written and `caller` is not an admin, `caller` without
  // its organisation, so that no personal data is read unrecorded (the call
  // gets trailer "samenspel-personal-data-withheld"). Writes run as `caller`.
  v1::Principal Reader(absl::string_view method, const v1::Principal& caller,
                       grpc::ServerContextBase& context) const;
  // A WatchChanges slot for `caller`, or RESOURCE_EXHAUSTED; EndWatch gives
  // it back.
  absl::Status BeginWatch(const v1::Principal& caller);
  void EndWatch(const v1::Principal& caller);

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

  const WatchLimits watch_limits_;
  absl::Mutex watch_mu_;
  int watches_ ABSL_GUARDED_BY(watch_mu_) = 0;
  // Open streams per non-admin subject (entries removed at 0).
  absl::flat_hash_map<std::string, int> watches_by_caller_ ABSL_GUARDED_BY(watch_mu_);

  // Every open WatchChanges stream's context, and whether its credential was
  // found revoked or expired. A stream checks its credential between
  // batches, but waits without end in a Write its caller does not read:
  // CheckWatchesLoop checks them all every kStreamCredentialRecheck and
  // cancels those whose credential no longer holds (a security review's
  // unread streams kept their threads and places, and got 500 more changes
  // after the revocation once read). A stream's end unregisters it under
  // streams_mu_, which the check holds while it uses a context.
  // Only streams that wait in a Write are cancelled (a cancelled stream
  // cannot say why it ended; the others find out themselves, and say so).
  struct WatchStream {
    // When the Write under way began (absl::ToUnixMillis), or 0.
    std::atomic<int64_t> write_began_ms{0};
    bool revoked = false;  // under streams_mu_
  };
  void CheckWatchesLoop();
  absl::Mutex streams_mu_;
  absl::flat_hash_map<grpc::ServerContext*, WatchStream*> streams_
      ABSL_GUARDED_BY(streams_mu_);
  bool streams_stopping_ ABSL_GUARDED_BY(streams_mu_) = false;
  std::thread stream_checker_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_
