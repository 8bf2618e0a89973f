#include "registry-service/server/audit_events.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/time_util.h"
#include "registry-service/core/audit_log.h"
#include "registry-service/core/names.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::registry {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Whether a resource or organisation name can be recorded: a collection
// (letters) and a valid id. A request's names are unchecked input: a refused
// one may hold any text, up to the message size (or bytes that are not text:
// the event could not be stored, nor read back).
bool Recordable(absl::string_view name) {
  const size_t slash = name.find('/');
  if (slash == absl::string_view::npos || slash == 0 || slash > 32) return false;
  for (char c : name.substr(0, slash)) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) return false;
  }
  return IsValidId(name.substr(slash + 1));
}

// At most this many resource names, and as many organisation names, of a
// refused call's request are recorded (AuditEvent.names_omitted).
constexpr int kMaxRefusedNames = 20;

// What every event records of the call itself.
void Stamp(const grpc::ServerContextBase& context, absl::string_view service,
           absl::string_view method, const v1::Principal& principal,
           const absl::Status& status, v1::AuditEvent& event) {
  *event.mutable_time() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      absl::ToUnixMillis(absl::Now()));
  *event.mutable_principal() = principal;
  event.set_method(absl::StrCat(service, "/", method));
  event.set_code(absl::StatusCodeToString(status.code()));
  event.set_peer(context.peer());
}

// An event's resource and organisation names as it is built: each name
// once, in the order first seen (a page of a list holds up to 1,000
// resources, so the names seen are kept in sets, not searched in the lists).
class EventNames {
 public:
  // `limit`: at most that many resource names and as many organisation
  // names (the rest are counted in names_omitted).
  explicit EventNames(v1::AuditEvent& event, int limit = std::numeric_limits<int>::max())
      : event_(event), limit_(limit) {}
  void AddResource(const std::string& name) {
    Add(name, resources_, event_.mutable_resources());
  }
  void AddOrganisation(const std::string& name) {
    Add(name, organisations_, event_.mutable_organisations());
  }
  v1::AuditEvent& event() { return event_; }
  void set_limit(int limit) { limit_ = limit; }

 private:
  void Add(const std::string& value, absl::flat_hash_set<std::string>& seen,
           google::protobuf::RepeatedPtrField<std::string>* to) {
    if (value.empty()) return;
    if (!Recordable(value) || (to->size() >= limit_ && !seen.contains(value))) {
      event_.set_names_omitted(event_.names_omitted() + 1);
      return;
    }
    if (seen.insert(value).second) *to->Add() = value;
  }
  v1::AuditEvent& event_;
  int limit_;
  absl::flat_hash_set<std::string> resources_, organisations_;
};

// A singular string field of messages of `d` called `name`, or null.
const FieldDescriptor* StringFieldOf(const google::protobuf::Descriptor* d,
                                     const char* name) {
  const FieldDescriptor* f = d->FindFieldByName(name);
  if (f == nullptr || f->is_repeated() || f->type() != FieldDescriptor::TYPE_STRING) {
    return nullptr;
  }
  return f;
}

// What Collect looks up in a message type, found once per type (and
// thread): reflection's lookups by name cost more than the rest of an event.
struct Shape {
  explicit Shape(const google::protobuf::Descriptor* d)
      : name(StringFieldOf(d, "name")),
        team(StringFieldOf(d, "team")),
        expert(StringFieldOf(d, "expert")),
        organisation(StringFieldOf(d, "organisation")),
        owner_organisation(StringFieldOf(d, "owner_organisation")),
        is_resource(d->FindFieldByName("name") != nullptr &&
                    (d->FindFieldByName("etag") != nullptr ||
                     d == v1::AccessToken::descriptor())) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
        if (f->name() == "update_mask") {
          update_mask = f;
          continue;
        }
        messages.push_back(f);
        // A create request: its resource, and the id it asks for
        // ("expert" and "expert_id").
        if (!f->is_repeated() && !CollectionOf(f->message_type()).empty()) {
          created = f;
          created_id = StringFieldOf(d, (f->name() + "_id").c_str());
        }
      }
    }
  }
  // The collection of a resource type ("experts"), or "".
  static std::string CollectionOf(const google::protobuf::Descriptor* d) {
    if (d == v1::Organisation::descriptor()) return "organisations";
    if (d == v1::Expert::descriptor()) return "experts";
    if (d == v1::TaskTeam::descriptor()) return "teams";
    if (d == v1::Challenge::descriptor()) return "challenges";
    return "";
  }
  const FieldDescriptor* name;
  const FieldDescriptor* team;
  // A team member's, or the one a RemoveTeamMember names.
  const FieldDescriptor* expert;
  const FieldDescriptor* organisation;
  const FieldDescriptor* owner_organisation;
  // A resource: has a name and an etag; or an access token.
  bool is_resource;
  std::vector<const FieldDescriptor*> messages;
  // In a create request: its resource field and the id field (or null).
  const FieldDescriptor* created = nullptr;
  const FieldDescriptor* created_id = nullptr;
  // An update request's field mask, or null.
  const FieldDescriptor* update_mask = nullptr;
};

const Shape& ShapeOf(const google::protobuf::Descriptor* d) {
  thread_local absl::flat_hash_map<const google::protobuf::Descriptor*,
                                   std::unique_ptr<const Shape>>
      shapes;
  std::unique_ptr<const Shape>& shape = shapes[d];
  if (shape == nullptr) shape = std::make_unique<const Shape>(d);
  return *shape;
}

// `m`'s value of string field `f` (may be null: "").
std::string StringField(const Message& m, const FieldDescriptor* f) {
  return f == nullptr ? "" : m.GetReflection()->GetString(m, f);
}

bool HasPersonalData(const Message& m) {
  if (m.GetDescriptor() != v1::Expert::descriptor()) return false;
  const auto& e = static_cast<const v1::Expert&>(m);
  return !e.email().empty() || !e.bio().empty();
}

// Whether an update request's mask (or none: every field) covers `field`.
bool MaskCovers(const Message& request, const Shape& shape, absl::string_view field) {
  if (shape.update_mask == nullptr) return true;
  const auto& mask = static_cast<const google::protobuf::FieldMask&>(
      request.GetReflection()->GetMessage(request, shape.update_mask));
  if (mask.paths_size() == 0) return true;
  return std::any_of(
      mask.paths().begin(), mask.paths().end(),
      [&](const std::string& path) { return path == field || path == "*"; });
}

// Adds the resources in `m` (a resource, or a message holding resources one
// or two levels down: a batch's requests) to `event`, and the names a create
// request asks for; with only_personal, just those with personal data. In a
// request (`request`: the request message that holds `m`, or `m` itself; null
// for a response), also the experts a team's members name when the request
// sets the members, and the expert a team member or a RemoveTeamMember
// names: an editor who books another organisation's expert shows in that
// expert's audit trail.
void Collect(const Message& m, bool only_personal, EventNames& names, int depth = 0,
             const Message* request = nullptr) {
  const auto* d = m.GetDescriptor();
  const Shape& shape = ShapeOf(d);
  if (shape.is_resource) {
    const bool personal = HasPersonalData(m);
    if (only_personal && !personal) return;
    if (personal) names.event().set_personal_data(true);
    const std::string name = StringField(m, shape.name);
    names.AddResource(name);
    if (d == v1::Organisation::descriptor()) names.AddOrganisation(name);
    names.AddOrganisation(StringField(m, shape.organisation));
    names.AddOrganisation(StringField(m, shape.owner_organisation));
    if (request != nullptr && d == v1::TaskTeam::descriptor() &&
        MaskCovers(*request, ShapeOf(request->GetDescriptor()), "members")) {
      for (const v1::TeamMember& member : static_cast<const v1::TaskTeam&>(m).members()) {
        names.AddResource(member.expert());
      }
    }
    return;
  }
  if (request != nullptr) names.AddResource(StringField(m, shape.expert));
  if (depth > 1) return;
  if (shape.created != nullptr && shape.created_id != nullptr && !only_personal) {
    // A create names its resource only by the id it asks for: a refused one
    // has no response to name it.
    const std::string id = StringField(m, shape.created_id);
    if (!id.empty()) {
      names.AddResource(
          absl::StrCat(Shape::CollectionOf(shape.created->message_type()), "/", id));
    }
  }
  const auto* reflection = m.GetReflection();
  const Message* holder = request != nullptr ? &m : nullptr;
  for (const FieldDescriptor* f : shape.messages) {
    if (f->is_repeated()) {
      for (int j = 0; j < reflection->FieldSize(m, f); ++j) {
        Collect(reflection->GetRepeatedMessage(m, f, j), only_personal, names, depth + 1,
                holder);
      }
    } else if (reflection->HasField(m, f)) {
      Collect(reflection->GetMessage(m, f), only_personal, names, depth + 1, holder);
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

std::optional<v1::AuditEvent> AuditEventFor(
    const grpc::ServerContextBase& context, absl::string_view service,
    absl::string_view method, const v1::Principal& principal,
    const google::protobuf::Message& request, const google::protobuf::Message* response,
    const absl::Status& status, absl::Span<const std::string> also_concerned) {
  const bool write = IsWriteMethod(method);
  v1::AuditEvent event;
  EventNames names(event);
  // A delete's response is the deleted resource: a deleted team's members
  // are named as a request's would be (the delete takes them off it).
  const bool deleted = write && absl::StartsWith(method, "Delete");
  if (response != nullptr) {
    Collect(*response, /*only_personal=*/!write, names, 0, deleted ? response : nullptr);
  }
  if (!write && !event.personal_data()) return std::nullopt;
  if (write) {
    // The target as the caller named it (also for failed calls: of those,
    // the first names only).
    if (!status.ok()) names.set_limit(kMaxRefusedNames);
    // personal_data says what the response held (the proto): an email in a
    // refused create's request was returned to no one (a security review:
    // refused writes showed up among the disclosures).
    const bool returned_personal_data = event.personal_data();
    Collect(request, /*only_personal=*/false, names, 0, &request);
    event.set_personal_data(returned_personal_data);
    for (const std::string& name : also_concerned) {
      if (absl::StartsWith(name, "organisations/")) {
        names.AddOrganisation(name);
      } else {
        names.AddResource(name);
      }
    }
    const Shape& shape = ShapeOf(request.GetDescriptor());
    names.AddResource(StringField(request, shape.name));
    names.AddResource(StringField(request, shape.team));
    // A refused or failed write on a stored resource: whose it is.
    names.AddOrganisation(OwnerOf(status));
  }
  Stamp(context, service, method, principal, status, event);
  return event;
}

v1::AuditEvent PersonalReadEventFor(const grpc::ServerContextBase& context,
                                    absl::string_view service, absl::string_view method,
                                    const v1::Principal& principal,
                                    absl::string_view resource,
                                    absl::string_view organisation,
                                    const absl::Status& status) {
  // As Collect adds them (one resource: nothing to repeat).
  v1::AuditEvent event;
  event.set_personal_data(true);
  if (Recordable(resource)) event.add_resources(std::string(resource));
  if (Recordable(organisation)) event.add_organisations(std::string(organisation));
  Stamp(context, service, method, principal, status, event);
  return event;
}

v1::Principal RefusedPrincipal(const absl::Status& refusal) {
  v1::Principal principal;
  if (std::string subject = ErrorMetadata(refusal, "subject");
      ReasonOf(refusal) == "RATE_LIMITED" && !subject.empty()) {
    principal.set_subject(std::move(subject));
  } else if (absl::IsUnavailable(refusal)) {
    principal.set_subject(std::string(kUnverifiedSubject));
  } else {
    principal.set_subject(std::string(kUnauthenticatedSubject));
  }
  return principal;
}

}  // namespace samenspel::registry
