#include "cli/core/resource_kind.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;

std::array<KindInfo, 4> MakeKinds() {
  return {{
      {Kind::kOrganisation,
       "organisations",
       "organisation",
       v1::Organisation::descriptor(),
       {
           {"display_name", "display-name", "Name shown to people"},
           {"layer", "layer",
            "Government layer: NATIONAL, PROVINCIAL, MUNICIPAL, WATER_AUTHORITY or "
            "REGIONAL"},
           {"oin", "oin", "Organisatie-identificatienummer (20 digits)"},
           {"region_codes", "region",
            "CBS region code (GM0363, PV27, WS0155, NL); repeatable"},
       },
       {"name", "display_name", "layer", "region_codes"}},
      {Kind::kExpert,
       "experts",
       "expert",
       v1::Expert::descriptor(),
       {
           {"display_name", "display-name", "Name shown to people"},
           {"organisation", "organisation", "Employer: organisations/ID (or just ID)"},
           {"job_title", "job-title", "Job title"},
           {"email", "email", "E-mail address"},
           {"bio", "bio", "Free text, Dutch or English"},
           {"skills", "skill", "Skill as NAME:LEVEL, level 1..5; repeatable"},
           {"themes", "theme", "Theme (wonen, energie, ...); repeatable"},
           {"region_codes", "region", "CBS region code (GM0363, PV27, NL); repeatable"},
           {"perspectives", "perspective",
            "POLICY, EXECUTION, GOVERNANCE or FRONTLINE; repeatable"},
           {"available_hours_per_week", "hours", "Hours per week available for teams"},
           {"consent_to_matching", "consent",
            "Consents to being matched across organisations (--no-consent withdraws)"},
           {"share_contact_details", "share-contact",
            "Consents to showing e-mail and bio to other organisations "
            "(--no-share-contact withdraws)"},
       },
       {"name", "display_name", "organisation", "layer", "skills",
        "available_hours_per_week", "consent_to_matching"}},
      {Kind::kTeam,
       "teams",
       "team",
       v1::TaskTeam::descriptor(),
       {
           {"display_name", "display-name", "Name shown to people"},
           {"description", "description", "The challenge the team works on"},
           {"themes", "theme", "Theme; repeatable"},
           {"region_codes", "region", "CBS region code; repeatable"},
           {"state", "state", "FORMING, ACTIVE or COMPLETED"},
           {"members", "member",
            "Member as EXPERT[:ROLE[:HOURS]] (experts/ID or ID); repeatable"},
           {"owner_organisation", "owner-organisation", "Owner: organisations/ID"},
           {"lessons_learned", "lessons-learned", "What others can learn from this team"},
       },
       {"name", "display_name", "state", "owner_organisation", "members"}},
      {Kind::kChallenge,
       "challenges",
       "challenge",
       v1::Challenge::descriptor(),
       {
           {"title", "title", "Short title"},
           {"description", "description", "What the challenge is about"},
           {"owner_organisation", "owner-organisation", "Owner: organisations/ID"},
           {"themes", "theme", "Theme; repeatable"},
           {"required_skills", "skill",
            "Required skill as NAME:MIN_LEVEL[:WEIGHT]; repeatable"},
           {"region_codes", "region", "CBS region code; repeatable"},
           {"desired_layers", "layer", "Desired government layer; repeatable"},
           {"desired_perspectives", "perspective", "Desired perspective; repeatable"},
           {"team_size", "team-size", "Number of team members wanted"},
           {"state", "state", "OPEN, STAFFED or CLOSED"},
       },
       {"name", "title", "state", "owner_organisation", "team_size", "required_skills"}},
  }};
}

}  // namespace

const KindInfo& InfoFor(Kind kind) {
  static const std::array<KindInfo, 4> kKinds = MakeKinds();
  return kKinds[static_cast<size_t>(kind)];
}

const std::array<Kind, 4>& AllKinds() {
  static constexpr std::array<Kind, 4> kAll = {Kind::kOrganisation, Kind::kExpert,
                                               Kind::kChallenge, Kind::kTeam};
  return kAll;
}

absl::StatusOr<Kind> KindFromCollection(absl::string_view collection) {
  for (Kind kind : AllKinds()) {
    if (InfoFor(kind).collection == collection) return kind;
  }
  return absl::NotFoundError(
      absl::StrCat("unknown kind '", collection,
                   "': use organisations, experts, teams or challenges"));
}

std::unique_ptr<google::protobuf::Message> NewResource(Kind kind) {
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          InfoFor(kind).descriptor);
  return std::unique_ptr<google::protobuf::Message>(prototype->New());
}

std::string QualifiedName(const KindInfo& info, absl::string_view id_or_name) {
  if (absl::StrContains(id_or_name, '/')) return std::string(id_or_name);
  return absl::StrCat(info.collection, "/", id_or_name);
}

absl::StatusOr<std::string> IdFromName(const KindInfo& info, absl::string_view name) {
  const std::string prefix = absl::StrCat(info.collection, "/");
  if (!absl::StartsWith(name, prefix) || name.size() == prefix.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", name, "' is not a name of the form ", prefix, "ID"));
  }
  return std::string(name.substr(prefix.size()));
}

const FieldSpec* FindFieldSpec(const KindInfo& info, absl::string_view field) {
  for (const FieldSpec& spec : info.fields) {
    if (spec.field == field) return &spec;
  }
  return nullptr;
}

void ClearOutputOnlyFields(const KindInfo& info, google::protobuf::Message& resource) {
  const google::protobuf::Reflection* reflection = resource.GetReflection();
  for (int i = 0; i < info.descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = info.descriptor->field(i);
    if (FindFieldSpec(info, field->name()) == nullptr) {
      reflection->ClearField(&resource, field);
    }
  }
}

}  // namespace samenspel::cli
