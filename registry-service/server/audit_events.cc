#include "registry-service/server/audit_events.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::registry {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void AddUnique(google::protobuf::RepeatedPtrField<std::string>* to,
               const std::string& value) {
  if (!value.empty() && std::find(to->begin(), to->end(), value) == to->end()) {
    *to->Add() = value;
  }
}

std::string StringField(const Message& m, const char* name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr || f->is_repeated() || f->type() != FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return m.GetReflection()->GetString(m, f);
}

bool HasPersonalData(const Message& m) {
  if (m.GetDescriptor() != v1::Expert::descriptor()) return false;
  const auto& e = static_cast<const v1::Expert&>(m);
  return !e.email().empty() || !e.bio().empty();
}

// Adds the resources in `m` (a resource, or a message holding resources one
// level down) to `event`; with only_personal, just those with personal data.
void Collect(const Message& m, bool only_personal, v1::AuditEvent& event, int depth = 0) {
  const auto* d = m.GetDescriptor();
  const bool is_resource =
      d->FindFieldByName("name") != nullptr && d->FindFieldByName("etag") != nullptr;
  if (is_resource) {
    const bool personal = HasPersonalData(m);
    if (only_personal && !personal) return;
    if (personal) event.set_personal_data(true);
    const std::string name = StringField(m, "name");
    AddUnique(event.mutable_resources(), name);
    if (d == v1::Organisation::descriptor()) {
      AddUnique(event.mutable_organisations(), name);
    }
    AddUnique(event.mutable_organisations(), StringField(m, "organisation"));
    AddUnique(event.mutable_organisations(), StringField(m, "owner_organisation"));
    return;
  }
  if (depth > 0) return;
  const auto* reflection = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->type() != FieldDescriptor::TYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int j = 0; j < reflection->FieldSize(m, f); ++j) {
        Collect(reflection->GetRepeatedMessage(m, f, j), only_personal, event, depth + 1);
      }
    } else if (reflection->HasField(m, f)) {
      Collect(reflection->GetMessage(m, f), only_personal, event, depth + 1);
    }
  }
}

}  // namespace

bool IsWriteMethod(absl::string_view method) {
  for (absl::string_view prefix :
       {"Create", "Update", "Delete", "BatchCreate", "Add", "Remove", "Revoke"}) {
    if (absl::StartsWith(method, prefix)) return true;
  }
  return false;
}

std::optional<v1::AuditEvent> AuditEventFor(const grpc::ServerContextBase& context,
                                            absl::string_view service,
                                            absl::string_view method,
                                            const v1::Principal& principal,
                                            const google::protobuf::Message& request,
                                            const google::protobuf::Message* response,
                                            const absl::Status& status) {
  const bool write = IsWriteMethod(method);
  v1::AuditEvent event;
  if (response != nullptr) Collect(*response, /*only_personal=*/!write, event);
  if (!write && !event.personal_data()) return std::nullopt;
  if (write) {
    // The target as the caller named it (also for failed calls).
    Collect(request, /*only_personal=*/false, event);
    AddUnique(event.mutable_resources(), StringField(request, "name"));
    AddUnique(event.mutable_resources(), StringField(request, "team"));
  }
  *event.mutable_time() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      absl::ToUnixMillis(absl::Now()));
  *event.mutable_principal() = principal;
  event.set_method(absl::StrCat(service, "/", method));
  event.set_code(absl::StatusCodeToString(status.code()));
  event.set_peer(context.peer());
  return event;
}

}  // namespace samenspel::registry
