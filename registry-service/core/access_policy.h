// Who may do what in the registry: the roles of DESIGN.md, checked per object.
//
//   admin   everything;
//   editor  creates, updates and deletes its own organisation's experts, task
//           teams and challenges, and updates its own organisation (never
//           creates or deletes organisations, never moves a resource to
//           another organisation);
//   reader  reads and matches; no writes.
//
// Privacy (AVG/GDPR): an expert's contact details (email) and bio are shown
// only to the expert's own organisation and to admins, unless the expert set
// share_contact_details. Everyone else gets those fields empty.
//
// Pure functions; thread-safe.
//
// Example:
//   v1::Principal editor = MakePrincipal("accessTokens/t1", "organisations/bzk",
//                                        v1::ROLE_EDITOR);
//   CheckWrite(editor, Kind::kExpert, "organisations/bzk", "organisations/bzk");  // OK
//   CheckWrite(editor, Kind::kExpert, "organisations/bzk", "organisations/ijz");
//   // PERMISSION_DENIED
#ifndef SAMENSPEL_REGISTRY_CORE_ACCESS_POLICY_H_
#define SAMENSPEL_REGISTRY_CORE_ACCESS_POLICY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "registry-service/core/store.h"
#include "samenspel/registry/v1/access_service.pb.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::registry {

v1::Principal MakePrincipal(std::string subject, std::string organisation, v1::Role role);

// The admin principal of calls made by the registry itself and by tests that
// exercise the core without authentication.
const v1::Principal& SystemPrincipal();

bool IsAdmin(const v1::Principal& caller);

// "admin", "editor", "reader" ("unspecified" for none).
absl::string_view RoleName(v1::Role role);

// PERMISSION_DENIED with an ErrorInfo reason unless `caller` may write a
// resource of `kind` owned by `old_owner` (empty on create) so that it is
// owned by `new_owner` afterwards (empty on delete). Owners are organisation
// resource names; an organisation owns itself.
absl::Status CheckWrite(const v1::Principal& caller, Kind kind,
                        absl::string_view old_owner, absl::string_view new_owner);

// Whether `caller` may change an organisation's OIN from `old_oin` to
// `new_oin`: admins only, since client certificates authenticate by it.
absl::Status CheckOinChange(const v1::Principal& caller, absl::string_view old_oin,
                            absl::string_view new_oin);

// Whether `caller` may change an organisation's government layer: admins
// only, like the OIN. Every expert of the organisation takes its layer, which
// other agencies filter and match by (a municipality's editor made itself
// NATIONAL).
absl::Status CheckLayerChange(const v1::Principal& caller, int old_layer, int new_layer);

// True when `caller` may see `expert`'s contact details and bio: admins, the
// expert's own organisation, and anyone when the expert shares them; never a
// caller made by WithoutPersonalData.
bool MaySeePersonalData(const v1::Principal& caller, const v1::Expert& expert);
// The same, from the two fields of the expert it looks at.
bool MaySeePersonalData(const v1::Principal& caller, absl::string_view organisation,
                        bool share_contact_details);

// `caller` as a reader who may see no expert's contact details or bio, not
// even those the expert shares or its own organisation's (while the audit log
// cannot be written, no personal data is read unrecorded). Its organisation
// is a value no resource name takes, so it owns nothing either.
v1::Principal WithoutPersonalData(v1::Principal caller);

// Clears what `caller` may not see; returns true when personal data (a
// non-empty email or bio) remains visible.
bool RedactFor(const v1::Principal& caller, v1::Expert& expert);

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_ACCESS_POLICY_H_
