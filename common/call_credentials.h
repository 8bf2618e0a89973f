// What a caller presented: the bearer secret from `authorization` metadata,
// and the OIN in its TLS client certificate. Both services use these; the
// registry turns them into a principal (registry-service/core/access_control.h).
#ifndef SAMENSPEL_COMMON_CALL_CREDENTIALS_H_
#define SAMENSPEL_COMMON_CALL_CREDENTIALS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/server_context.h"

namespace samenspel {

// The secret of an `authorization: Bearer <secret>` header; nullopt without
// the header. UNAUTHENTICATED when the header is not a bearer credential.
absl::StatusOr<std::optional<std::string>> BearerSecret(
    const grpc::ServerContextBase& context);

// The Organisatie-identificatienummer in the verified client certificate's
// subject serialNumber (as PKIoverheid certificates carry it); nullopt when
// the peer sent no certificate. UNAUTHENTICATED when the certificate has no
// 20-digit serialNumber.
absl::StatusOr<std::optional<std::string>> ClientCertificateOin(
    const grpc::ServerContextBase& context);

// The OIN of a PEM certificate, as above (for tests and tools).
absl::StatusOr<std::string> OinOfCertificate(const std::string& pem);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_CALL_CREDENTIALS_H_
