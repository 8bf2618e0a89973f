// organisations|experts|teams|challenges × create|get|list|update|delete, and
// teams add-member|remove-member: one implementation for every kind, driven
// by the kind table (resource_kind.h).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/commands/commands.h"
#include "cli/commands/field_flags.h"
#include "cli/commands/registry_client.h"
#include "cli/core/error_text.h"
#include "common/status_macros.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
using google::protobuf::FieldMask;
using google::protobuf::Message;

struct Examples {
  const char* id;
  const char* create;
  const char* update;
  const char* list;
};

const Examples& ExamplesFor(Kind kind) {
  static const Examples kExamples[] = {
      {"bzk",
       "--id bzk --display-name \"Ministerie van BZK\" --layer national --region NL",
       "--display-name \"Ministerie van Binnenlandse Zaken\"", "--layer municipal"},
      {"jan",
       "--id jan --display-name \"Jan de Vries\" --organisation bzk --skill woningbouw:4 "
       "--skill ruimtelijke-ordening:3 --theme wonen --region GM0363 --perspective "
       "execution "
       "--hours 8 --consent",
       "--job-title \"Senior adviseur\" --skill woningbouw:5",
       "--theme wonen --layer national"},
      {"woningbouw-utrecht",
       "--id woningbouw-utrecht --display-name \"Woningbouw regio Utrecht\" "
       "--owner-organisation gm0344 --state forming --theme wonen --member "
       "jan:voorzitter:8",
       "--state active", "--state active --member jan"},
      {"huisvesting",
       "--id huisvesting --title \"Huisvesting statushouders\" --owner-organisation "
       "gm0363 "
       "--skill woningbouw:3 --skill \"sociaal domein:2:0.5\" --layer municipal --layer "
       "national --perspective execution --team-size 5",
       "--state staffed", "--state open --theme wonen"},
  };
  return kExamples[static_cast<int>(kind)];
}

// Runs `body` for a registry command on `kind`, with a client.
template <typename Body>
void RunRegistry(CommandContext& context, Kind kind, Body body,
                 absl::Span<const FlagOfField> flags = {}) {
  context.Run(Service::kRegistry, &InfoFor(kind), flags, [&]() -> absl::Status {
    SAMENSPEL_ASSIGN_OR_RETURN(Connection * connection, context.connection());
    RegistryClient client(connection);
    return body(client);
  });
}

// A resource from --from-file: output-only fields cleared; its name and etag
// returned through `name` and `etag` (when not null).
absl::StatusOr<std::unique_ptr<Message>> ResourceFromFile(Kind kind,
                                                          const std::string& path,
                                                          std::string* name,
                                                          std::string* etag) {
  const KindInfo& info = InfoFor(kind);
  std::unique_ptr<Message> resource = NewResource(kind);
  if (path.empty()) return resource;
  SAMENSPEL_RETURN_IF_ERROR(ReadJsonFile(path, "--from-file", *resource));
  *name = NameOf(*resource);
  if (etag != nullptr) {
    *etag = resource->GetReflection()->GetString(
        *resource, info.descriptor->FindFieldByName("etag"));
  }
  ClearOutputOnlyFields(info, *resource);
  return resource;
}

// A request id for a create the user gave none for: random, 128 bits.
std::string NewRequestId() {
  absl::BitGen gen;
  return absl::StrFormat("cli-%016x%016x", absl::Uniform<uint64_t>(gen),
                         absl::Uniform<uint64_t>(gen));
}

struct CreateState {
  std::string id;
  std::string request_id;
  std::string from_file;
  std::unique_ptr<FieldFlags> fields;
};

absl::Status Create(CommandContext& context, RegistryClient& client, Kind kind,
                    const CreateState& state) {
  const KindInfo& info = InfoFor(kind);
  std::string name;
  SAMENSPEL_ASSIGN_OR_RETURN(std::unique_ptr<Message> resource,
                             ResourceFromFile(kind, state.from_file, &name, nullptr));
  SAMENSPEL_RETURN_IF_ERROR(state.fields->Apply(*resource, nullptr));
  std::string id = state.id;
  if (id.empty() && !name.empty()) {
    absl::StatusOr<std::string> from_name = IdFromName(info, name);
    if (!from_name.ok()) return UsageError(from_name.status().message());
    id = *from_name;
  }
  // A call that got no answer (no reply in time, the connection lost) may
  // still have created it: tried again with the same request id, which the
  // registry answers with the first call's result. Without --request-id one
  // is made up for this command; retried twice, after 0.5 s and 1 s, and if
  // it still fails, the id is said, to run the command again with.
  const std::string request_id =
      state.request_id.empty() ? NewRequestId() : state.request_id;
  // Refusals the registry makes before it writes anything are not "may have
  // been created" (an operator review: said of a database in a layout the
  // registry does not know); that one is not retried either.
  absl::StatusOr<std::unique_ptr<Message>> created;
  bool maybe_created = false;
  for (int attempt = 0;; ++attempt) {
    created = client.Create(kind, *resource, id, request_id);
    const bool unanswered = absl::IsUnavailable(created.status()) ||
                            absl::IsDeadlineExceeded(created.status());
    if (!unanswered) break;
    const std::string reason = ReasonOf(created.status());
    if (reason == "DATABASE_LAYOUT_UNKNOWN") break;
    if (reason != "REDIS_NOT_ANSWERING") maybe_created = true;
    if (attempt == 2) {
      if (!maybe_created) break;
      std::cerr << "samenspel: the " << info.singular
                << " may have been created all the same: run the command again with "
                   "--request-id "
                << request_id << " to create it at most once (remembered 24 h)\n";
      break;
    }
    absl::SleepFor(absl::Milliseconds(500) * (1 << attempt));
  }
  SAMENSPEL_RETURN_IF_ERROR(created.status());
  context.output().Resource(kind, **created);
  return absl::OkStatus();
}

void AddCreate(CLI::App& group, CommandContext& context, Kind kind) {
  const KindInfo& info = InfoFor(kind);
  const Examples& examples = ExamplesFor(kind);
  CLI::App* command =
      group.add_subcommand("create", absl::StrCat("Create one ", info.singular));
  auto state = std::make_shared<CreateState>();
  command->add_option("--id", state->id,
                      "The id: the last part of the name, [a-z0-9][a-z0-9-]{0,62}. The "
                      "registry makes one up when absent");
  command->add_option(
      "--request-id", state->request_id,
      "Idempotency key: a retried create with the same key creates nothing "
      "new (remembered 24 h). Without it the command makes one up, tries again "
      "with it when a call gets no answer, and says it when it gives up");
  command->add_option("--from-file", state->from_file,
                      absl::StrCat("JSON file with the whole ", info.singular,
                                   " (canonical mapping); flags override its fields"));
  state->fields =
      std::make_unique<FieldFlags>(*command, ResourceFlagSpecs(info), "Fields");
  command->footer(ExamplesFooter({
      absl::StrCat("samenspel ", info.collection, " create ", examples.create),
      absl::StrCat("samenspel ", info.collection, " create --from-file ", examples.id,
                   ".json"),
  }));
  command->callback([&context, state, kind] {
    RunRegistry(context, kind, [&](RegistryClient& client) {
      return Create(context, client, kind, *state);
    });
  });
}

struct NameState {
  std::string name;
  std::string etag;
};

void AddGet(CLI::App& group, CommandContext& context, Kind kind) {
  const KindInfo& info = InfoFor(kind);
  CLI::App* command =
      group.add_subcommand("get", absl::StrCat("Show one ", info.singular));
  auto state = std::make_shared<NameState>();
  command
      ->add_option("name", state->name, absl::StrCat(info.collection, "/ID or just ID"))
      ->required();
  command->footer(ExamplesFooter({
      absl::StrCat("samenspel ", info.collection, " get ", ExamplesFor(kind).id),
      absl::StrCat("samenspel ", info.collection, " get ", info.collection, "/",
                   ExamplesFor(kind).id, " -o json"),
  }));
  command->callback([&context, state, kind] {
    RunRegistry(context, kind, [&](RegistryClient& client) -> absl::Status {
      SAMENSPEL_ASSIGN_OR_RETURN(
          std::unique_ptr<Message> resource,
          client.Get(kind, QualifiedName(InfoFor(kind), state->name)));
      context.output().Resource(kind, *resource);
      return absl::OkStatus();
    });
  });
}

struct ListState {
  int page_size = 0;
  std::string page_token;
  bool all = false;
  std::unique_ptr<FieldFlags> filters;
};

absl::Status List(CommandContext& context, RegistryClient& client, Kind kind,
                  const ListState& state) {
  std::unique_ptr<Message> request = client.NewListRequest(kind);
  SAMENSPEL_RETURN_IF_ERROR(state.filters->Apply(*request, nullptr));
  const google::protobuf::Reflection* reflection = request->GetReflection();
  const google::protobuf::Descriptor* descriptor = request->GetDescriptor();
  // Where to start, for one page and for --all (which goes on from there).
  reflection->SetString(request.get(), descriptor->FindFieldByName("page_token"),
                        state.page_token);
  std::vector<std::unique_ptr<Message>> resources;
  std::string next_page_token;
  int64_t revision = -1;  // what --all listed is consistent with
  if (state.all) {
    SAMENSPEL_ASSIGN_OR_RETURN(
        revision,
        client.ListAll(kind, *request, state.page_size > 0 ? state.page_size : 1000,
                       [&](std::unique_ptr<Message> resource) {
                         resources.push_back(std::move(resource));
                         return absl::OkStatus();
                       }));
  } else {
    reflection->SetInt32(request.get(), descriptor->FindFieldByName("page_size"),
                         state.page_size);
    SAMENSPEL_ASSIGN_OR_RETURN(RegistryClient::Page page, client.List(kind, *request));
    resources = std::move(page.resources);
    next_page_token = page.next_page_token;
  }
  std::vector<const Message*> view;
  for (const auto& resource : resources) view.push_back(resource.get());
  context.output().Resources(kind, view);
  if (!next_page_token.empty()) {
    std::cerr << "samenspel: more " << InfoFor(kind).collection
              << " follow: add --page-token " << next_page_token << " (or --all)\n";
  }
  if (revision >= 0) SayAsOfRevision(revision);
  return absl::OkStatus();
}

void AddList(CLI::App& group, CommandContext& context, Kind kind) {
  const KindInfo& info = InfoFor(kind);
  CLI::App* command = group.add_subcommand(
      "list",
      absl::StrCat("List ", info.collection,
                   ", one page (--all: every page). With -o json: one JSON array"));
  auto state = std::make_shared<ListState>();
  command->add_option("--page-size", state->page_size,
                      "Results per page (registry default 50, at most 1000)");
  command->add_option("--page-token", state->page_token, "Continue from a previous page");
  command->add_flag("--all", state->all, "Fetch every page");
  std::unique_ptr<Message> request = RegistryClient::NewListRequest(kind);
  state->filters = std::make_unique<FieldFlags>(
      *command, FilterFlagSpecs(*request->GetDescriptor(), info.collection), "Filters");
  command->footer(ExamplesFooter({
      absl::StrCat("samenspel ", info.collection, " list ", ExamplesFor(kind).list),
      absl::StrCat("samenspel ", info.collection, " list --all -o json > ",
                   info.collection, ".json"),
  }));
  command->callback([&context, state, kind] {
    RunRegistry(context, kind, [&](RegistryClient& client) {
      return List(context, client, kind, *state);
    });
  });
}

struct UpdateState {
  std::string name;
  std::string etag;
  // Whether --etag was given: an empty one means "send none".
  CLI::Option* etag_flag = nullptr;
  std::string from_file;
  std::string update_mask;
  std::vector<std::string> clear;
  std::unique_ptr<FieldFlags> fields;
};

absl::Status Update(CommandContext& context, RegistryClient& client, Kind kind,
                    const UpdateState& state) {
  const KindInfo& info = InfoFor(kind);
  std::string file_name;
  std::string file_etag;
  SAMENSPEL_ASSIGN_OR_RETURN(
      std::unique_ptr<Message> resource,
      ResourceFromFile(kind, state.from_file, &file_name, &file_etag));
  FieldMask mask;
  for (absl::string_view path :
       absl::StrSplit(state.update_mask, ',', absl::SkipEmpty())) {
    // Accept the JSON spelling too: displayName -> display_name.
    std::string snake;
    for (char c : absl::StripAsciiWhitespace(path)) {
      if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
        absl::StrAppend(&snake, "_", std::string(1, absl::ascii_tolower(c)));
      } else {
        snake.push_back(c);
      }
    }
    mask.add_paths(snake);
  }
  // A whole record from a file without --update-mask replaces every writable
  // field (mask "*", below); otherwise only the fields named.
  const bool whole_record = !state.from_file.empty() && mask.paths().empty();
  SAMENSPEL_RETURN_IF_ERROR(
      state.fields->Apply(*resource, whole_record ? nullptr : &mask));
  for (const std::string& field : state.clear) {
    const FieldSpec* spec = FindFieldSpec(info, field);
    for (const FieldSpec& f : info.fields) {
      if (f.flag == field) spec = &f;
    }
    if (spec == nullptr) {
      return UsageError(absl::StrCat("--clear: ", info.collection, " have no field '",
                                     field, "' (see --help for the fields)"));
    }
    if (whole_record) {
      // The whole record replaces the stored one: without this field. (A
      // mask path here would turn the update into "only this field" and
      // drop the file's.)
      resource->GetReflection()->ClearField(
          resource.get(), info.descriptor->FindFieldByName(std::string(spec->field)));
    } else {
      mask.add_paths(std::string(spec->field));
    }
  }
  // "*": every writable field from the resource sent (an empty mask would
  // take only the fields it sets, and keep the stored values of the rest).
  if (whole_record) mask.add_paths("*");
  if (state.from_file.empty() && mask.paths().empty()) {
    return UsageError(
        "nothing to update: give the fields to change (see --help), --clear "
        "FIELD, or --from-file FILE");
  }
  const std::string name =
      !state.name.empty() ? QualifiedName(info, state.name) : file_name;
  if (name.empty()) {
    return UsageError(absl::StrCat("which ", info.singular, "? give its name (",
                                   info.collection, "/ID or ID)"));
  }
  const google::protobuf::Reflection* reflection = resource->GetReflection();
  reflection->SetString(resource.get(), info.descriptor->FindFieldByName("name"), name);
  reflection->SetString(resource.get(), info.descriptor->FindFieldByName("etag"),
                        state.etag_flag->count() > 0 ? state.etag : file_etag);
  SAMENSPEL_ASSIGN_OR_RETURN(std::unique_ptr<Message> updated,
                             client.Update(kind, *resource, mask));
  context.output().Resource(kind, *updated);
  return absl::OkStatus();
}

void AddUpdate(CLI::App& group, CommandContext& context, Kind kind) {
  const KindInfo& info = InfoFor(kind);
  const Examples& examples = ExamplesFor(kind);
  CLI::App* command = group.add_subcommand(
      "update", absl::StrCat("Change fields of one ", info.singular,
                             " (only the fields given; repeated fields are replaced)"));
  auto state = std::make_shared<UpdateState>();
  command->add_option(
      "name", state->name,
      absl::StrCat(info.collection, "/ID or ID (default: the name in --from-file)"));
  state->etag_flag = command->add_option(
      "--etag", state->etag,
      "Only update if it still has this etag (else exit 4); default: the etag in "
      "--from-file, if any; --etag \"\" sends none (update whatever it holds now)");
  command->add_option("--from-file", state->from_file,
                      absl::StrCat("JSON file with the ", info.singular,
                                   " (canonical mapping): replaces every writable field "
                                   "unless --update-mask names some"));
  command->add_option("--update-mask", state->update_mask,
                      "With --from-file: the fields to take from it, comma-separated "
                      "(display_name,skills)");
  command
      ->add_option("--clear", state->clear,
                   "Empty this field (by field or flag name); repeatable")
      ->allow_extra_args(false)
      ->take_all();
  state->fields =
      std::make_unique<FieldFlags>(*command, ResourceFlagSpecs(info), "Fields");
  command->footer(ExamplesFooter({
      absl::StrCat("samenspel ", info.collection, " update ", examples.id, " ",
                   examples.update),
      absl::StrCat("samenspel ", info.collection, " update ", examples.id,
                   " --clear region_codes --etag ETAG"),
      absl::StrCat("samenspel ", info.collection, " get ", examples.id, " -o json > ",
                   examples.id, ".json   # edit it, then:"),
      absl::StrCat("samenspel ", info.collection, " update --from-file ", examples.id,
                   ".json"),
  }));
  command->callback([&context, state, kind] {
    RunRegistry(context, kind, [&](RegistryClient& client) {
      return Update(context, client, kind, *state);
    });
  });
}

void AddDelete(CLI::App& group, CommandContext& context, Kind kind) {
  const KindInfo& info = InfoFor(kind);
  CLI::App* command =
      group.add_subcommand("delete", absl::StrCat("Delete one ", info.singular));
  auto state = std::make_shared<NameState>();
  command->add_option("name", state->name, absl::StrCat(info.collection, "/ID or ID"))
      ->required();
  command->add_option("--etag", state->etag,
                      "Only delete if it still has this etag (else exit 4)");
  command->footer(ExamplesFooter({
      absl::StrCat("samenspel ", info.collection, " delete ", ExamplesFor(kind).id),
  }));
  command->callback([&context, state, kind] {
    RunRegistry(context, kind, [&](RegistryClient& client) -> absl::Status {
      const std::string name = QualifiedName(InfoFor(kind), state->name);
      SAMENSPEL_RETURN_IF_ERROR(client.Delete(kind, name, state->etag));
      context.output().Document({{"name", name}, {"deleted", true}},
                                absl::StrCat("deleted ", name, "\n"));
      return absl::OkStatus();
    });
  });
}

struct MemberState {
  std::string team;
  std::string expert;
  std::string role;
  int hours = 0;
  std::string etag;
};

// The flags of AddTeamMember's and RemoveTeamMember's request fields, for
// the registry's field violations ("member.hours_per_week ... (--hours)").
constexpr FlagOfField kAddMemberFlags[] = {
    {"member.expert", "expert"},
    {"member.role", "role"},
    {"member.hours_per_week", "hours"},
    {"etag", "etag"},
};
constexpr FlagOfField kRemoveMemberFlags[] = {
    {"expert", "expert"},
    {"etag", "etag"},
};

void AddMemberCommands(CLI::App& group, CommandContext& context) {
  CLI::App* add = group.add_subcommand("add-member", "Add an expert to a task team");
  auto state = std::make_shared<MemberState>();
  add->add_option("team", state->team, "teams/ID or ID")->required();
  add->add_option("--expert", state->expert, "experts/ID or ID")->required();
  add->add_option("--role", state->role, "The member's role (voorzitter, adviseur, ...)");
  add->add_option("--hours", state->hours, "Hours per week for this team");
  add->add_option("--etag", state->etag, "Only if the team still has this etag");
  add->footer(
      ExamplesFooter({"samenspel teams add-member woningbouw-utrecht --expert jan --role "
                      "voorzitter --hours 8"}));
  add->callback([&context, state] {
    RunRegistry(
        context, Kind::kTeam,
        [&](RegistryClient& client) -> absl::Status {
          v1::AddTeamMemberRequest request;
          request.set_team(QualifiedName(InfoFor(Kind::kTeam), state->team));
          request.mutable_member()->set_expert(
              QualifiedName(InfoFor(Kind::kExpert), state->expert));
          request.mutable_member()->set_role(state->role);
          request.mutable_member()->set_hours_per_week(state->hours);
          request.set_etag(state->etag);
          SAMENSPEL_ASSIGN_OR_RETURN(v1::TaskTeam team, client.AddTeamMember(request));
          context.output().Resource(Kind::kTeam, team);
          return absl::OkStatus();
        },
        kAddMemberFlags);
  });

  CLI::App* remove =
      group.add_subcommand("remove-member", "Remove an expert from a task team");
  auto remove_state = std::make_shared<MemberState>();
  remove->add_option("team", remove_state->team, "teams/ID or ID")->required();
  remove->add_option("--expert", remove_state->expert, "experts/ID or ID")->required();
  remove->add_option("--etag", remove_state->etag,
                     "Only if the team still has this etag");
  remove->footer(
      ExamplesFooter({"samenspel teams remove-member woningbouw-utrecht --expert jan"}));
  remove->callback([&context, remove_state] {
    RunRegistry(
        context, Kind::kTeam,
        [&](RegistryClient& client) -> absl::Status {
          v1::RemoveTeamMemberRequest request;
          request.set_team(QualifiedName(InfoFor(Kind::kTeam), remove_state->team));
          request.set_expert(QualifiedName(InfoFor(Kind::kExpert), remove_state->expert));
          request.set_etag(remove_state->etag);
          SAMENSPEL_ASSIGN_OR_RETURN(v1::TaskTeam team, client.RemoveTeamMember(request));
          context.output().Resource(Kind::kTeam, team);
          return absl::OkStatus();
        },
        kRemoveMemberFlags);
  });
}

}  // namespace

void AddResourceCommands(CLI::App& app, CommandContext& context) {
  for (Kind kind : {Kind::kOrganisation, Kind::kExpert, Kind::kTeam, Kind::kChallenge}) {
    const KindInfo& info = InfoFor(kind);
    CLI::App* group = app.add_subcommand(
        std::string(info.collection),
        absl::StrCat("Create, show, list, change and delete ", info.collection));
    group->group("Registry");
    group->require_subcommand(1);
    AddCreate(*group, context, kind);
    AddGet(*group, context, kind);
    AddList(*group, context, kind);
    AddUpdate(*group, context, kind);
    AddDelete(*group, context, kind);
    if (kind == Kind::kTeam) AddMemberCommands(*group, context);
  }
}

}  // namespace samenspel::cli
