#include "registry-service/core/access_policy.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace samenspel::registry {

v1::Principal MakePrincipal(std::string subject, std::string organisation,
                            v1::Role role) {
  v1::Principal p;
  p.set_subject(std::move(subject));
  p.set_organisation(std::move(organisation));
  p.set_role(role);
  return p;
}

const v1::Principal& SystemPrincipal() {
  static const v1::Principal* const kSystem =
      new v1::Principal(MakePrincipal("system", "", v1::ROLE_ADMIN));
  return *kSystem;
}

bool IsAdmin(const v1::Principal& caller) { return caller.role() == v1::ROLE_ADMIN; }

absl::string_view RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN:
      return "admin";
    case v1::ROLE_EDITOR:
      return "editor";
    case v1::ROLE_READER:
      return "reader";
    default:
      return "unspecified";
  }
}

namespace {

absl::Status Denied(const v1::Principal& caller, absl::string_view what) {
  return WithReason(absl::PermissionDeniedError(
                        absl::StrCat(caller.subject(), " (", RoleName(caller.role()),
                                     caller.organisation().empty() ? "" : " of ",
                                     caller.organisation(), ") may not ", what)),
                    "PERMISSION_DENIED");
}

}  // namespace

absl::Status CheckWrite(const v1::Principal& caller, Kind kind,
                        absl::string_view old_owner, absl::string_view new_owner) {
  if (IsAdmin(caller)) return absl::OkStatus();
  const absl::string_view what = KindCollection(kind);
  if (caller.role() != v1::ROLE_EDITOR) {
    return Denied(caller, absl::StrCat("change ", what, " (read-only role)"));
  }
  if (kind == Kind::kOrganisation && (old_owner.empty() || new_owner.empty())) {
    return Denied(caller, "create or delete organisations (admins only)");
  }
  if (!old_owner.empty() && old_owner != caller.organisation()) {
    return Denied(caller, absl::StrCat("change ", what, " of ", old_owner));
  }
  if (!new_owner.empty() && new_owner != caller.organisation()) {
    return Denied(caller, absl::StrCat("assign ", what, " to ", new_owner));
  }
  return absl::OkStatus();
}

absl::Status CheckOinChange(const v1::Principal& caller, absl::string_view old_oin,
                            absl::string_view new_oin) {
  if (IsAdmin(caller) || old_oin == new_oin) return absl::OkStatus();
  return Denied(caller,
                "change an organisation's OIN (admins only: client certificates "
                "authenticate by it)");
}

absl::Status CheckLayerChange(const v1::Principal& caller, int old_layer, int new_layer) {
  if (IsAdmin(caller) || old_layer == new_layer) return absl::OkStatus();
  return Denied(caller,
                "change an organisation's government layer (admins only: its experts "
                "take it, and other agencies filter and match by it)");
}

bool MaySeePersonalData(const v1::Principal& caller, const v1::Expert& expert) {
  return MaySeePersonalData(caller, expert.organisation(),
                            expert.share_contact_details());
}

namespace {
// Not a resource name (those start "organisations/"): WithoutPersonalData.
constexpr absl::string_view kPersonalDataWithheld = "(personal data withheld)";
}  // namespace

bool MaySeePersonalData(const v1::Principal& caller, absl::string_view organisation,
                        bool share_contact_details) {
  if (caller.organisation() == kPersonalDataWithheld) return false;
  return IsAdmin(caller) || share_contact_details ||
         (!caller.organisation().empty() && caller.organisation() == organisation);
}

v1::Principal WithoutPersonalData(v1::Principal caller) {
  caller.set_organisation(std::string(kPersonalDataWithheld));
  return caller;
}

bool RedactFor(const v1::Principal& caller, v1::Expert& expert) {
  if (!MaySeePersonalData(caller, expert)) {
    expert.clear_email();
    expert.clear_bio();
  }
  return !expert.email().empty() || !expert.bio().empty();
}

}  // namespace samenspel::registry
