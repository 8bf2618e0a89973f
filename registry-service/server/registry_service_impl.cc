#include "registry-service/server/registry_service_impl.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/message_errors.h"
#include "google/protobuf/util/time_util.h"
#include "registry-service/core/access_policy.h"
#include "registry-service/core/audit_log.h"
#include "registry-service/core/store.h"
#include "registry-service/core/validation.h"
#include "registry-service/server/audit_events.h"

namespace samenspel::registry {
namespace {

constexpr absl::string_view kService = "samenspel.registry.v1.RegistryService";

template <typename Response>
absl::Status Reply(absl::StatusOr<Response> result, Response* out) {
  if (!result.ok()) return result.status();
  *out = *std::move(result);
  return absl::OkStatus();
}

// A Delete's result: the RPC answers Empty, with the feed revision of the
// delete in the trailing metadata "samenspel-revision" (for a match's
// min_revision: reading one's own delete), and the audit log records the
// deleted resource's name and owner (not its personal data: not returned).
template <typename R>
absl::Status Deleted(absl::StatusOr<R> result, grpc::CallbackServerContext* context) {
  if (!result.ok()) return result.status();
  context->AddTrailingMetadata("samenspel-revision", absl::StrCat(result->revision()));
  auto* call = static_cast<internal::CallContext*>(context);  // see Parse
  R* deleted = call->New<R>();
  *deleted = *std::move(result);
  if constexpr (std::is_same_v<R, v1::Expert>) {
    deleted->clear_email();
    deleted->clear_bio();
  }
  call->set_audited(deleted);
  return absl::OkStatus();
}

// Gives every call of a registered method a CallContext. gRPC 1.51 also
// passes the contexts of calls to methods the server does not have (its own
// in-place GenericCallbackServerContext, answered UNIMPLEMENTED) to
// Release(CallbackServerContext*): only the ones made here are deleted (a
// delete of gRPC's aborted the registry).
class CallContextAllocator final : public grpc::ContextAllocator {
 public:
  using grpc::ContextAllocator::Release;
  grpc::CallbackServerContext* NewCallbackServerContext() override {
    return new internal::CallContext();
  }
  void Release(grpc::CallbackServerContext* context) override {
    delete dynamic_cast<internal::CallContext*>(context);
  }
};

}  // namespace

namespace internal {

CallContext::CallContext() : arena_(Options(initial_block_, sizeof(initial_block_))) {}

google::protobuf::ArenaOptions CallContext::Options(char* initial_block, size_t size) {
  google::protobuf::ArenaOptions options;
  options.initial_block = initial_block;
  options.initial_block_size = size;
  options.start_block_size = 16 << 10;
  options.max_block_size = 1 << 20;
  return options;
}

}  // namespace internal

std::unique_ptr<grpc::ContextAllocator> NewCallContextAllocator() {
  return std::make_unique<CallContextAllocator>();
}

template <typename Request, typename Response>
RegistryServiceImpl::Parsed<Request, Response> RegistryServiceImpl::Parse(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* in,
    absl::string_view method, grpc::ByteBuffer* out) {
  Parsed<Request, Response> parsed;
  auto* call = dynamic_cast<internal::CallContext*>(context);
  if (call == nullptr) {
    parsed.refused = context->DefaultReactor();
    parsed.refused->Finish(grpc::Status(
        grpc::StatusCode::INTERNAL,
        "the registry's server was built without NewCallContextAllocator()"));
    return parsed;
  }
  Request* request = call->New<Request>();
  grpc::ByteBuffer bytes(*in);  // Deserialize consumes it; the slices are shared
  if (!grpc::SerializationTraits<google::protobuf::Message>::Deserialize(&bytes, request)
           .ok()) {
    // The slow path of a bad request: its bytes in one piece, to find the fault.
    std::vector<grpc::Slice> slices;
    std::string flat;
    if (in->Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        flat.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    // Answered as any call: the caller authenticated first (who may not
    // call learns nothing of the request), a write attempt audited.
    const absl::Status invalid = InvalidMessageError(*request->GetDescriptor(), flat);
    parsed.refused = Serve(context, method, *request, call->New<Response>(), out,
                           [invalid](const v1::Principal&) { return invalid; });
    return parsed;
  }
  parsed.request = request;
  // ListExperts builds its page in place, on the arena, and a Get's response
  // is only filled when it is not answered in wire form (when it waited
  // for a worker); every other response receives a result built by the
  // registry (Reply), moved in from the heap.
  if constexpr (std::is_same_v<Response, v1::ListExpertsResponse> ||
                std::is_same_v<Request, v1::GetOrganisationRequest> ||
                std::is_same_v<Request, v1::GetExpertRequest> ||
                std::is_same_v<Request, v1::GetTeamRequest> ||
                std::is_same_v<Request, v1::GetChallengeRequest>) {
    parsed.response = call->New<Response>();
  } else {
    parsed.response = call->NewResponseOnHeap<Response>();
  }
  return parsed;
}

RegistryServiceImpl::RegistryServiceImpl(Registry* registry, ChangeFeed* feed,
                                         Authorizer* authorizer, AuditLog* audit,
                                         int workers, int max_waiting,
                                         WatchLimits watch_limits)
    : registry_(registry),
      feed_(feed),
      authorizer_(authorizer),
      audit_(audit),
      max_waiting_(static_cast<size_t>(std::max(1, max_waiting))),
      watch_limits_(watch_limits) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { WorkLoop(); });
  stream_checker_ = std::thread([this] { CheckWatchesLoop(); });
}

RegistryServiceImpl::~RegistryServiceImpl() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    work_ready_.SignalAll();
  }
  for (std::thread& worker : workers_) worker.join();
  {
    absl::MutexLock lock(&streams_mu_);
    streams_stopping_ = true;
  }
  stream_checker_.join();
}

void RegistryServiceImpl::WorkLoop() {
  for (;;) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) work_ready_.Wait(&mu_);
      if (queue_.empty()) return;  // stopping
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

grpc::ServerUnaryReactor* RegistryServiceImpl::Serve(
    grpc::CallbackServerContext* context, absl::string_view method,
    const google::protobuf::Message& request, const google::protobuf::Message* response,
    grpc::ByteBuffer* out, std::function<absl::Status(const v1::Principal&)> call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto work = [this, context, method, &request, response, out, reactor,
               call = std::move(call)] {
    // A call whose client gave up (deadline, cancel) while it waited for a
    // worker is not started.
    // The deadline is checked too: the cancellation it causes may not have
    // reached this context yet.
    if (context->IsCancelled() || absl::FromChrono(context->deadline()) <= absl::Now()) {
      reactor->Finish(
          grpc::Status(grpc::StatusCode::CANCELLED, "cancelled before it ran"));
      return;
    }
    absl::StatusOr<v1::Principal> who = authorizer_->Authenticate(*context, method);
    const absl::Status status =
        who.ok() ? call(Reader(method, *who, *context)) : who.status();
    Complete(context, reactor, method, request, response, out, who, status);
  };
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= max_waiting_) {
    reactor->Finish(
        ToGrpcStatus(WithReason(absl::ResourceExhaustedError(absl::StrCat(
                                    "the registry has ", queue_.size(),
                                    " calls waiting for a worker; retry later")),
                                "OVERLOADED")));
    return reactor;
  }
  queue_.push_back(std::move(work));
  work_ready_.Signal();
  return reactor;
}

grpc::ServerUnaryReactor* RegistryServiceImpl::ServeNow(
    grpc::CallbackServerContext* context, absl::string_view method,
    const google::protobuf::Message& request, const google::protobuf::Message* response,
    grpc::ByteBuffer* out, std::function<void(const v1::Principal&, Finish)> start,
    std::function<absl::Status(const v1::Principal&)> call) {
  std::optional<absl::StatusOr<v1::Principal>> who =
      authorizer_->AuthenticateNow(*context, method);
  if (!who.has_value()) {
    return Serve(context, method, request, response, out, std::move(call));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!who->ok()) {
    Complete(context, reactor, method, request, response, out, *who, who->status());
    return reactor;
  }
  const v1::Principal caller = Reader(method, **who, *context);
  // The callback gets its own copy: `caller` must stay intact for start().
  start(caller, [this, context, reactor, method, &request, response, out,
                 who = *who](absl::Status status) {
    Complete(context, reactor, method, request, response, out, who, status);
  });
  return reactor;
}

void RegistryServiceImpl::Complete(
    grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
    absl::string_view method, const google::protobuf::Message& request,
    const google::protobuf::Message* response, grpc::ByteBuffer* out,
    const absl::StatusOr<v1::Principal>& who, const absl::Status& status) {
  const auto* call = static_cast<internal::CallContext*>(context);
  if (const Registry::WireResource* wire = call->wire();
      wire != nullptr && status.ok() && who.ok()) {
    // A Get answered in wire form: what AuditEventFor would find in the
    // resource, and its bytes as they are.
    if (audit_ != nullptr && wire->personal_data) {
      audit_->Record(PersonalReadEventFor(*context, kService, method, *who, wire->name,
                                          wire->organisation, status));
    }
    grpc::Slice slice(wire->bytes);
    *out = grpc::ByteBuffer(&slice, 1);
    reactor->Finish(grpc::Status::OK);
    return;
  }
  if (audit_ != nullptr) {
    const v1::Principal principal = who.ok() ? *who : RefusedPrincipal(who.status());
    const google::protobuf::Message* audited = call->audited();
    if (auto event = AuditEventFor(*context, kService, method, principal, request,
                                   status.ok() ? (audited ? audited : response) : nullptr,
                                   status, call->also_changed())) {
      audit_->Record(*std::move(event));
    }
  }
  if (status.ok()) {
    bool own_buffer;
    const grpc::Status serialized =
        grpc::SerializationTraits<google::protobuf::Message>::Serialize(*response, out,
                                                                        &own_buffer);
    if (!serialized.ok()) {
      reactor->Finish(serialized);
      return;
    }
  }
  reactor->Finish(ToGrpcStatus(who.ok() ? ForCaller(status, *who) : status));
}

v1::Principal RegistryServiceImpl::Reader(absl::string_view method,
                                          const v1::Principal& caller,
                                          grpc::ServerContextBase& context) const {
  if (audit_ == nullptr || !audit_->failing() || IsAdmin(caller) ||
      IsWriteMethod(method)) {
    return caller;
  }
  // Email and bio are withheld, of every expert: those of the caller's own
  // organisation (a fault review: with Redis at maxmemory, 50 reads of
  // personal data were served and their audit events lost at shutdown), and
  // those an expert shares with any agency (a security review: those were
  // still served, under this very trailer).
  v1::Principal reader = WithoutPersonalData(caller);
  if (method != "WatchChanges") {
    context.AddTrailingMetadata("samenspel-personal-data-withheld",
                                "the audit log cannot be written now");
  }
  return reader;
}

absl::Status ForCaller(const absl::Status& status, const v1::Principal& caller) {
  // The store's address and how it failed are the operator's (in the log,
  // and for admins): another organisation's reader learned the internal
  // Redis host and port from an UNAVAILABLE (a security review).
  if (!absl::IsUnavailable(status) || IsAdmin(caller) ||
      !absl::StrContains(status.message(), "redis")) {
    return status;
  }
  absl::Status plain = absl::UnavailableError(
      ReasonOf(status) == kTimedOutReason
          ? "the registry's database did not answer in time; a write may have been "
            "applied all the same: retry a create with the same request_id, and read "
            "the resource again before you retry an update or delete (its operators see "
            "why in its log)"
          : "the registry cannot reach its database now; retry later (its operators see "
            "why in its log)");
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    plain.SetPayload(url, payload);
  });
  return plain;
}

// Each method: the request parsed (or refused) on gRPC's thread, then served.
// The Gets: on gRPC's thread, finished from the store's (see ServeNow).
#define SAMENSPEL_GET(K, R)                                                           \
  grpc::ServerUnaryReactor* RegistryServiceImpl::Get##K(                              \
      grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in,                   \
      grpc::ByteBuffer* out) {                                                        \
    auto [request, response, refused] =                                               \
        Parse<v1::Get##K##Request, R>(ctx, in, "Get" #K, out);                        \
    if (refused != nullptr) return refused;                                           \
    return ServeNow(                                                                  \
        ctx, "Get" #K, *request, response, out,                                       \
        [this, ctx, request = request](const v1::Principal& caller, Finish finish) {  \
          registry_->Get##K##Async(                                                   \
              *request, caller,                                                       \
              [ctx, finish = std::move(finish)](                                      \
                  absl::StatusOr<Registry::WireResource> r) mutable {                 \
                if (!r.ok()) return std::move(finish)(r.status());                    \
                static_cast<internal::CallContext*>(ctx)->set_wire(*std::move(r));    \
                std::move(finish)(absl::OkStatus());                                  \
              });                                                                     \
        },                                                                            \
        [this, request = request, response = response](const v1::Principal& caller) { \
          return Reply(registry_->Get##K(*request, caller), response);                \
        });                                                                           \
  }
SAMENSPEL_GET(Organisation, v1::Organisation)
SAMENSPEL_GET(Expert, v1::Expert)
SAMENSPEL_GET(Team, v1::TaskTeam)
SAMENSPEL_GET(Challenge, v1::Challenge)
#undef SAMENSPEL_GET

// CreateExpert, the busiest write, likewise: the organisation's read and the
// commit go through the store's asynchronous calls. RedisStore's CommitAsync
// may keep this gRPC thread to send a batch of commits and answer them (one
// of gRPC's two callback threads then works for the commits under load while
// the other serves calls): calls finished on gRPC's own threads spare it a
// wake-up each (bench/RESULTS.md, "Session 17").
grpc::ServerUnaryReactor* RegistryServiceImpl::CreateExpert(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in, grpc::ByteBuffer* out) {
  auto [request, response, refused] =
      Parse<v1::CreateExpertRequest, v1::Expert>(ctx, in, "CreateExpert", out);
  if (refused != nullptr) return refused;
  return ServeNow(
      ctx, "CreateExpert", *request, response, out,
      [this, ctx, request = request, response = response](const v1::Principal& caller,
                                                          Finish finish) {
        registry_->CreateExpertAsync(
            *request, caller,
            [response, finish = std::move(finish)](absl::StatusOr<v1::Expert> r) mutable {
              std::move(finish)(Reply(std::move(r), response));
            },
            // Like a call that waited too long for a worker (Serve), one
            // whose client gave up while Redis was slow is not written
            // (asked just before the commit is sent, on the thread that
            // sends it).
            [ctx] {
              return ctx->IsCancelled() ||
                     absl::FromChrono(ctx->deadline()) <= absl::Now();
            });
      },
      [this, request = request, response = response](const v1::Principal& caller) {
        return Reply(registry_->CreateExpert(*request, caller), response);
      });
}

// Every other unary method: authenticate, call the registry as that principal,
// audit, map the result.
// A unary method served by the Registry method of its name; the arguments
// after `Response`, if any, follow the caller's principal in its call.
#define SAMENSPEL_UNARY_CALL(Method, Request, Response, ...)                             \
  grpc::ServerUnaryReactor* RegistryServiceImpl::Method(                                 \
      grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in,                      \
      grpc::ByteBuffer* out) {                                                           \
    auto [request, response, refused] = Parse<Request, Response>(ctx, in, #Method, out); \
    if (refused != nullptr) return refused;                                              \
    return Serve(ctx, #Method, *request, response, out,                                  \
                 [this, ctx, request = request,                                          \
                  response = response](const v1::Principal& caller) {                    \
                   return Reply(                                                         \
                       registry_->Method(*request, caller __VA_OPT__(, ) __VA_ARGS__),   \
                       response);                                                        \
                 });                                                                     \
  }
#define SAMENSPEL_UNARY(Method, Request, Response) \
  SAMENSPEL_UNARY_CALL(Method, Request, Response)
// A write whose audit event names what else it changed (a team write: the
// members it dropped, the organisations of the experts it booked).
#define SAMENSPEL_UNARY_ALSO(Method, Request, Response) \
  SAMENSPEL_UNARY_CALL(Method, Request, Response,       \
                       static_cast<internal::CallContext*>(ctx)->mutable_also_changed())

#define SAMENSPEL_DELETE(K)                                                          \
  grpc::ServerUnaryReactor* RegistryServiceImpl::Delete##K(                          \
      grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in,                  \
      grpc::ByteBuffer* out) {                                                       \
    auto [request, response, refused] =                                              \
        Parse<v1::Delete##K##Request, google::protobuf::Empty>(ctx, in, "Delete" #K, \
                                                               out);                 \
    if (refused != nullptr) return refused;                                          \
    return Serve(                                                                    \
        ctx, "Delete" #K, *request, response, out,                                   \
        [this, ctx, request = request](const v1::Principal& caller) {                \
          return Deleted(                                                            \
              registry_->Delete##K(                                                  \
                  *request, caller,                                                  \
                  static_cast<internal::CallContext*>(ctx)->mutable_also_changed()), \
              ctx);                                                                  \
        });                                                                          \
  }

#define SAMENSPEL_CRUD(K, R, Plural)                                                   \
  SAMENSPEL_UNARY(Create##K, v1::Create##K##Request, R)                                \
  SAMENSPEL_UNARY(List##Plural, v1::List##Plural##Request, v1::List##Plural##Response) \
  SAMENSPEL_UNARY(Update##K, v1::Update##K##Request, R)                                \
  SAMENSPEL_DELETE(K)

SAMENSPEL_CRUD(Organisation, v1::Organisation, Organisations)
SAMENSPEL_UNARY(UpdateExpert, v1::UpdateExpertRequest, v1::Expert)
SAMENSPEL_DELETE(Expert)
SAMENSPEL_UNARY_ALSO(CreateTeam, v1::CreateTeamRequest, v1::TaskTeam)
SAMENSPEL_UNARY(ListTeams, v1::ListTeamsRequest, v1::ListTeamsResponse)
SAMENSPEL_UNARY_ALSO(UpdateTeam, v1::UpdateTeamRequest, v1::TaskTeam)
SAMENSPEL_DELETE(Team)
SAMENSPEL_CRUD(Challenge, v1::Challenge, Challenges)
SAMENSPEL_UNARY(BatchCreateExperts, v1::BatchCreateExpertsRequest,
                v1::BatchCreateExpertsResponse)
SAMENSPEL_UNARY_ALSO(AddTeamMember, v1::AddTeamMemberRequest, v1::TaskTeam)
SAMENSPEL_UNARY_ALSO(RemoveTeamMember, v1::RemoveTeamMemberRequest, v1::TaskTeam)

#undef SAMENSPEL_CRUD
#undef SAMENSPEL_DELETE
#undef SAMENSPEL_UNARY_ALSO

// ListExperts: the experts are parsed straight into the response, on the
// call's arena (CallContext).
grpc::ServerUnaryReactor* RegistryServiceImpl::ListExperts(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in, grpc::ByteBuffer* out) {
  auto [request, response, refused] =
      Parse<v1::ListExpertsRequest, v1::ListExpertsResponse>(ctx, in, "ListExperts", out);
  if (refused != nullptr) return refused;
  return Serve(
      ctx, "ListExperts", *request, response, out,
      [this, request = request, response = response](const v1::Principal& caller) {
        return registry_->ListExpertsInto(*request, caller, response);
      });
}
#undef SAMENSPEL_UNARY
#undef SAMENSPEL_UNARY_CALL

// How often a WatchChanges stream checks its caller's credential again.
constexpr absl::Duration kStreamCredentialRecheck = absl::Seconds(2);

absl::Status RegistryServiceImpl::BeginWatch(const v1::Principal& caller) {
  // Admins (the matching services' followers) are never refused, and do not
  // take up places: other callers must not lock the followers out.
  if (IsAdmin(caller)) return absl::OkStatus();
  absl::MutexLock lock(&watch_mu_);
  if (watches_ >= watch_limits_.max_watches) {
    return WithReason(absl::ResourceExhaustedError(absl::StrCat(
                          "the registry serves ", watches_,
                          " WatchChanges streams of non-admin callers, its most "
                          "(--max_watches); retry later or on another replica")),
                      "TOO_MANY_WATCHES");
  }
  {
    int& mine = watches_by_caller_[caller.subject()];
    if (mine >= watch_limits_.max_watches_per_caller) {
      if (mine == 0) watches_by_caller_.erase(caller.subject());
      return WithReason(
          absl::ResourceExhaustedError(absl::StrCat(
              caller.subject(), " already has ", mine,
              " WatchChanges streams open on this registry, the most per caller "
              "(--max_watches_per_caller): close one first (one stream serves a "
              "consumer)")),
          "TOO_MANY_WATCHES");
    }
    ++mine;
  }
  ++watches_;
  return absl::OkStatus();
}

void RegistryServiceImpl::CheckWatchesLoop() {
  absl::MutexLock lock(&streams_mu_);
  for (;;) {
    streams_mu_.AwaitWithTimeout(absl::Condition(&streams_stopping_),
                                 kStreamCredentialRecheck);
    if (streams_stopping_) return;
    // Under streams_mu_: a stream's context lives while it is registered.
    // Credentials come from the authenticator's cache but for one read of
    // the store every --token_cache_ttl or so.
    const int64_t waiting_since = absl::ToUnixMillis(absl::Now() - absl::Seconds(1));
    for (auto& [ctx, stream] : streams_) {
      const int64_t began = stream->write_began_ms.load(std::memory_order_relaxed);
      if (stream->revoked || began == 0 || began > waiting_since || ctx->IsCancelled()) {
        continue;
      }
      absl::StatusOr<v1::Principal> again =
          authorizer_->Authenticate(*ctx, "WatchChanges");
      if (absl::IsUnauthenticated(again.status())) {
        stream->revoked = true;
        ctx->TryCancel();
      }
    }
  }
}

void RegistryServiceImpl::EndWatch(const v1::Principal& caller) {
  if (IsAdmin(caller)) return;
  absl::MutexLock lock(&watch_mu_);
  --watches_;
  auto it = watches_by_caller_.find(caller.subject());
  if (it != watches_by_caller_.end() && --it->second <= 0) watches_by_caller_.erase(it);
}

grpc::Status RegistryServiceImpl::WatchChanges(grpc::ServerContext* ctx,
                                               const v1::WatchChangesRequest* request,
                                               grpc::ServerWriter<v1::Change>* writer) {
  absl::StatusOr<v1::Principal> caller = authorizer_->Authenticate(*ctx, "WatchChanges");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status slot = BeginWatch(*caller); !slot.ok()) return ToGrpcStatus(slot);
  // Given back as the stream ends, for the principal that opened it (its
  // role may change while the stream runs).
  const v1::Principal opened_by = *caller;
  absl::Cleanup end_watch = [this, &opened_by] { EndWatch(opened_by); };
  WatchStream self;
  {
    absl::MutexLock lock(&streams_mu_);
    streams_[ctx] = &self;
  }
  // Whether CheckWatchesLoop found the credential revoked (and cancelled
  // the stream); unregisters the stream.
  auto unregister = [this, ctx] {
    absl::MutexLock lock(&streams_mu_);
    auto it = streams_.find(ctx);
    const bool revoked = it != streams_.end() && it->second->revoked;
    if (it != streams_.end()) streams_.erase(it);
    return revoked;
  };
  absl::Cleanup end_stream = [&unregister] { unregister(); };
  if (audit_ != nullptr) {
    // A feed carries personal data: every watch is recorded when it starts.
    v1::AuditEvent event;
    *event.mutable_time() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
        absl::ToUnixMillis(absl::Now()));
    *event.mutable_principal() = *caller;
    event.set_method(absl::StrCat(kService, "/WatchChanges"));
    event.set_code("OK");
    event.set_personal_data(true);
    event.set_peer(ctx->peer());
    audit_->Record(std::move(event));
  }
  FieldViolations invalid;
  if (request->after_revision() < 0)
    invalid.Add("after_revision", "must not be negative");
  if (request->has_after_commit_time() &&
      !IsValidTimestamp(request->after_commit_time())) {
    invalid.Add("after_commit_time", std::string(kInvalidTimestamp));
  }
  if (!invalid.empty()) return ToGrpcStatus(invalid.ToStatus());
  int64_t after = request->after_revision();
  // Changes read from here on are of this epoch; should the store go back
  // meanwhile, the stream ends FEED_REWRITTEN (see ChangeFeed::Read).
  const uint64_t epoch = feed_->Epoch();
  if (request->has_after_commit_time() && after > 0) {
    // Is the change the caller saw at `after` still the feed's?
    absl::StatusOr<std::optional<StoredChange>> at = feed_->StoredChangeAt(after);
    if (!at.ok()) return ToGrpcStatus(at.status());
    // Compared to the microsecond, as Redis keeps it.
    const int64_t seen = google::protobuf::util::TimeUtil::TimestampToMicroseconds(
        request->after_commit_time());
    // None: the store is not at `after` (yet), and Read below says
    // OUT_OF_RANGE when it is behind; or no longer retains it.
    if (at->has_value() && absl::ToUnixMicros((*at)->commit_time) != seen) {
      return ToGrpcStatus(WithReason(
          absl::OutOfRangeError(absl::StrCat(
              "the change at revision ", after, " was committed at ",
              absl::FormatTime((*at)->commit_time), ", not at ",
              absl::FormatTime(absl::FromUnixMicros(seen)),
              ": the changes you have seen up to it no longer exist (a Redis failover "
              "or a restore); resync from List")),
          "FEED_REWRITTEN"));
    }
  }
  // The credential is checked again now and then: a stream must not outlive
  // the revocation or expiry of the token that opened it.
  // The stream is up: a follower learns it now (its initial metadata names
  // where it starts), not only with the next change, which a quiet feed may
  // not have for long.
  ctx->AddInitialMetadata("samenspel-watch-after", absl::StrCat(after));
  writer->SendInitialMetadata();
  absl::Time recheck = absl::Now() + kStreamCredentialRecheck;
  while (!ctx->IsCancelled()) {
    if (absl::Now() >= recheck) {
      absl::StatusOr<v1::Principal> again =
          authorizer_->Authenticate(*ctx, "WatchChanges");
      if (absl::IsUnauthenticated(again.status())) return ToGrpcStatus(again.status());
      if (again.ok()) caller = *std::move(again);  // its role may have changed
      recheck = absl::Now() + kStreamCredentialRecheck;
    }
    absl::StatusOr<std::vector<StoredChange>> changes =
        feed_->Read(after, 500, absl::Milliseconds(500), epoch);
    if (!changes.ok()) return ToGrpcStatus(ForCaller(changes.status(), *caller));
    if (changes->empty()) continue;
    // Once per batch: whether the audit log can be written now decides what
    // the reader sees (Reader), for the batch's changes alike.
    const v1::Principal reader = Reader("WatchChanges", *caller, *ctx);
    for (const StoredChange& c : *changes) {
      absl::StatusOr<v1::Change> change = Registry::ToChange(c);
      if (!change.ok()) return ToGrpcStatus(change.status());
      Registry::RedactFor(reader, *change);
      self.write_began_ms.store(std::max<int64_t>(1, absl::ToUnixMillis(absl::Now())),
                                std::memory_order_relaxed);
      const bool written = writer->Write(*change);
      self.write_began_ms.store(0, std::memory_order_relaxed);
      if (!written) {
        std::move(end_stream).Cancel();
        if (unregister()) {
          return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                              "the credential that opened the stream no longer holds");
        }
        return grpc::Status::CANCELLED;
      }
      after = c.revision;
    }
  }
  return grpc::Status::CANCELLED;
}

}  // namespace samenspel::registry
