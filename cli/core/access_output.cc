#include "cli/core/access_output.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/core/field_text.h"
#include "cli/core/output.h"
#include "cli/core/time_text.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
using google::protobuf::Timestamp;

std::string TimeText(const Timestamp& timestamp) {
  return timestamp.seconds() == 0 && timestamp.nanos() == 0
             ? ""
             : FormatUtcTime(FromTimestamp(timestamp));
}

std::string RoleText(v1::Role role) {
  const google::protobuf::EnumValueDescriptor* value =
      v1::Role_descriptor()->FindValueByNumber(role);
  return value != nullptr ? EnumShortName(*value) : absl::StrCat(role);
}

}  // namespace

absl::StatusOr<v1::Role> ParseRole(absl::string_view text) {
  absl::StatusOr<const google::protobuf::EnumValueDescriptor*> value =
      ParseEnumText(*v1::Role_descriptor(), text);
  if (!value.ok()) return value.status();
  return static_cast<v1::Role>((*value)->number());
}

std::string AccessTokenName(absl::string_view id_or_name) {
  if (id_or_name.find('/') != absl::string_view::npos) return std::string(id_or_name);
  return absl::StrCat("accessTokens/", id_or_name);
}

std::string TokenState(const v1::AccessToken& token, absl::Time now) {
  if (token.has_revoke_time()) return "revoked";
  if (token.has_expire_time() && FromTimestamp(token.expire_time()) <= now)
    return "expired";
  return "active";
}

std::string DescribeToken(const v1::AccessToken& token, absl::Time now) {
  return DescribeMessage(token, {{"state", TokenState(token, now)}});
}

std::string TokenTable(const std::vector<v1::AccessToken>& tokens, absl::Time now) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::AccessToken& token : tokens) {
    rows.push_back({token.name(), token.organisation(), RoleText(token.role()),
                    token.description(), TimeText(token.expire_time()),
                    TokenState(token, now)});
  }
  return RenderTable({"NAME", "ORGANISATION", "ROLE", "DESCRIPTION", "EXPIRES", "STATE"},
                     rows);
}

std::string ShortMethod(absl::string_view method) {
  const size_t slash = method.rfind('/');
  return std::string(slash == absl::string_view::npos ? method
                                                      : method.substr(slash + 1));
}

std::string AuditTable(const std::vector<v1::AuditEvent>& events) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::AuditEvent& event : events) {
    rows.push_back({TimeText(event.time()), event.principal().subject(),
                    RoleText(event.principal().role()), ShortMethod(event.method()),
                    event.code(),
                    event.names_omitted() > 0
                        ? absl::StrCat(absl::StrJoin(event.resources(), ", "),
                                       event.resources().empty() ? "" : ", ", "(",
                                       event.names_omitted(), " names left out)")
                        : absl::StrJoin(event.resources(), ", "),
                    event.personal_data() ? "yes" : ""});
  }
  return RenderTable(
      {"TIME", "SUBJECT", "ROLE", "METHOD", "CODE", "RESOURCES", "PERSONAL"}, rows, 40);
}

}  // namespace samenspel::cli
