// What the audit log records about one RPC (see AuditEvent in
// access_service.proto): every write, allowed or not, and every read whose
// response carried personal data (an expert's email or bio). Resources and
// their organisations are found by reflection over the request and response,
// so every method is covered the same way.
#ifndef SAMENSPEL_REGISTRY_SERVER_AUDIT_EVENTS_H_
#define SAMENSPEL_REGISTRY_SERVER_AUDIT_EVENTS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "samenspel/registry/v1/access_service.pb.h"

namespace samenspel::registry {

// True for methods that change the registry (Create*, Update*, Delete*,
// BatchCreate*, Add*, Remove*, Revoke*).
bool IsWriteMethod(absl::string_view method);

// The event of a call of `method` ("UpdateExpert") on `service`, or nullopt
// when it is not recorded. `response` is null when the call failed.
// `also_concerned`: resources and organisations a write changed beside those
// its request and response name (the teams a DeleteExpert took the expert
// off, and their owners).
std::optional<v1::AuditEvent> AuditEventFor(
    const grpc::ServerContextBase& context, absl::string_view service,
    absl::string_view method, const v1::Principal& principal,
    const google::protobuf::Message& request, const google::protobuf::Message* response,
    const absl::Status& status, absl::Span<const std::string> also_concerned = {});

// The event of a read that returned personal data of one resource, as
// AuditEventFor records it when it finds that resource in the response:
// for a Get answered in wire form (Registry::GetExpertAsync), which has the
// resource's name and organisation but no message to look into.
v1::AuditEvent PersonalReadEventFor(const grpc::ServerContextBase& context,
                                    absl::string_view service, absl::string_view method,
                                    const v1::Principal& principal,
                                    absl::string_view resource,
                                    absl::string_view organisation,
                                    const absl::Status& status);

// The principal an event of a call refused before it was authorised
// (`refusal`) names: the principal over its rate limit (RATE_LIMITED says
// which), kUnverifiedSubject when its credentials could not be checked
// (UNAVAILABLE), else kUnauthenticatedSubject.
v1::Principal RefusedPrincipal(const absl::Status& refusal);

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_SERVER_AUDIT_EVENTS_H_
