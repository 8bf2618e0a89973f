// The samenspel binary against real services: a real redis-server, the real
// samenspel-registry and samenspel-matching processes, and the CLI run as a
// child process, checked by what it prints and how it exits.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli/cli_runner.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"

namespace samenspel::cli::test {
namespace {

using test_support::FreePort;
using test_support::RedisServer;
using test_support::ServiceProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using Json = nlohmann::json;

std::string Describe(const std::vector<std::string>& args, const CliResult& r) {
  return absl::StrCat("samenspel ", absl::StrJoin(args, " "), "\nexit ", r.exit_code,
                      "\nstdout:\n", r.out, "\nstderr:\n", r.err);
}

// One registry over one Redis, reached through the CLI.
struct RegistryUnderTest {
  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<ServiceProcess> registry;

  static std::unique_ptr<RegistryUnderTest> Start() {
    auto r = std::make_unique<RegistryUnderTest>();
    auto redis = RedisServer::Create();
    EXPECT_TRUE(redis.ok()) << redis.status();
    if (!redis.ok()) return nullptr;
    r->redis = *std::move(redis);
    auto registry = ServiceProcess::Start(
        SAMENSPEL_REGISTRY_BINARY, {"--insecure", "--redis=" + r->redis->address()});
    EXPECT_TRUE(registry.ok()) << registry.status();
    if (!registry.ok()) return nullptr;
    r->registry = *std::move(registry);
    EXPECT_TRUE(r->registry->WaitForHealth("SERVING", absl::Seconds(10)));
    return r;
  }
};

class CliIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    main_ = RegistryUnderTest::Start();
    ASSERT_NE(main_, nullptr);
    absl::StatusOr<int> nothing_there = FreePort();
    ASSERT_TRUE(nothing_there.ok());
    cli_ = std::make_unique<CliRunner>(
        SAMENSPEL_CLI_BINARY,
        std::map<std::string, std::string>{
            {"SAMENSPEL_REGISTRY", main_->registry->address()},
            {"SAMENSPEL_MATCHING", absl::StrCat("127.0.0.1:", *nothing_there)}});
  }

  void StartMatching() {
    auto matching =
        ServiceProcess::Start(SAMENSPEL_MATCHING_BINARY,
                              {"--insecure", "--registry=" + main_->registry->address()});
    ASSERT_TRUE(matching.ok()) << matching.status();
    matching_ = *std::move(matching);
    ASSERT_TRUE(matching_->WaitForHealth("SERVING", absl::Seconds(20)));
    cli_->SetEnv("SAMENSPEL_MATCHING", matching_->address());
  }

  CliResult Cli(const std::vector<std::string>& args, const std::string& input = "") {
    return cli_->Run(args, input);
  }

  // Runs and expects exit 0.
  CliResult Ok(const std::vector<std::string>& args, const std::string& input = "") {
    CliResult r = Cli(args, input);
    EXPECT_EQ(r.exit_code, 0) << Describe(args, r);
    return r;
  }

  // Runs and expects `code`.
  CliResult Fails(int code, const std::vector<std::string>& args) {
    CliResult r = Cli(args);
    EXPECT_EQ(r.exit_code, code) << Describe(args, r);
    return r;
  }

  Json OkJson(std::vector<std::string> args) {
    args.insert(args.end(), {"-o", "json"});
    CliResult r = Ok(args);
    Json json = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(json.is_discarded()) << Describe(args, r);
    return json;
  }

  size_t Count(const std::string& kind) {
    Json list = OkJson({kind, "list", "--all"});
    return list.is_array() ? list.size() : 0;
  }

  // Two organisations, two experts, a challenge and a team with two members.
  void Populate() {
    Ok({"organisations", "create", "--id", "bzk", "--display-name", "Ministerie van BZK",
        "--layer", "national", "--region", "NL"});
    Ok({"organisations", "create", "--id", "gm0363", "--display-name",
        "Gemeente Amsterdam", "--layer", "municipal", "--region", "GM0363", "--oin",
        "00000001002564440000"});
    Ok({"experts",        "create",
        "--id",           "jan",
        "--display-name", "Jan de Vriës",
        "--organisation", "bzk",
        "--job-title",    "Beleidsadviseur",
        "--email",        "jan@minbzk.nl",
        "--bio",          "Werkt aan \"woningbouw\", huisvesting;\nen klimaat",
        "--skill",        "woningbouw:4",
        "--skill",        "sociaal domein:2",
        "--theme",        "wonen",
        "--region",       "GM0363",
        "--perspective",  "policy",
        "--perspective",  "execution",
        "--hours",        "8",
        "--consent"});
    Ok({"experts", "create", "--id", "piet", "--display-name", "Piet Bakker",
        "--organisation", "gm0363", "--skill", "woningbouw:5", "--theme", "wonen",
        "--region", "GM0363", "--perspective", "execution", "--hours", "12",
        "--consent"});
    Ok({"teams",
        "create",
        "--id",
        "woningbouw-amsterdam",
        "--display-name",
        "Woningbouw Amsterdam",
        "--description",
        "Versnelling van de woningbouw",
        "--owner-organisation",
        "gm0363",
        "--theme",
        "wonen",
        "--state",
        "completed",
        "--member",
        "jan:voorzitter:8",
        "--member",
        "piet",
        "--lessons-learned",
        "Betrek de uitvoering vanaf dag een"});
  }

  // Creates the challenge; returns the registry revision of that write.
  int64_t CreateChallenge() {
    Json c = OkJson({"challenges",
                     "create",
                     "--id",
                     "huisvesting",
                     "--title",
                     "Huisvesting statushouders",
                     "--description",
                     "Woningbouw voor statushouders",
                     "--owner-organisation",
                     "gm0363",
                     "--skill",
                     "woningbouw:3",
                     "--theme",
                     "wonen",
                     "--region",
                     "GM0363",
                     "--layer",
                     "municipal",
                     "--layer",
                     "national",
                     "--perspective",
                     "execution",
                     "--team-size",
                     "2",
                     "--state",
                     "open"});
    return std::stoll(c.value("revision", "0"));
  }

  std::unique_ptr<RegistryUnderTest> main_;
  std::unique_ptr<ServiceProcess> matching_;
  std::unique_ptr<CliRunner> cli_;
};

std::string ExpertsJsonl(int with_id, int without_id) {
  std::string text;
  for (int i = 0; i < with_id; ++i) {
    absl::StrAppend(
        &text, R"({"name":"experts/e)", i, R"(","displayName":"Expert )", i,
        R"(","organisation":"organisations/pv27","skills":[{"name":"water","level":)",
        1 + i % 5, R"(}],"consentToMatching":true})", "\n");
  }
  for (int i = 0; i < without_id; ++i) {
    absl::StrAppend(&text, R"({"displayName":"Zonder id )", i,
                    R"(","organisation":"organisations/pv27"})", "\n");
  }
  return text;
}

TEST_F(CliIntegrationTest, ImportTwiceCreatesNothingTwice) {
  const std::string orgs =
      WriteTempFile("organisations.csv",
                    "id,display_name,layer,region_codes\n"
                    "pv27,Provincie Noord-Holland,provincial,PV27\n"
                    "ws0155,\"Hoogheemraadschap Hollands Noorderkwartier, "
                    "HHNK\",water_authority,WS0155\n");
  Json first = OkJson({"import", "organisations", orgs});
  EXPECT_EQ(first["created"], 2);
  Json second = OkJson({"import", "organisations", orgs});
  EXPECT_EQ(second["created"], 0);
  EXPECT_EQ(second["skipped"], 2);
  EXPECT_EQ(Count("organisations"), 2u);
  // One deleted since: importing the file again brings it back (the replayed
  // request id used to fail it NOT_FOUND for a day), and once more is a no-op.
  Ok({"organisations", "delete", "ws0155"});
  Json restored = OkJson({"import", "organisations", orgs});
  EXPECT_EQ(restored["created"], 1);
  EXPECT_EQ(restored["skipped"], 1);
  EXPECT_EQ(restored["failed"], 0);
  EXPECT_EQ(OkJson({"organisations", "get", "ws0155"})["layer"],
            "GOVERNMENT_LAYER_WATER_AUTHORITY");
  Json once_more = OkJson({"import", "organisations", orgs});
  EXPECT_EQ(once_more["created"], 0);
  EXPECT_EQ(once_more["skipped"], 2);

  const std::string experts = WriteTempFile("experts.jsonl", ExpertsJsonl(1200, 3));
  Json created = OkJson({"import", "experts", experts});
  EXPECT_EQ(created["read"], 1203);
  EXPECT_EQ(created["created"], 1203);
  EXPECT_EQ(created["failed"], 0);
  // The same batches again: replayed by request id.
  Json replayed = OkJson({"import", "experts", experts});
  EXPECT_EQ(replayed["created"], 0);
  EXPECT_EQ(replayed["skipped"], 1203);
  // Other batches: ALREADY_EXISTS by id, request ids for the three without.
  Json regrouped = OkJson({"import", "experts", experts, "--batch-size", "250"});
  EXPECT_EQ(regrouped["created"], 0);
  EXPECT_EQ(regrouped["skipped"], 1203);
  EXPECT_EQ(Count("experts"), 1203u);
  // The human summary.
  CliResult table = Ok({"import", "experts", experts});
  EXPECT_THAT(table.out, HasSubstr("experts: 1203 read, 0 created, 1203 skipped"));
}

// A create whose call gets no answer in time may have been done all the
// same: the CLI tries again with the same (made-up) request id, which the
// registry answers with the first call's result, so nothing is created twice.
// (Before, the command failed with DEADLINE_EXCEEDED, and running it again
// created the expert a second time.)
TEST_F(CliIntegrationTest, ACreateWithoutAnAnswerIsTriedAgainAndDoneOnce) {
  Ok({"organisations", "create", "--id", "bzk", "--display-name", "Ministerie van BZK",
      "--layer", "national", "--region", "NL"});
  // Redis answers nothing for 1.8 s: the first call (1 s deadline) gets no
  // answer, while its write waits in Redis and is done when it resumes.
  ASSERT_TRUE(main_->redis->Pause().ok());
  std::thread resume([&] {
    absl::SleepFor(absl::Milliseconds(1800));
    EXPECT_TRUE(main_->redis->Resume().ok());
  });
  const std::vector<std::string> args = {"--timeout",
                                         "1s",
                                         "experts",
                                         "create",
                                         "--display-name",
                                         "Anna Jansen",
                                         "--organisation",
                                         "bzk",
                                         "--skill",
                                         "waterveiligheid:4",
                                         "-o",
                                         "json"};
  CliResult r = Cli(args);
  resume.join();
  EXPECT_EQ(r.exit_code, 0) << Describe(args, r);
  EXPECT_EQ(Count("experts"), 1u);
  // A call that never gets an answer: the command gives up after three
  // tries and says the request id to run it again with.
  ASSERT_TRUE(main_->redis->Pause().ok());
  const std::vector<std::string> again = {
      "--timeout",      "300ms",        "experts",        "create",
      "--display-name", "Bram de Boer", "--organisation", "bzk"};
  r = Cli(again);
  ASSERT_TRUE(main_->redis->Resume().ok());
  EXPECT_EQ(r.exit_code, 6) << Describe(again, r);
  const std::string marker = "run the command again with --request-id ";
  const size_t at = r.err.find(marker);
  ASSERT_NE(at, std::string::npos) << Describe(again, r);
  const std::string request_id = r.err.substr(
      at + marker.size(), r.err.find(' ', at + marker.size()) - at - marker.size());
  // Its write was done when Redis resumed, or not at all: run again with
  // the id said, it is there once.
  std::vector<std::string> with_id = again;
  with_id.insert(with_id.end(), {"--request-id", request_id});
  Ok(with_id);
  Json experts = OkJson({"experts", "list", "--all"});
  int bram = 0;
  for (const Json& e : experts) bram += e.value("displayName", "") == "Bram de Boer";
  EXPECT_EQ(bram, 1) << experts.dump();
}

// A registry that refuses before it writes anything (its database in a
// layout it does not know) has created nothing: the command says what the
// registry said, not "may have been created all the same" (an operator
// review), and does not try again.
TEST_F(CliIntegrationTest, ACreateRefusedBeforeAnyWriteIsNotSaidToMaybeExist) {
  Ok({"organisations", "create", "--id", "bzk", "--display-name", "Ministerie van BZK",
      "--layer", "national", "--region", "NL"});
  ASSERT_TRUE(main_->redis->Command({"SET", "ss:schema", "99"}).ok());
  const std::vector<std::string> args = {
      "experts", "create", "--display-name", "Anna Jansen", "--organisation", "bzk"};
  const absl::Time start = absl::Now();
  CliResult r = Cli(args);
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(main_->redis->Command({"SET", "ss:schema", "4"}).ok());
  EXPECT_EQ(r.exit_code, 6) << Describe(args, r);
  EXPECT_THAT(r.err, HasSubstr("layout")) << Describe(args, r);
  EXPECT_THAT(r.err, Not(HasSubstr("may have been created"))) << Describe(args, r);
  // Not tried again after 0.5 s and 1 s.
  EXPECT_LT(took, absl::Milliseconds(1400)) << Describe(args, r);
}

TEST_F(CliIntegrationTest, BadLinesAreReportedWithLineNumbersAndTheRestIsImported) {
  Ok({"organisations", "create", "--id", "pv27", "--display-name", "Noord-Holland",
      "--layer", "provincial"});
  const std::string jsonl = WriteTempFile(
      "experts.jsonl",
      R"({"name":"experts/a1","displayName":"Goed","organisation":"organisations/pv27"})"
      "\n"
      R"({"name":"experts/a2","displayName":"Te hoog","organisation":"organisations/pv27","skills":[{"name":"water","level":9}]})"
      "\n"
      "\n"
      R"({"name":"experts/a3","displayName":"Nergens","organisation":"organisations/nowhere"})"
      "\n"
      R"({"name":"experts/a4","displayName":"Ook goed","organisation":"organisations/pv27"})"
      "\n"
      "dit is geen json\n"
      R"({"displayName":"Zonder id","organisation":"organisations/pv27"})"
      "\n");
  CliResult r = Cli({"import", "experts", jsonl});
  EXPECT_EQ(r.exit_code, 8) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("experts.jsonl:2: skills[0].level: must be between 1 and 5"));
  EXPECT_THAT(r.err, HasSubstr("experts.jsonl:4: organisation:"));
  EXPECT_THAT(r.err, HasSubstr("experts.jsonl:6: not a valid expert in JSON"));
  EXPECT_THAT(r.out, HasSubstr("6 read, 3 created, 0 skipped (already there), 3 failed"));
  // Errors come in line order, and nothing else was reported.
  EXPECT_LT(r.err.find(":2:"), r.err.find(":4:"));
  EXPECT_LT(r.err.find(":4:"), r.err.find(":6:"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 3) << r.err;
  EXPECT_EQ(Count("experts"), 3u);

  // CSV: a quoted field over two lines keeps the line numbers right.
  const std::string csv = WriteTempFile("experts.csv",
                                        "id,display_name,organisation,bio,skills\n"
                                        "b1,Goed,pv27,\"twee\nregels\",water:3\n"
                                        "b2,Fout niveau,pv27,,water:x\n"
                                        "b3,,pv27,,\n"
                                        "b4,Goed,pv27,,\"water:2;bodem:1\"\n");
  r = Cli({"import", "experts", csv});
  EXPECT_EQ(r.exit_code, 8) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("experts.csv:4: skills: 'water:x': 'x' is not a whole number"));
  EXPECT_THAT(r.err, HasSubstr("experts.csv:5: display_name: required"));
  EXPECT_THAT(r.out, HasSubstr("4 read, 2 created, 0 skipped (already there), 2 failed"));
  Json b1 = OkJson({"experts", "get", "b1"});
  EXPECT_EQ(b1["bio"], "twee\nregels");

  // From stdin, with the format given.
  r = Ok({"import", "experts", "-", "--format", "csv"},
         "id,display_name,organisation\nc1,Via stdin,pv27\n");
  EXPECT_THAT(r.out, HasSubstr("1 created"));
}

// A file name that is not UTF-8, and a bad line cut in the middle of a
// character: -o json still gives the summary (nlohmann's dump() threw, and
// the CLI aborted with exit 134), with exit 8.
TEST_F(CliIntegrationTest, ImportSummaryInJsonSurvivesTextThatIsNotUtf8) {
  const std::string file = WriteTempFile(
      "experts-\xe9.json", "[\n\"abcdefghijklmnopqr\xc3\xa9 is geen object\"\n]\n");
  const std::vector<std::string> args = {"import", "experts", file, "-o", "json"};
  CliResult r = Cli(args);
  EXPECT_EQ(r.exit_code, 8) << Describe(args, r);
  const Json summary = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(summary.is_discarded()) << Describe(args, r);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_THAT(summary["source"].get<std::string>(), HasSubstr("experts-\uFFFD.json"));
  EXPECT_EQ(summary["errors"][0]["reason"],
            "expected a JSON object here, found '\"abcdefghijklmnopqr'");
}

TEST_F(CliIntegrationTest, JsonOutputRoundTripsThroughImportIntoAnEmptyRegistry) {
  Populate();
  CreateChallenge();
  std::unique_ptr<RegistryUnderTest> other = RegistryUnderTest::Start();
  ASSERT_NE(other, nullptr);
  const std::string there = "--registry=" + other->registry->address();
  // Import order: what others refer to first.
  for (const std::string kind : {"organisations", "experts", "challenges", "teams"}) {
    CliResult list = Ok({kind, "list", "--all", "-o", "json"});
    Json array = Json::parse(list.out, nullptr, false);
    ASSERT_TRUE(array.is_array()) << list.out;
    EXPECT_FALSE(array.empty()) << kind;
    const std::string file = WriteTempFile(kind + ".json", list.out);
    CliResult imported = Ok({there, "import", kind, file});
    EXPECT_THAT(imported.out, HasSubstr(absl::StrCat(array.size(), " created")));
  }
  // Lists run in create order, and the import creates several records at a
  // time: compare the lines in sorted order.
  auto sorted_lines = [](const std::string& text) {
    std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
    if (!lines.empty()) std::sort(lines.begin() + 1, lines.end());  // CSV: header first
    return lines;
  };
  for (const std::string kind : {"organisations", "experts", "challenges", "teams"}) {
    for (const std::string format : {"csv", "jsonl"}) {
      CliResult here = Ok({"export", kind, "--format", format});
      CliResult copy = Ok({there, "export", kind, "--format", format});
      if (format == "csv") {
        EXPECT_EQ(sorted_lines(here.out), sorted_lines(copy.out)) << kind;
        continue;
      }
      // JSON Lines carry output-only fields that differ (etag, times, revision).
      auto without_output_only = [](const std::string& text) {
        std::vector<Json> records;
        for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
          Json x = Json::parse(line);
          for (const char* field : {"etag", "revision", "createTime", "updateTime"}) {
            x.erase(field);
          }
          records.push_back(std::move(x));
        }
        std::sort(records.begin(), records.end(), [](const Json& a, const Json& b) {
          return a.value("name", "") < b.value("name", "");
        });
        return records;
      };
      EXPECT_EQ(without_output_only(here.out), without_output_only(copy.out)) << kind;
    }
  }
  // `get -o json` (pretty, one object) imports too.
  CliResult jan = Ok({"experts", "get", "jan", "-o", "json"});
  CliResult again = Ok({there, "import", "experts", WriteTempFile("jan.json", jan.out)});
  EXPECT_THAT(again.out, HasSubstr("0 created, 1 skipped"));
  // And export's files import as well.
  const std::string exported = WriteTempFile("experts.jsonl", "");
  Ok({"export", "experts", "-o", exported});
  struct stat exported_stat;
  ASSERT_EQ(stat(exported.c_str(), &exported_stat), 0);
  EXPECT_EQ(exported_stat.st_mode & 0777, 0600u);  // personal data
  CliResult from_export = Ok({there, "import", "experts", exported});
  EXPECT_THAT(from_export.out, HasSubstr("2 read, 0 created, 2 skipped"));
}

TEST_F(CliIntegrationTest, ExitCodesAreAsDocumented) {
  Populate();
  // 0: help, with examples.
  CliResult help = Ok({"experts", "create", "--help"});
  EXPECT_THAT(help.out, HasSubstr("Examples:"));
  EXPECT_THAT(help.out, HasSubstr("--skill"));
  EXPECT_THAT(Ok({"--help"}).out, HasSubstr("Exit codes:"));

  // 2: usage.
  // A bearer token is not sent in plaintext off this machine.
  const std::string token = WriteTempFile("token", std::string(40, 'x'));
  CliResult plaintext = Fails(
      2, {"--token-file", token, "--registry", "192.0.2.7:50051", "experts", "list"});
  EXPECT_THAT(plaintext.err, HasSubstr("--ca-file"));
  EXPECT_THAT(plaintext.err, HasSubstr("--plaintext-token"));
  Fails(6, {"--token-file", token, "--registry", "192.0.2.7:50051", "--plaintext-token",
            "--timeout", "1s", "experts", "list"});
  Fails(2, {"experts", "list", "--bogus"});
  EXPECT_THAT(Fails(2, {"experts"}).err,
              HasSubstr("`samenspel experts` needs a command; the commands are: create, "
                        "get, list, update, delete"));
  // Nothing at all: the command groups (CLI11 said "A subcommand is required").
  EXPECT_THAT(Fails(2, {}).err,
              HasSubstr("`samenspel` needs a command; the commands are: organisations, "
                        "experts"));
  // A command missing its argument or option says which (it said "needs a
  // command; the commands are: " with none).
  CliResult no_file = Fails(2, {"import", "experts"});
  EXPECT_THAT(no_file.err,
              HasSubstr("samenspel: file is required\n  (run `samenspel import "
                        "--help` for its usage)"));
  EXPECT_THAT(no_file.err, testing::Not(HasSubstr("needs a command")));
  CliResult no_expert = Fails(2, {"teams", "add-member", "t1"});
  EXPECT_THAT(no_expert.err, HasSubstr("--expert is required"));
  // A word that is no command is named (CLI11 said "A subcommand is required").
  EXPECT_THAT(Fails(2, {"frobnicate"}).err,
              HasSubstr("unknown command \"frobnicate\" for `samenspel`"));
  EXPECT_THAT(Fails(2, {"tokens", "frob"}).err,
              HasSubstr("unknown command \"frob\" for `samenspel tokens`; the commands "
                        "are: create, list, revoke"));
  CliResult bad_value =
      Fails(2, {"experts", "create", "--id", "x", "--skill", "woningbouw"});
  EXPECT_THAT(bad_value.err, HasSubstr("--skill: 'woningbouw' is not NAME:LEVEL"));
  Fails(2, {"import", "experts", "/nonexistent/experts.jsonl"});
  Fails(2, {"import", "experts", "experts.txt"});
  {
    // A directory is no input file (it read as an empty one: exit 0).
    const std::string file = WriteTempFile("d.jsonl", "");
    const std::string dir = file.substr(0, file.rfind('/')) + "/dir.jsonl";
    ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
    EXPECT_THAT(Fails(2, {"import", "experts", dir}).err, HasSubstr("it is a directory"));
  }
  Fails(2, {"--timeout", "soon", "experts", "list"});
  Fails(2, {"-o", "xml", "experts", "list"});
  Fails(2, {"--token-file", "/nonexistent/token", "experts", "list"});
  // An empty token file is a mistake, not "no token".
  CliResult empty_token =
      Fails(2, {"--token-file", WriteTempFile("token", "\n"), "experts", "list"});
  EXPECT_THAT(empty_token.err, HasSubstr("is empty"));
  Fails(2, {"--ca-file", "/nonexistent/ca.pem", "experts", "list"});
  // A CA file that is no PEM: said before any call (it was "UNAVAILABLE: empty
  // address list" and gRPC's log lines).
  CliResult not_pem = Fails(
      2, {"--ca-file", WriteTempFile("ca.pem", "geen certificaat\n"), "experts", "list"});
  EXPECT_THAT(not_pem.err, HasSubstr("holds no PEM CA certificate"));
  EXPECT_THAT(not_pem.err, Not(HasSubstr("UNAVAILABLE")));
  // A host without a port (it was "127.0.0.1:0: Connection refused").
  for (const std::string address : {"127.0.0.1", "localhost:", "::1", "host:99999"}) {
    EXPECT_THAT(Fails(2, {"--registry", address, "experts", "list"}).err,
                HasSubstr("is not host:port"))
        << address;
  }
  Fails(6, {"--registry", "dns:///127.0.0.1:1", "--timeout", "1s", "experts", "list"});
  // A filter given twice (CLI11 said "--theme: At Most 1 required but received 2").
  CliResult twice = Fails(2, {"experts", "list", "--theme", "wonen", "--theme", "zorg"});
  EXPECT_THAT(twice.err, HasSubstr("--theme given twice; give it once"));
  EXPECT_THAT(twice.err, Not(HasSubstr("At Most")));
  // A yes/no flag and its --no- form together (the last one won, silently).
  CliResult both = Fails(2, {"experts", "update", "jan", "--consent", "--no-consent"});
  EXPECT_THAT(both.err, HasSubstr("--consent or --no-consent given 2 times"));
  // A skill list written as in a spreadsheet: one skill with a level in its name.
  CliResult commas = Fails(
      2, {"experts", "update", "jan", "--skill", "woningbouw:4, ruimtelijke ordening:3"});
  EXPECT_THAT(commas.err, HasSubstr("holds more than one skill"));
  // A skill filter with a level (the NAME:LEVEL of create) listed nothing.
  CliResult level = Fails(2, {"experts", "list", "--skill", "woningbouw:4"});
  EXPECT_THAT(level.err, HasSubstr("--skill filters by a skill's name alone (--skill "
                                   "'woningbouw'): lists cannot filter by level"));

  // 3: not found.
  CliResult missing = Fails(3, {"experts", "get", "nobody"});
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND: experts/nobody not found"));
  EXPECT_THAT(missing.err, HasSubstr("samenspel experts list"));

  // 4: conflicts.
  CliResult exists = Fails(4, {"organisations", "create", "--id", "bzk", "--display-name",
                               "X", "--layer", "national"});
  EXPECT_THAT(exists.err, HasSubstr("ALREADY_EXISTS"));
  CliResult stale =
      Fails(4, {"experts", "update", "jan", "--job-title", "X", "--etag", "\"1\""});
  EXPECT_THAT(stale.err, HasSubstr("ABORTED"));
  CliResult in_use = Fails(4, {"organisations", "delete", "bzk"});
  EXPECT_THAT(in_use.err, HasSubstr("FAILED_PRECONDITION"));

  // 5: rejected by the registry, with the field violations and their flags.
  CliResult invalid = Fails(
      5, {"experts", "create", "--id", "Bad Id", "--display-name", "X", "--organisation",
          "bzk", "--email", "geen-adres", "--skill", "woningbouw:9"});
  EXPECT_THAT(invalid.err, HasSubstr("expert.email: must be an e-mail address"));
  EXPECT_THAT(invalid.err, HasSubstr("(--email)"));
  EXPECT_THAT(invalid.err,
              HasSubstr("expert.skills[0].level: must be between 1 and 5 (--skill)"));
  EXPECT_THAT(invalid.err, HasSubstr("expert_id:"));

  // 8: partial import (see above), and 6: a service that is not there.
  CliResult health = Fails(6, {"health"});
  EXPECT_THAT(health.out, HasSubstr("registry"));
  EXPECT_THAT(health.out, HasSubstr("SERVING"));
  EXPECT_THAT(health.out, HasSubstr("UNREACHABLE"));
  Ok({"health", "registry"});
  ASSERT_TRUE(main_->registry->Stop().ok());
  CliResult down = Fails(6, {"experts", "list", "--timeout", "5s"});
  EXPECT_THAT(down.err, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(down.err,
              HasSubstr("samenspel-registry runs at " + main_->registry->address()));
  Fails(6, {"import", "experts", WriteTempFile("x.jsonl", "{\"displayName\":\"x\"}\n")});
}

// An export whose output cannot be written (a full disk) fails; it does not
// exit 0 with a short file.
TEST_F(CliIntegrationTest, ExportToAFullDiskFails) {
  Populate();
  const std::string command =
      absl::StrCat("SAMENSPEL_REGISTRY=", main_->registry->address(), " ",
                   SAMENSPEL_CLI_BINARY, " export experts >/dev/full 2>/dev/null");
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_NE(WEXITSTATUS(status), 0);
  const std::string to_null =
      absl::StrCat("SAMENSPEL_REGISTRY=", main_->registry->address(), " ",
                   SAMENSPEL_CLI_BINARY, " export experts >/dev/null");
  EXPECT_EQ(std::system(to_null.c_str()), 0);
}

TEST_F(CliIntegrationTest, UpdateChangesOnlyTheFieldsGiven) {
  Populate();
  Json updated = OkJson({"experts", "update", "jan", "--job-title", "Senior adviseur"});
  EXPECT_EQ(updated["jobTitle"], "Senior adviseur");
  EXPECT_EQ(updated["themes"], Json::array({"wonen"}));
  EXPECT_EQ(updated["skills"].size(), 2u);

  // A file from `get -o json` carries the etag: a stale file is refused.
  const std::string file =
      WriteTempFile("jan.json", Ok({"experts", "get", "jan", "-o", "json"}).out);
  Ok({"experts", "update", "jan", "--clear", "themes"});
  EXPECT_EQ(OkJson({"experts", "get", "jan"})["themes"], Json::array());
  Fails(4, {"experts", "update", "--from-file", file});
  // An empty --etag sends none: the file's stale one is not checked.
  Json unchecked = OkJson({"experts", "update", "--from-file", file, "--etag", ""});
  EXPECT_EQ(unchecked["themes"], Json::array({"wonen"}));
  Ok({"experts", "update", "jan", "--clear", "themes"});
  // With an explicit --etag of the current state it goes through (the whole record).
  const std::string etag = OkJson({"experts", "get", "jan"})["etag"];
  Json restored = OkJson({"experts", "update", "--from-file", file, "--etag", etag});
  EXPECT_EQ(restored["themes"], Json::array({"wonen"}));
  EXPECT_EQ(restored["jobTitle"], "Senior adviseur");
  // The whole record from the file, without the field --clear names.
  Json edited = OkJson({"experts", "get", "jan"});
  edited["jobTitle"] = "Programmamanager";
  const std::string edited_file = WriteTempFile("jan-edited.json", edited.dump());
  Json without_themes =
      OkJson({"experts", "update", "--from-file", edited_file, "--clear", "themes"});
  EXPECT_EQ(without_themes["jobTitle"], "Programmamanager");
  EXPECT_FALSE(without_themes.contains("themes") && !without_themes["themes"].empty())
      << without_themes.dump();

  Json team =
      OkJson({"teams", "remove-member", "woningbouw-amsterdam", "--expert", "piet"});
  EXPECT_EQ(team["members"].size(), 1u);
  team = OkJson({"teams", "add-member", "woningbouw-amsterdam", "--expert", "piet",
                 "--role", "adviseur", "--hours", "4"});
  EXPECT_EQ(team["members"][1]["role"], "adviseur");
  // The registry's field violations name the command's own flags.
  CliResult bad_member = Fails(5, {"teams", "add-member", "woningbouw-amsterdam",
                                   "--expert", "nobody", "--hours", "200"});
  EXPECT_THAT(bad_member.err,
              HasSubstr("member.hours_per_week: must be between 0 and 168 (--hours)"));
  EXPECT_THAT(bad_member.err,
              HasSubstr("member.expert: experts/nobody does not exist (--expert)"));
  Ok({"experts", "delete", "piet"});
  Fails(3, {"experts", "get", "piet"});
}

TEST_F(CliIntegrationTest, MatchAndSuggestTeamShowTheExplanation) {
  StartMatching();
  Populate();
  const int64_t revision = CreateChallenge();
  ASSERT_GT(revision, 0);
  const std::string min_revision = absl::StrCat(revision);

  CliResult match =
      Ok({"match", "--challenge", "huisvesting", "--min-revision", min_revision});
  EXPECT_THAT(match.out, HasSubstr("#1  "));
  EXPECT_THAT(match.out, HasSubstr("score"));
  EXPECT_THAT(match.out, HasSubstr("experts/piet"));
  for (const char* component : {"text", "skills", "region", "availability"}) {
    EXPECT_THAT(match.out, HasSubstr(absl::StrCat("    ", component, " "))) << component;
  }
  EXPECT_THAT(match.out, HasSubstr("matched skills: woningbouw <- woningbouw (level"));
  EXPECT_THAT(match.out, HasSubstr("matched terms:"));

  // JSON: the explanation adds up to the score.
  Json json = OkJson(
      {"match", "--challenge", "challenges/huisvesting", "--min-revision", min_revision});
  ASSERT_FALSE(json["matches"].empty());
  for (const Json& m : json["matches"]) {
    double sum = 0;
    for (const Json& c : m["explanation"]["components"]) sum += c.value("value", 0.0);
    EXPECT_NEAR(sum, m.value("score", 0.0), 1e-6);
  }

  CliResult team =
      Ok({"suggest-team", "--challenge", "huisvesting", "--min-revision", min_revision});
  EXPECT_THAT(team.out, HasSubstr("Proposed team: 2 members"));
  EXPECT_THAT(team.out, HasSubstr("why: "));
  EXPECT_THAT(team.out, HasSubstr("Coverage"));
  EXPECT_THAT(team.out, HasSubstr("layers        covered: "));

  // Inline, without registering a challenge.
  CliResult inline_match = Ok({"match", "--title", "Woningbouwopgave", "--skill",
                               "woningbouw:3", "--layer", "national", "--top", "1"});
  EXPECT_THAT(inline_match.out, HasSubstr("1 expert (index revision"));

  CliResult similar = Ok({"similar-teams", "--challenge", "huisvesting"});
  EXPECT_THAT(similar.out,
              HasSubstr("Woningbouw Amsterdam (teams/woningbouw-amsterdam)"));
  EXPECT_THAT(similar.out, HasSubstr("lessons learned: Betrek de uitvoering"));

  CliResult none = Fails(2, {"match"});
  EXPECT_THAT(none.err, HasSubstr("which challenge?"));
  Fails(3, {"match", "--challenge", "bestaat-niet"});
}

TEST_F(CliIntegrationTest, WatchPrintsOneLinePerChange) {
  Populate();
  CliResult lines = Ok({"watch", "--after", "0", "--count", "3"});
  std::vector<std::string> split = absl::StrSplit(lines.out, '\n', absl::SkipEmpty());
  ASSERT_THAT(split, SizeIs(3));
  EXPECT_THAT(split[0], HasSubstr("1  CREATED  organisations/bzk"));
  EXPECT_THAT(split[2], HasSubstr("3  CREATED  experts/jan"));

  CliResult json = Ok({"watch", "--after", "3", "--count", "2", "-o", "json"});
  split = absl::StrSplit(json.out, '\n', absl::SkipEmpty());
  ASSERT_THAT(split, SizeIs(2));
  Json change = Json::parse(split[0]);
  EXPECT_EQ(change["revision"], "4");
  EXPECT_EQ(change["type"], "CREATED");
  EXPECT_EQ(change["expert"]["name"], "experts/piet");

  // --for ends a quiet watch normally.
  CliResult quiet = Ok({"watch", "--after", "5", "--for", "300ms"});
  EXPECT_THAT(quiet.out, Not(HasSubstr("CREATED")));
  // With --count, running out of time before that many came is no success
  // (it was exit 0): exit 6, saying how many did.
  const std::vector<std::string> short_of = {"watch", "--after", "3", "--count",
                                             "5",     "--for",   "1s"};
  CliResult partial = Cli(short_of);
  EXPECT_EQ(partial.exit_code, 6) << Describe(short_of, partial);
  EXPECT_THAT(partial.out, HasSubstr("5  CREATED  teams/woningbouw-amsterdam"));
  EXPECT_THAT(partial.err, HasSubstr("--for 1s ran out after 2 of 5 changes"));
  // A negative count is a usage error (it printed nothing and never ended).
  const std::vector<std::string> negative = {"watch", "--count", "-1"};
  CliResult never = cli_->Run(negative, "", absl::Seconds(10));
  EXPECT_EQ(never.exit_code, 2) << Describe(negative, never);
  EXPECT_THAT(never.err, HasSubstr("--count must be 0"));

  // A resync: list --all and export say the revision what they read is
  // consistent with, and a watch after it has every change since.
  CliResult listed = Ok({"experts", "list", "--all", "--page-size", "1"});
  EXPECT_THAT(listed.err, HasSubstr("as of revision 5: `samenspel watch --after 5`"));
  CliResult exported = Ok({"export", "experts"});
  EXPECT_THAT(exported.err, HasSubstr("as of revision 5"));
  Ok({"experts", "update", "jan", "--job-title", "Adviseur"});
  CliResult since = Ok({"watch", "--after", "5", "--count", "1"});
  EXPECT_THAT(since.out, HasSubstr("6  UPDATED  experts/jan"));
}

TEST_F(CliIntegrationTest, ListPagesAndFilters) {
  Populate();
  CliResult page = Ok({"experts", "list", "--page-size", "1"});
  EXPECT_THAT(page.out, HasSubstr("experts/jan"));
  EXPECT_THAT(page.out, Not(HasSubstr("experts/piet")));
  EXPECT_THAT(page.err, HasSubstr("--page-token"));
  // --all goes on from --page-token (it started at the first page).
  const size_t at = page.err.find("--page-token ");
  ASSERT_NE(at, std::string::npos) << page.err;
  const std::string token =
      page.err.substr(at + 13, page.err.find(' ', at + 13) - (at + 13));
  Json rest = OkJson({"experts", "list", "--all", "--page-token", token});
  ASSERT_THAT(rest, SizeIs(1)) << rest.dump();
  EXPECT_EQ(rest[0]["name"], "experts/piet");
  EXPECT_THAT(OkJson({"experts", "list", "--organisation", "gm0363"}), SizeIs(1));
  EXPECT_THAT(OkJson({"experts", "list", "--layer", "national", "--all"}), SizeIs(1));
  EXPECT_THAT(
      OkJson({"experts", "list", "--skill", "woningbouw", "--page-size", "1", "--all"}),
      SizeIs(2));
  EXPECT_THAT(OkJson({"teams", "list", "--member", "piet"}), SizeIs(1));
  CliResult yaml = Ok({"organisations", "get", "bzk", "-o", "yaml"});
  EXPECT_THAT(yaml.out, HasSubstr("displayName: Ministerie van BZK\n"));
  EXPECT_THAT(Ok({"version"}).out, HasSubstr("samenspel "));
}

TEST_F(CliIntegrationTest, TokenComesFromTheEnvironmentOrAFile) {
  cli_->SetEnv("SAMENSPEL_TOKEN", "geheim-token");
  Ok({"organisations", "list"});
  Ok({"--token-file", WriteTempFile("token", "ander-token\n"), "organisations", "list"});
  cli_->SetEnv("SAMENSPEL_TOKEN", "twee woorden");
  CliResult bad = Fails(2, {"organisations", "list"});
  EXPECT_THAT(bad.err, HasSubstr("token"));

  // An address not known to be this machine (this host's name): a call with
  // the token in plaintext is refused; a health check sends none, so it goes
  // ahead (the registry listens on 127.0.0.1 only: unreachable there).
  cli_->SetEnv("SAMENSPEL_TOKEN", "geheim-token");
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  const std::string elsewhere = absl::StrCat(host, ":1");
  CliResult leak = Fails(
      2, {"--registry", elsewhere, "--matching", elsewhere, "organisations", "list"});
  EXPECT_THAT(leak.err, HasSubstr("in plaintext"));
  CliResult health = Fails(
      6, {"--registry", elsewhere, "--matching", elsewhere, "--timeout", "2s", "health"});
  EXPECT_THAT(health.out, HasSubstr("UNREACHABLE"));
}

}  // namespace
}  // namespace samenspel::cli::test
