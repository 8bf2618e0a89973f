// match, suggest-team, similar-teams: a challenge (registered, or given
// inline by flags or a JSON file) sent to the matching service, and its
// answer shown with the explanation of every score.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/commands/field_flags.h"
#include "cli/core/match_output.h"
#include "common/status_macros.h"
#include "samenspel/matching/v1/matching_service.grpc.pb.h"

namespace samenspel::cli {
namespace {

namespace m = ::samenspel::matching::v1;
using Stub = m::MatchingService::Stub;

// The challenge to match and the read-your-writes revision, shared by the
// three commands.
struct ChallengeFlags {
  std::string name;
  std::string file;
  int64_t min_revision = 0;
  std::unique_ptr<FieldFlags> fields;

  void Add(CLI::App& command) {
    command
        .add_option("--challenge", name, "A registered challenge: challenges/ID or ID")
        ->group("Challenge");
    command
        .add_option("--challenge-file", file,
                    "A challenge given inline, as JSON (canonical mapping); the flags "
                    "below override its fields")
        ->group("Challenge");
    fields = std::make_unique<FieldFlags>(command,
                                          ResourceFlagSpecs(InfoFor(Kind::kChallenge)),
                                          "Inline challenge (instead of --challenge)");
    command
        .add_option("--min-revision", min_revision,
                    "Answer only once the index has applied this registry revision "
                    "(the revision of your last write), within --timeout")
        ->group("Challenge");
  }

  // Fills `ref`; a usage error when neither or both ways are used.
  absl::Status Fill(m::ChallengeRef& ref) const {
    const int inline_fields =
        fields->given_count() - (fields->given("team_size") ? 1 : 0);
    const bool has_inline = !file.empty() || inline_fields > 0;
    if (!name.empty()) {
      if (has_inline) {
        return UsageError(
            "give either --challenge NAME or an inline challenge (--challenge-file, "
            "--title, --skill, ...), not both");
      }
      ref.set_name(QualifiedName(InfoFor(Kind::kChallenge), name));
      return absl::OkStatus();
    }
    if (!has_inline) {
      return UsageError(
          "which challenge? give --challenge NAME, --challenge-file FILE, or describe it "
          "with --title, --description, --skill NAME:MIN_LEVEL, --theme, ...");
    }
    registry::v1::Challenge& challenge = *ref.mutable_inline_();
    if (!file.empty()) {
      SAMENSPEL_RETURN_IF_ERROR(ReadJsonFile(file, "--challenge-file", challenge));
      ClearOutputOnlyFields(InfoFor(Kind::kChallenge), challenge);
    }
    return fields->Apply(challenge, nullptr);
  }
};

std::unique_ptr<FieldFlags> AddMatchFilters(CLI::App& command) {
  const google::protobuf::Descriptor* d = m::MatchFilters::descriptor();
  return std::make_unique<FieldFlags>(
      command,
      std::vector<FlagSpec>{
          {d->FindFieldByName("layers"), "only-layer",
           "Only experts of this government layer; repeatable"},
          {d->FindFieldByName("region_codes"), "only-region",
           "Only experts with this region code, or in this province (a PV code takes its "
           "municipalities in); an expert without codes counts with their "
           "organisation's; "
           "repeatable"},
          {d->FindFieldByName("exclude_organisations"), "exclude-organisation",
           "Never experts of this organisation; repeatable"},
          {d->FindFieldByName("min_available_hours"), "min-hours",
           "Only experts with at least this many free hours a week"},
      },
      "Filters");
}

std::string Footer(absl::string_view command, absl::string_view extra) {
  return absl::StrCat(
      "\nExamples:\n", "  samenspel ", command, " --challenge huisvesting", extra, "\n",
      "  samenspel ", command,
      " --title \"Huisvesting statushouders\" --skill woningbouw:3 --theme wonen "
      "--region GM0363 --layer municipal --layer national --perspective execution",
      extra, "\n", "  samenspel ", command, " --challenge-file opgave.json -o json\n");
}

// The flags of the matching requests' own fields, for field violations (an
// inline challenge's fields are the challenge flags').
constexpr FlagOfField kMatchingFlags[] = {
    {"page_size", "top"},
    {"team_size", "team-size"},
    {"max_per_organisation", "max-per-organisation"},
    {"min_revision", "min-revision"},
    {"filters.layers", "only-layer"},
    {"filters.region_codes", "only-region"},
    {"filters.exclude_organisations", "exclude-organisation"},
    {"filters.min_available_hours", "min-hours"},
    {"challenge.name", "challenge"},
};

// Runs `body` with a matching stub and prints its answer.
template <typename Body>
void RunMatching(CommandContext& context, Body body) {
  context.Run(Service::kMatching, &InfoFor(Kind::kChallenge), kMatchingFlags,
              [&]() -> absl::Status {
                SAMENSPEL_ASSIGN_OR_RETURN(Connection * connection, context.connection());
                std::unique_ptr<Stub> stub =
                    m::MatchingService::NewStub(connection->Channel(Service::kMatching));
                return body(*connection, *stub);
              });
}

struct MatchState {
  ChallengeFlags challenge;
  std::unique_ptr<FieldFlags> filters;
  int top = 10;
  int max_per_organisation = 0;
};

void AddMatch(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "match", "Rank the experts most relevant to a challenge, each with the reasons");
  command->group("Matching");
  auto state = std::make_shared<MatchState>();
  state->challenge.Add(*command);
  command->add_option("--top", state->top, "How many experts (at most 200)")
      ->capture_default_str();
  state->filters = AddMatchFilters(*command);
  command->footer(Footer("match", " --top 5"));
  command->callback([&context, state] {
    RunMatching(context, [&](const Connection& connection, Stub& stub) -> absl::Status {
      m::MatchExpertsRequest request;
      SAMENSPEL_RETURN_IF_ERROR(state->challenge.Fill(*request.mutable_challenge()));
      SAMENSPEL_RETURN_IF_ERROR(
          state->filters->Apply(*request.mutable_filters(), nullptr));
      request.set_page_size(state->top);
      request.set_min_revision(state->challenge.min_revision);
      SAMENSPEL_ASSIGN_OR_RETURN(
          m::MatchExpertsResponse response,
          CallUnary(connection, stub, &Stub::MatchExperts, request));
      context.output().Document(ToJson(response), RenderExpertMatches(response));
      return absl::OkStatus();
    });
  });
}

void AddSuggestTeam(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand("suggest-team",
                                         "Propose a whole team for a challenge: coverage "
                                         "of skills, layers and perspectives, "
                                         "why each member, and alternates");
  command->group("Matching");
  auto state = std::make_shared<MatchState>();
  state->challenge.Add(*command);
  command->add_option("--max-per-organisation", state->max_per_organisation,
                      "At most this many members from one organisation (default 1)");
  state->filters = AddMatchFilters(*command);
  command->footer(Footer("suggest-team", " --team-size 4"));
  command->callback([&context, state] {
    RunMatching(context, [&](const Connection& connection, Stub& stub) -> absl::Status {
      m::SuggestTeamRequest request;
      SAMENSPEL_RETURN_IF_ERROR(state->challenge.Fill(*request.mutable_challenge()));
      SAMENSPEL_RETURN_IF_ERROR(
          state->filters->Apply(*request.mutable_filters(), nullptr));
      // --team-size sizes the team also for a registered challenge.
      registry::v1::Challenge sized;
      SAMENSPEL_RETURN_IF_ERROR(state->challenge.fields->Apply(sized, nullptr));
      request.set_team_size(sized.team_size());
      request.set_max_per_organisation(state->max_per_organisation);
      request.set_min_revision(state->challenge.min_revision);
      SAMENSPEL_ASSIGN_OR_RETURN(
          m::SuggestTeamResponse response,
          CallUnary(connection, stub, &Stub::SuggestTeam, request));
      context.output().Document(ToJson(response), RenderTeamSuggestion(response));
      return absl::OkStatus();
    });
  });
}

void AddSimilarTeams(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "similar-teams",
      "Existing task teams most similar to a challenge, with their lessons learned");
  command->group("Matching");
  auto state = std::make_shared<MatchState>();
  state->top = 5;
  state->challenge.Add(*command);
  command->add_option("--top", state->top, "How many teams (at most 100)")
      ->capture_default_str();
  command->footer(Footer("similar-teams", ""));
  command->callback([&context, state] {
    RunMatching(context, [&](const Connection& connection, Stub& stub) -> absl::Status {
      m::MatchTeamsRequest request;
      SAMENSPEL_RETURN_IF_ERROR(state->challenge.Fill(*request.mutable_challenge()));
      request.set_page_size(state->top);
      request.set_min_revision(state->challenge.min_revision);
      SAMENSPEL_ASSIGN_OR_RETURN(m::MatchTeamsResponse response,
                                 CallUnary(connection, stub, &Stub::MatchTeams, request));
      context.output().Document(ToJson(response), RenderTeamMatches(response));
      return absl::OkStatus();
    });
  });
}

}  // namespace

void AddMatchCommands(CLI::App& app, CommandContext& context) {
  AddMatch(app, context);
  AddSuggestTeam(app, context);
  AddSimilarTeams(app, context);
}

}  // namespace samenspel::cli
