// The gRPC adapter of the registry: proto in, one Registry call, proto out,
// absl::Status mapped once by ToGrpcStatus. No domain rules live here.
#ifndef SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_
#define SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_

#include "registry-service/core/audit_log.h"
#include "registry-service/core/change_feed.h"
#include "registry-service/core/registry.h"
#include "registry-service/server/authorizer.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

namespace samenspel::registry {

// Thread-safe; the gRPC sync server calls it from its thread pool.
class RegistryServiceImpl final : public v1::RegistryService::Service {
 public:
  // All pointers must outlive the service; `audit` may be null (no audit log).
  RegistryServiceImpl(Registry* registry, ChangeFeed* feed, Authorizer* authorizer,
                      AuditLog* audit);

#define SAMENSPEL_CRUD_METHODS(K, R, Plural)                                          \
  grpc::Status Create##K(grpc::ServerContext*, const v1::Create##K##Request*, R*)     \
      override;                                                                       \
  grpc::Status Get##K(grpc::ServerContext*, const v1::Get##K##Request*, R*) override; \
  grpc::Status List##Plural(grpc::ServerContext*, const v1::List##Plural##Request*,   \
                            v1::List##Plural##Response*) override;                    \
  grpc::Status Update##K(grpc::ServerContext*, const v1::Update##K##Request*, R*)     \
      override;                                                                       \
  grpc::Status Delete##K(grpc::ServerContext*, const v1::Delete##K##Request*,         \
                         google::protobuf::Empty*) override;
  SAMENSPEL_CRUD_METHODS(Organisation, v1::Organisation, Organisations)
  SAMENSPEL_CRUD_METHODS(Expert, v1::Expert, Experts)
  SAMENSPEL_CRUD_METHODS(Team, v1::TaskTeam, Teams)
  SAMENSPEL_CRUD_METHODS(Challenge, v1::Challenge, Challenges)
#undef SAMENSPEL_CRUD_METHODS

  grpc::Status BatchCreateExperts(grpc::ServerContext*,
                                  const v1::BatchCreateExpertsRequest*,
                                  v1::BatchCreateExpertsResponse*) override;
  grpc::Status AddTeamMember(grpc::ServerContext*, const v1::AddTeamMemberRequest*,
                             v1::TaskTeam*) override;
  grpc::Status RemoveTeamMember(grpc::ServerContext*, const v1::RemoveTeamMemberRequest*,
                                v1::TaskTeam*) override;
  grpc::Status WatchChanges(grpc::ServerContext*, const v1::WatchChangesRequest*,
                            grpc::ServerWriter<v1::Change>*) override;

 private:
  // Authenticates, runs `call` with the principal, records the audit event
  // and maps the status: the glue of every unary method.
  template <typename Request, typename Response, typename Call>
  grpc::Status Handle(const grpc::ServerContextBase& context, absl::string_view method,
                      const Request& request, Response* response, Call call);

  Registry* const registry_;
  ChangeFeed* const feed_;
  Authorizer* const authorizer_;
  AuditLog* const audit_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_SERVER_REGISTRY_SERVICE_IMPL_H_
