#include "registry-service/server/registry_service_impl.h"

#include "common/errors.h"
#include "common/grpc_status.h"
#include "google/protobuf/util/time_util.h"
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

absl::Status Reply(const absl::Status& status, google::protobuf::Empty*) {
  return status;
}

}  // namespace

RegistryServiceImpl::RegistryServiceImpl(Registry* registry, ChangeFeed* feed,
                                         Authorizer* authorizer, AuditLog* audit)
    : registry_(registry), feed_(feed), authorizer_(authorizer), audit_(audit) {}

template <typename Request, typename Response, typename Call>
grpc::Status RegistryServiceImpl::Handle(const grpc::ServerContextBase& context,
                                         absl::string_view method, const Request& request,
                                         Response* response, Call call) {
  absl::StatusOr<v1::Principal> who = authorizer_->Authenticate(context, method);
  absl::Status status = who.ok() ? Reply(call(*who), response) : who.status();
  if (audit_ != nullptr) {
    const v1::Principal& principal =
        who.ok() ? *who : MakePrincipal("unauthenticated", "", v1::ROLE_UNSPECIFIED);
    if (auto event = AuditEventFor(context, kService, method, principal, request,
                                   status.ok() ? response : nullptr, status)) {
      audit_->Record(*std::move(event));
    }
  }
  return ToGrpcStatus(status);
}

// Every unary method: authenticate, call the registry as that principal, audit.
#define SAMENSPEL_UNARY(Method, Request, Response)                                       \
  grpc::Status RegistryServiceImpl::Method(grpc::ServerContext* ctx,                     \
                                           const Request* request, Response* response) { \
    return Handle(*ctx, #Method, *request, response, [&](const v1::Principal& caller) {  \
      return registry_->Method(*request, caller);                                        \
    });                                                                                  \
  }

#define SAMENSPEL_CRUD(K, R, Plural)                                                   \
  SAMENSPEL_UNARY(Create##K, v1::Create##K##Request, R)                                \
  SAMENSPEL_UNARY(Get##K, v1::Get##K##Request, R)                                      \
  SAMENSPEL_UNARY(List##Plural, v1::List##Plural##Request, v1::List##Plural##Response) \
  SAMENSPEL_UNARY(Update##K, v1::Update##K##Request, R)                                \
  SAMENSPEL_UNARY(Delete##K, v1::Delete##K##Request, google::protobuf::Empty)

SAMENSPEL_CRUD(Organisation, v1::Organisation, Organisations)
SAMENSPEL_CRUD(Expert, v1::Expert, Experts)
SAMENSPEL_CRUD(Team, v1::TaskTeam, Teams)
SAMENSPEL_CRUD(Challenge, v1::Challenge, Challenges)
SAMENSPEL_UNARY(BatchCreateExperts, v1::BatchCreateExpertsRequest,
                v1::BatchCreateExpertsResponse)
SAMENSPEL_UNARY(AddTeamMember, v1::AddTeamMemberRequest, v1::TaskTeam)
SAMENSPEL_UNARY(RemoveTeamMember, v1::RemoveTeamMemberRequest, v1::TaskTeam)

#undef SAMENSPEL_CRUD
#undef SAMENSPEL_UNARY

grpc::Status RegistryServiceImpl::WatchChanges(grpc::ServerContext* ctx,
                                               const v1::WatchChangesRequest* request,
                                               grpc::ServerWriter<v1::Change>* writer) {
  absl::StatusOr<v1::Principal> caller = authorizer_->Authenticate(*ctx, "WatchChanges");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
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
  if (request->after_revision() < 0) {
    return ToGrpcStatus(InvalidField("after_revision", "must not be negative"));
  }
  int64_t after = request->after_revision();
  while (!ctx->IsCancelled()) {
    absl::StatusOr<std::vector<StoredChange>> changes =
        feed_->Read(after, 500, absl::Milliseconds(500));
    if (!changes.ok()) return ToGrpcStatus(changes.status());
    for (const StoredChange& c : *changes) {
      absl::StatusOr<v1::Change> change = Registry::ToChange(c);
      if (!change.ok()) return ToGrpcStatus(change.status());
      Registry::RedactFor(*caller, *change);
      if (!writer->Write(*change)) return grpc::Status::CANCELLED;
      after = c.revision;
    }
  }
  return grpc::Status::CANCELLED;
}

}  // namespace samenspel::registry
