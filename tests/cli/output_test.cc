// Output formats, error messages and exit codes.
#include "cli/core/output.h"

#include <sstream>

#include "cli/core/error_text.h"
#include "cli/core/exit_code.h"
#include "cli/core/match_output.h"
#include "cli/core/progress.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
using ::testing::HasSubstr;
using ::testing::Not;

v1::Expert Jan() {
  v1::Expert e;
  e.set_name("experts/jan");
  e.set_display_name("Jan de Vriës");
  e.set_organisation("organisations/bzk");
  auto* s = e.add_skills();
  s->set_name("woningbouw");
  s->set_level(4);
  e.add_perspectives(type::v1::PERSPECTIVE_EXECUTION);
  e.set_available_hours_per_week(8);
  return e;
}

// A matched term of a bio the caller may not read comes without its word:
// the table says so instead of printing an empty word.
TEST(OutputTest, MatchedBioWordsNotSharedAreSaidToBeHidden) {
  samenspel::matching::v1::MatchExpertsResponse response;
  auto* m = response.add_matches();
  m->set_expert("experts/jan");
  auto* shown = m->mutable_explanation()->add_matched_terms();
  shown->set_term("woningbouw");
  shown->set_query_word("woningbouw");
  shown->set_field("skills");
  shown->set_contribution(0.2);
  auto* hidden = m->mutable_explanation()->add_matched_terms();
  hidden->set_field("bio");
  hidden->set_contribution(0.096);
  auto* stemmed = m->mutable_explanation()->add_matched_terms();
  stemmed->set_term("gemeent");
  stemmed->set_query_word("Gemeenten");
  stemmed->set_field("bio");
  auto* synonym = m->mutable_explanation()->add_matched_terms();
  synonym->set_term("transportcapaciteit");
  synonym->set_query_word("netcongestie");
  synonym->set_field("skills");
  const std::string text = RenderExpertMatches(response);
  EXPECT_THAT(text, testing::HasSubstr("woningbouw in skills +0.200"));
  // The challenge's word, not its stem; a synonym beside the word.
  EXPECT_THAT(text, testing::HasSubstr("Gemeenten in bio"));
  EXPECT_THAT(text,
              testing::HasSubstr("netcongestie (as \"transportcapaciteit\") in skills"));
  EXPECT_THAT(text,
              testing::HasSubstr(
                  "words not shown (the expert's bio is not shared with you) in bio "
                  "+0.096"));
}

// Text the registry stores as it was given (names, skills, notes, lessons)
// cannot break a match's lines or send the terminal escape sequences.
TEST(OutputTest, MatchesShowControlCharactersAsSpaces) {
  samenspel::matching::v1::MatchExpertsResponse experts;
  auto* m = experts.add_matches();
  m->set_expert("experts/jan");
  m->set_display_name("Jan\n#2  Fake Expert\x1b[2J");
  m->set_organisation("organisations/bzk\r");
  auto* skill = m->mutable_explanation()->add_matched_skills();
  skill->set_name("water\nveiligheid");
  skill->set_expert_skill("dijken\x1b]0;title\x07");
  m->mutable_explanation()->set_summary("top\r\n");
  samenspel::matching::v1::SuggestTeamResponse team;
  *team.add_slots()->mutable_member() = *m;
  team.mutable_slots(0)->set_reason("reason\nline");
  team.add_notes("note\x1b[31m");
  team.mutable_coverage()->add_skills_missing("skill\n");
  samenspel::matching::v1::MatchTeamsResponse teams;
  auto* t = teams.add_matches();
  t->set_team("teams/x");
  t->set_display_name("Team\nX");
  t->set_lessons_learned("first\nsecond \xc2\x9b");
  for (const std::string& text : {RenderExpertMatches(experts),
                                  RenderTeamSuggestion(team), RenderTeamMatches(teams)}) {
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
    EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << text;
  }
  EXPECT_THAT(RenderExpertMatches(experts),
              testing::HasSubstr("#1  Jan #2  Fake Expert [2J (experts/jan)"));
  EXPECT_THAT(RenderExpertMatches(experts),
              testing::HasSubstr("water veiligheid <- dijken"));
  EXPECT_THAT(RenderTeamSuggestion(team), testing::HasSubstr("why: reason line\n"));
  EXPECT_THAT(RenderTeamMatches(teams),
              testing::HasSubstr("lessons learned: first second"));
}

TEST(OutputTest, JsonIsTheCanonicalMappingWithDefaults) {
  const nlohmann::ordered_json json = ToJson(Jan());
  EXPECT_EQ(json["displayName"], "Jan de Vriës");
  EXPECT_EQ(json["perspectives"][0], "PERSPECTIVE_EXECUTION");
  EXPECT_EQ(json["consentToMatching"], false);  // Defaults are printed.
  EXPECT_EQ(json.begin().key(), "name");        // Proto field order.
}

TEST(OutputTest, AMessageJsonCannotShowIsShownAsText) {
  v1::Expert e = Jan();
  e.mutable_create_time()->set_nanos(2000000000);  // out of range
  const nlohmann::ordered_json json = ToJson(e);
  EXPECT_THAT(json["unprintable"].get<std::string>(), HasSubstr("Jan de Vri"));
}

TEST(OutputTest, ListsAreOneJsonArray) {
  std::ostringstream out;
  Output output(OutputFormat::kJson, out);
  const v1::Expert a = Jan();
  output.Resources(Kind::kExpert, {&a, &a});
  const auto parsed = nlohmann::json::parse(out.str());
  ASSERT_TRUE(parsed.is_array());
  EXPECT_EQ(parsed.size(), 2u);
}

TEST(OutputTest, YamlQuotesWhatWouldBeMisread) {
  nlohmann::ordered_json doc = {
      {"name", "experts/jan"},
      {"etag", "\"3\""},
      {"revision", "42"},
      {"flag", "yes"},
      {"empty", ""},
      {"list", {"a", "b"}},
      {"items",
       nlohmann::ordered_json::array({nlohmann::ordered_json{{"k", 1}, {"l", true}}})},
      {"none", nlohmann::ordered_json::array()}};
  EXPECT_EQ(RenderYaml(doc),
            "name: experts/jan\n"
            "etag: \"\\\"3\\\"\"\n"
            "revision: \"42\"\n"
            "flag: \"yes\"\n"
            "empty: \"\"\n"
            "list:\n"
            "  - a\n"
            "  - b\n"
            "items:\n"
            "  - k: 1\n"
            "    l: true\n"
            "none: []\n");
}

TEST(OutputTest, TablesAlignByCharactersNotBytes) {
  const std::string table = RenderTable({"A", "B"}, {{"é", "x"}, {"ab", "y"}});
  EXPECT_EQ(table, "A   B\né   x\nab  y\n");
  const std::string cut = RenderTable({"A"}, {{"abcdefghij"}}, 5);
  EXPECT_EQ(cut, "A\nabcd…\n");
}

// Columns on a terminal, not code points: a combining mark and a zero-width
// character take none, a CJK character two.
TEST(OutputTest, TablesAlignByTerminalColumns) {
  const std::string decomposed = "Rene\u0301e";     // 5 columns, 6 code points
  const std::string zero_width = "a\u200Bb\uFEFF";  // 2 columns
  const std::string cjk = "\u738B\u5C0F\u660E";     // 6 columns, 3 code points
  EXPECT_EQ(
      RenderTable({"NAME", "X"}, {{decomposed, "1"}, {zero_width, "2"}, {cjk, "3"}}),
      "NAME    X\n" + decomposed + "   1\n" + zero_width + "      2\n" + cjk + "  3\n");
}

// Cut at a column boundary: a wide character that does not fit is left out
// whole, and a combining mark stays with its letter.
TEST(OutputTest, TablesCutBetweenCharactersNotInsideThem) {
  EXPECT_EQ(RenderTable({"A"}, {{"\u738B\u5C0F\u660E\u738B"}}, 6), "A\n\u738B\u5C0F…\n");
  EXPECT_EQ(RenderTable({"A"}, {{"Rene\u0301e Janssen"}}, 5), "A\nRene\u0301…\n");
}

// A CR in a bio would overwrite the line on a terminal, and a newline would
// look like another field: shown as spaces, as in list cells; JSON keeps them.
TEST(OutputTest, DescribeShowsControlCharactersAsSpaces) {
  v1::Expert e = Jan();
  e.set_bio("Ervaren adviseur\rconsent_to_matching: true\nx\x1b[2Jy\u0085z");
  const std::string text = DescribeResource(Kind::kExpert, e);
  EXPECT_THAT(text, HasSubstr("bio:                       Ervaren adviseur "
                              "consent_to_matching: true x [2Jy z\n"));
  EXPECT_THAT(text, Not(HasSubstr("\r")));
  EXPECT_EQ(ToJson(e)["bio"], e.bio());
  const std::string cells = RenderTable({"A", "B"}, {{"x\ry", "z"}});
  EXPECT_EQ(cells, "A    B\nx y  z\n");
}

// A file name or a cut message that is not UTF-8 still gives a document
// (nlohmann's dump() threw type_error.316: the CLI aborted).
TEST(OutputTest, JsonOfTextThatIsNotUtf8ReplacesTheBadBytes) {
  const nlohmann::ordered_json doc = {{"source", "experts-\xff.jsonl"},
                                      {"reason", "found 'abc\xc3'"}};
  std::ostringstream out;
  Output(OutputFormat::kJson, out).Document(doc, "");
  const auto parsed = nlohmann::json::parse(out.str());
  EXPECT_EQ(parsed["source"], "experts-\uFFFD.jsonl");
  EXPECT_EQ(parsed["reason"], "found 'abc\uFFFD'");
  EXPECT_EQ(DumpJson(doc),
            "{\"source\":\"experts-\uFFFD.jsonl\",\"reason\":\"found "
            "'abc\uFFFD'\"}");
  std::ostringstream yaml;
  Output(OutputFormat::kYaml, yaml).Document(doc, "");
  EXPECT_THAT(yaml.str(), HasSubstr("experts-\uFFFD.jsonl"));
}

TEST(OutputTest, DescribeShowsSetFieldsAndWritableScalars) {
  const std::string text = DescribeResource(Kind::kExpert, Jan());
  EXPECT_THAT(text, HasSubstr("skills:                    woningbouw:4\n"));
  EXPECT_THAT(text, HasSubstr("consent_to_matching:       false\n"));
  EXPECT_THAT(text, HasSubstr("perspectives:              EXECUTION\n"));
  EXPECT_THAT(text, Not(HasSubstr("bio:")));
}

TEST(ExitCodeTest, FollowsTheDocumentedTable) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), ExitCode::kOk);
  EXPECT_EQ(ExitCodeFor(UsageError("bad flag")), ExitCode::kUsage);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("")), ExitCode::kNotFound);
  EXPECT_EQ(ExitCodeFor(absl::AlreadyExistsError("")), ExitCode::kConflict);
  EXPECT_EQ(ExitCodeFor(absl::AbortedError("")), ExitCode::kConflict);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("")), ExitCode::kConflict);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("")), ExitCode::kInvalidArgument);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("")), ExitCode::kUnavailable);
  EXPECT_EQ(ExitCodeFor(absl::DeadlineExceededError("")), ExitCode::kUnavailable);
  // A service that stops breaks its calls off (the CLI cancels none itself):
  // scripts retry on 6, as for a service that is down.
  EXPECT_EQ(ExitCodeFor(absl::CancelledError("")), ExitCode::kUnavailable);
  EXPECT_EQ(ExitCodeFor(absl::UnauthenticatedError("")), ExitCode::kPermission);
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("")), ExitCode::kPermission);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("")), ExitCode::kError);
}

TEST(ErrorTextTest, ListsFieldViolationsWithTheirFlags) {
  FieldViolations v;
  v.Add("expert.skills[0].level", "must be between 1 and 5");
  v.Add("expert_id", "must match [a-z0-9][a-z0-9-]{0,62}");
  v.Add("expert.nonsense", "whatever");
  const std::string text = ErrorText(
      v.ToStatus(), ErrorContext{"registry", "127.0.0.1:50051", &InfoFor(Kind::kExpert)});
  EXPECT_THAT(text, HasSubstr("INVALID_ARGUMENT: the registry rejected the request:\n"));
  EXPECT_THAT(text,
              HasSubstr("  expert.skills[0].level: must be between 1 and 5 (--skill)\n"));
  EXPECT_THAT(text,
              HasSubstr("  expert_id: must match [a-z0-9][a-z0-9-]{0,62} (--id)\n"));
  EXPECT_THAT(text, HasSubstr("  expert.nonsense: whatever\n"));
  EXPECT_THAT(text, HasSubstr("hint: "));
}

TEST(ErrorTextTest, UnavailableSaysWhereAndWhatToCheck) {
  const std::string text = ErrorText(absl::UnavailableError("connection refused"),
                                     ErrorContext{"matching", "10.0.0.1:50052", nullptr});
  EXPECT_THAT(text, HasSubstr("UNAVAILABLE: connection refused"));
  EXPECT_THAT(text, HasSubstr("samenspel-matching runs at 10.0.0.1:50052"));
  EXPECT_THAT(text, HasSubstr("SAMENSPEL_MATCHING"));
}

// UNAVAILABLE from the service itself (its Redis timed out) is no reason to
// check that it runs or needs --ca-file: it answered.
TEST(ErrorTextTest, UnavailableFromTheServiceItselfSaysItAnswered) {
  const ErrorContext context{"registry", "10.0.0.1:50051", nullptr};
  const std::string text = ErrorText(
      WithReason(absl::UnavailableError("redis: command timed out"), "UNAVAILABLE"),
      context);
  EXPECT_THAT(text, HasSubstr("UNAVAILABLE: redis: command timed out"));
  EXPECT_THAT(text, HasSubstr("the registry at 10.0.0.1:50051 answered"));
  EXPECT_THAT(text, Not(HasSubstr("runs at")));
  EXPECT_THAT(text, Not(HasSubstr("--ca-file")));
  // gRPC's own: no connection.
  const std::string refused =
      ErrorText(absl::UnavailableError("failed to connect to all addresses"), context);
  EXPECT_THAT(refused, HasSubstr("samenspel-registry runs at 10.0.0.1:50051"));
  EXPECT_THAT(refused, HasSubstr("--ca-file"));
}

// An expert already in the team: how to change their place, not "choose
// another id" (there is none to choose in add-member).
TEST(ErrorTextTest, AnAlreadyMemberHintSaysHowToChangeTheirPlace) {
  const ErrorContext teams{"registry", "127.0.0.1:50051", &InfoFor(Kind::kTeam)};
  const std::string member = ErrorText(
      WithReason(absl::AlreadyExistsError("experts/jan is already a member of teams/t"),
                 "ALREADY_MEMBER"),
      teams);
  EXPECT_THAT(member, HasSubstr("remove-member"));
  EXPECT_THAT(member, Not(HasSubstr("choose another id")));
  EXPECT_THAT(ErrorText(absl::AlreadyExistsError("teams/t exists"), teams),
              HasSubstr("choose another id"));
}

TEST(ErrorTextTest, CancelledByTheServiceSaysItMayHaveBeenStopping) {
  const std::string text = ErrorText(absl::CancelledError("CANCELLED"),
                                     ErrorContext{"registry", "10.0.0.1:50051", nullptr});
  EXPECT_THAT(text, HasSubstr("the registry at 10.0.0.1:50051 broke the call off"));
  EXPECT_THAT(text, HasSubstr("samenspel health"));
}

TEST(ErrorTextTest, CredentialHintsSayWhatIsMissingOrWrong) {
  ErrorContext none{"registry", "127.0.0.1:50051", nullptr};
  for (const absl::Status& status : {absl::UnauthenticatedError("no credentials"),
                                     absl::PermissionDeniedError("no")}) {
    EXPECT_THAT(ErrorText(status, none),
                HasSubstr("hint: the registry requires a token: --token-file or "
                          "SAMENSPEL_TOKEN"));
  }
  ErrorContext matching{"matching", "127.0.0.1:50052", nullptr};
  EXPECT_THAT(ErrorText(absl::UnauthenticatedError(""), matching),
              HasSubstr("the matching service requires a token"));

  ErrorContext sent{"registry", "127.0.0.1:50051", nullptr, /*credentials=*/true};
  const std::string rejected = ErrorText(absl::UnauthenticatedError("revoked"), sent);
  EXPECT_THAT(rejected, HasSubstr("not accepted"));
  EXPECT_THAT(rejected, Not(HasSubstr("requires a token")));
  EXPECT_THAT(ErrorText(absl::PermissionDeniedError("admin only"), sent),
              HasSubstr("samenspel whoami"));
}

TEST(ErrorTextTest, FieldViolationsOfOtherRequestsNameTheirFlags) {
  FieldViolations v;
  v.Add("access_token.expire_time", "must be at most one year ahead");
  v.Add("access_token.role", "required");
  v.Add("access_token_id", "unknown");
  const FlagOfField flags[] = {{"access_token.expire_time", "expires"},
                               {"access_token.role", "role"},
                               {"access_token", "nope"}};
  const std::string text = ErrorText(
      v.ToStatus(), ErrorContext{"registry", "a:1", nullptr, true, "tokens", flags});
  EXPECT_THAT(text,
              HasSubstr("expire_time: must be at most one year ahead (--expires)\n"));
  EXPECT_THAT(text, HasSubstr("access_token.role: required (--role)\n"));
  EXPECT_THAT(text, HasSubstr("access_token_id: unknown\n"));  // Not a sub-field.
}

// The matching service's request fields, and an inline challenge's, name
// the flags that set them.
TEST(ErrorTextTest, MatchingFieldViolationsNameTheirFlags) {
  FieldViolations v;
  v.Add("page_size", "must be between 0 and 200 (0 means 10)");
  v.Add("challenge.inline.title", "at most 200 characters");
  v.Add("filters.region_codes[0]", "not a region code");
  const FlagOfField flags[] = {{"page_size", "top"},
                               {"filters.region_codes", "only-region"}};
  const std::string text = ErrorText(
      v.ToStatus(),
      ErrorContext{"matching", "a:1", &InfoFor(Kind::kChallenge), false, "", flags});
  EXPECT_THAT(text, HasSubstr("the matching service rejected the request:\n"));
  EXPECT_THAT(text,
              HasSubstr("page_size: must be between 0 and 200 (0 means 10) (--top)"));
  EXPECT_THAT(text,
              HasSubstr("challenge.inline.title: at most 200 characters (--title)"));
  EXPECT_THAT(text,
              HasSubstr("filters.region_codes[0]: not a region code (--only-region)"));
}

// Hints by the answer's reason, and for what a newcomer meets first.
TEST(ErrorTextTest, HintsFollowTheReason) {
  ErrorContext matching{"matching", "a:1", nullptr};
  EXPECT_THAT(
      ErrorText(WithReason(absl::UnavailableError("not yet"), "REVISION_NOT_YET_APPLIED"),
                matching),
      HasSubstr("has not applied that registry revision yet"));
  ErrorContext registry{"registry", "a:1", nullptr};
  const std::string ahead =
      ErrorText(WithReason(absl::OutOfRangeError("ahead"), "REVISION_AHEAD"), registry);
  EXPECT_THAT(ahead, HasSubstr("has not reached that revision"));
  EXPECT_THAT(ahead, Not(HasSubstr("no longer holds")));
  // Plaintext to a TLS port closes the socket: say --ca-file.
  EXPECT_THAT(ErrorText(absl::UnavailableError("Socket closed"), registry),
              HasSubstr("needs --ca-file"));
  registry.tls = true;
  EXPECT_THAT(ErrorText(absl::UnavailableError("Socket closed"), registry),
              Not(HasSubstr("--ca-file")));
  ErrorContext certificate{"registry", "a:1", nullptr, /*credentials=*/true};
  EXPECT_THAT(
      ErrorText(absl::UnauthenticatedError("the client certificate's OIN 0001 belongs to "
                                           "no registered organisation"),
                certificate),
      HasSubstr("organisations update ID --oin OIN"));
}

TEST(ErrorTextTest, HintsNameTheCommandGroup) {
  ErrorContext tokens{"registry", "127.0.0.1:50051", nullptr, true, "tokens"};
  EXPECT_THAT(ErrorText(absl::NotFoundError("accessTokens/x"), tokens),
              HasSubstr("`samenspel tokens list`"));
  EXPECT_THAT(ErrorText(absl::UnimplementedError("AccessService"), tokens),
              HasSubstr("older version"));
}

TEST(ProgressTest, LineShowsCountRatePercentAndEta) {
  EXPECT_EQ(ProgressLine("experts", 1000, 250, 1000, absl::Seconds(2)),
            "experts: 1000 records, 500/s, 25%, ETA 0:06");
  EXPECT_EQ(ProgressLine("experts", 10, 0, 0, absl::ZeroDuration()),
            "experts: 10 records");
}

TEST(ProgressTest, DrawsOnlyWhenEnabled) {
  char buffer[256] = {};
  FILE* out = fmemopen(buffer, sizeof(buffer), "w");
  absl::Time now = absl::UnixEpoch();
  ProgressBar disabled("x", 10, out, false, [&] { return now; });
  disabled.Update(1, 1);
  disabled.Finish();
  std::fflush(out);
  EXPECT_STREQ(buffer, "");
  ProgressBar enabled("x", 10, out, true, [&] { return now; });
  now += absl::Seconds(1);
  enabled.Update(5, 5);
  enabled.Update(6, 6);  // Within 100 ms of the last draw: not drawn.
  std::fflush(out);
  EXPECT_STREQ(buffer, "\r\033[Kx: 5 records, 5/s, 50%, ETA 0:01");
  std::fclose(out);
}

}  // namespace
}  // namespace samenspel::cli
