// Text for the access-control commands (`tokens`, `whoami`, `audit`): role
// and name parsing, and the tables people read. JSON and YAML output is the
// messages themselves (output.h).
//
// Example:
//   absl::StatusOr<registry::v1::Role> role = ParseRole("editor");  // ROLE_EDITOR
//   AccessTokenName("a1b2");             // "accessTokens/a1b2"
//   std::cout << TokenTable(tokens, absl::Now());
#ifndef SAMENSPEL_CLI_CORE_ACCESS_OUTPUT_H_
#define SAMENSPEL_CLI_CORE_ACCESS_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "samenspel/registry/v1/access_service.pb.h"

namespace samenspel::cli {

// "reader", "editor" or "admin", any case, "ROLE_" prefix optional.
// INVALID_ARGUMENT naming the accepted roles otherwise.
absl::StatusOr<registry::v1::Role> ParseRole(absl::string_view text);

// "a1b2" or "accessTokens/a1b2" -> "accessTokens/a1b2". Anything else with
// a '/' is returned unchanged (the registry rejects it with NOT_FOUND or
// INVALID_ARGUMENT).
std::string AccessTokenName(absl::string_view id_or_name);

// "revoked" (revoke_time set), "expired" (expire_time not after `now`) or
// "active".
std::string TokenState(const registry::v1::AccessToken& token, absl::Time now);

// "field: value" lines of one token, with its state.
std::string DescribeToken(const registry::v1::AccessToken& token, absl::Time now);
// NAME, ORGANISATION, ROLE, DESCRIPTION, EXPIRES, STATE.
std::string TokenTable(const std::vector<registry::v1::AccessToken>& tokens,
                       absl::Time now);

// "samenspel.registry.v1.RegistryService/UpdateExpert" -> "UpdateExpert".
std::string ShortMethod(absl::string_view method);
// TIME, SUBJECT, ROLE, METHOD, CODE, RESOURCES (cut), PERSONAL ("yes" or "").
std::string AuditTable(const std::vector<registry::v1::AuditEvent>& events);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_ACCESS_OUTPUT_H_
