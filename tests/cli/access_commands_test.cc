// The access-control commands (tokens, whoami, audit) and the CLI's
// credentials (bearer token, mTLS client certificate): the real samenspel
// binary, run as a child process, against a fake AccessService in this
// process on 127.0.0.1:0. The fake records every request and the
// `authorization` metadata it came with, so the tests check what the CLI
// sends as well as what it prints.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "samenspel/registry/v1/access_service.grpc.pb.h"
#include "tests/cli/cli_runner.h"

namespace samenspel::cli::test {
namespace {

namespace v1 = ::samenspel::registry::v1;
using google::protobuf::Timestamp;
using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kAdminSecret[] = "admin-geheim";

absl::Time TimeOf(const Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(t));
}

// A test-only AccessService over maps. Callers authenticate with a bearer
// secret (the bootstrap admin's, or one it issued) or, on a TLS server, a
// client certificate (subject "x509/<common name>", role reader).
// Thread-safe.
class FakeAccessService final : public v1::AccessService::Service {
 public:
  // What one call brought.
  struct Call {
    std::string method;
    std::string authorization;  // The metadata value, "" when absent.
  };

  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::vector<v1::CreateAccessTokenRequest> creates() const {
    std::lock_guard<std::mutex> lock(mu_);
    return creates_;
  }
  std::vector<v1::ListAccessTokensRequest> token_lists() const {
    std::lock_guard<std::mutex> lock(mu_);
    return token_lists_;
  }
  std::vector<v1::ListAuditEventsRequest> audit_lists() const {
    std::lock_guard<std::mutex> lock(mu_);
    return audit_lists_;
  }
  std::vector<std::string> revokes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return revokes_;
  }

  // Issues a token as if by CreateAccessToken; returns its secret.
  std::string AddToken(const std::string& id, const std::string& organisation,
                       v1::Role role) {
    std::lock_guard<std::mutex> lock(mu_);
    return AddTokenLocked(id, organisation, role, "", absl::Now() + absl::Hours(24));
  }

  void AddAuditEvent(v1::AuditEvent event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }

  grpc::Status CreateAccessToken(grpc::ServerContext* context,
                                 const v1::CreateAccessTokenRequest* request,
                                 v1::CreateAccessTokenResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    v1::Principal caller;
    if (grpc::Status s = AdminLocked(*context, "CreateAccessToken", &caller); !s.ok()) {
      return s;
    }
    creates_.push_back(*request);
    if (TimeOf(request->access_token().expire_time()) >
        absl::Now() + absl::Hours(366 * 24)) {
      return ToGrpcStatus(
          InvalidField("access_token.expire_time", "must be at most one year ahead"));
    }
    const std::string id = absl::StrCat("t", next_id_++);
    const v1::AccessToken& in = request->access_token();
    response->set_secret(AddTokenLocked(id, in.organisation(), in.role(),
                                        in.description(), TimeOf(in.expire_time())));
    v1::AccessToken& token = tokens_[AccessTokenName(id)].token;
    token.set_creator(caller.subject());
    *response->mutable_access_token() = token;
    return grpc::Status::OK;
  }

  grpc::Status ListAccessTokens(grpc::ServerContext* context,
                                const v1::ListAccessTokensRequest* request,
                                v1::ListAccessTokensResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (grpc::Status s = AdminLocked(*context, "ListAccessTokens", nullptr); !s.ok()) {
      return s;
    }
    token_lists_.push_back(*request);
    std::vector<const v1::AccessToken*> matching;
    for (const auto& [name, entry] : tokens_) {
      if (request->organisation().empty() ||
          entry.token.organisation() == request->organisation()) {
        matching.push_back(&entry.token);
      }
    }
    return Page(matching, *request, response->mutable_access_tokens(),
                response->mutable_next_page_token());
  }

  grpc::Status RevokeAccessToken(grpc::ServerContext* context,
                                 const v1::RevokeAccessTokenRequest* request,
                                 v1::AccessToken* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (grpc::Status s = AdminLocked(*context, "RevokeAccessToken", nullptr); !s.ok()) {
      return s;
    }
    revokes_.push_back(request->name());
    auto it = tokens_.find(request->name());
    if (it == tokens_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat(request->name(), " does not exist"));
    }
    *it->second.token.mutable_revoke_time() = TimestampOf(absl::Now());
    *response = it->second.token;
    return grpc::Status::OK;
  }

  grpc::Status IntrospectAccessToken(grpc::ServerContext*,
                                     const v1::IntrospectAccessTokenRequest*,
                                     v1::Principal*) override {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not used by the CLI");
  }

  grpc::Status GetCallerIdentity(grpc::ServerContext* context,
                                 const v1::GetCallerIdentityRequest*,
                                 v1::Principal* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    return AuthenticateLocked(*context, "GetCallerIdentity", response);
  }

  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const v1::ListAuditEventsRequest* request,
                               v1::ListAuditEventsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (grpc::Status s = AdminLocked(*context, "ListAuditEvents", nullptr); !s.ok()) {
      return s;
    }
    audit_lists_.push_back(*request);
    std::vector<const v1::AuditEvent*> all;
    for (const v1::AuditEvent& event : events_) all.push_back(&event);
    return Page(all, *request, response->mutable_audit_events(),
                response->mutable_next_page_token());
  }

 private:
  struct Entry {
    v1::AccessToken token;
    std::string secret;
  };

  static std::string AccessTokenName(const std::string& id) {
    return absl::StrCat("accessTokens/", id);
  }

  std::string AddTokenLocked(const std::string& id, const std::string& organisation,
                             v1::Role role, const std::string& description,
                             absl::Time expires) {
    Entry& entry = tokens_[AccessTokenName(id)];
    entry.token.set_name(AccessTokenName(id));
    entry.token.set_organisation(organisation);
    entry.token.set_role(role);
    entry.token.set_description(description);
    *entry.token.mutable_expire_time() = TimestampOf(expires);
    *entry.token.mutable_create_time() = TimestampOf(absl::Now());
    entry.secret = absl::StrCat("geheim-", id);
    return entry.secret;
  }

  // Records the call and finds its principal: UNAUTHENTICATED without a
  // known, unrevoked credential.
  grpc::Status AuthenticateLocked(const grpc::ServerContext& context,
                                  const std::string& method, v1::Principal* principal) {
    Call call{method, ""};
    const auto& metadata = context.client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      call.authorization = std::string(it->second.data(), it->second.size());
    }
    calls_.push_back(call);
    if (call.authorization == absl::StrCat("Bearer ", kAdminSecret)) {
      principal->set_subject("bootstrap-admin");
      principal->set_role(v1::ROLE_ADMIN);
      return grpc::Status::OK;
    }
    for (const auto& [name, entry] : tokens_) {
      if (call.authorization == absl::StrCat("Bearer ", entry.secret) &&
          !entry.token.has_revoke_time()) {
        principal->set_subject(name);
        principal->set_organisation(entry.token.organisation());
        principal->set_role(entry.token.role());
        return grpc::Status::OK;
      }
    }
    if (call.authorization.empty() && context.auth_context() != nullptr) {
      for (const auto& cn :
           context.auth_context()->FindPropertyValues("x509_common_name")) {
        principal->set_subject(absl::StrCat("x509/", std::string(cn.data(), cn.size())));
        principal->set_role(v1::ROLE_READER);
        return grpc::Status::OK;
      }
    }
    return grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        call.authorization.empty() ? "no credentials" : "unknown or revoked token");
  }

  grpc::Status AdminLocked(const grpc::ServerContext& context, const std::string& method,
                           v1::Principal* out) {
    v1::Principal principal;
    if (grpc::Status s = AuthenticateLocked(context, method, &principal); !s.ok()) {
      return s;
    }
    if (principal.role() != v1::ROLE_ADMIN) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          absl::StrCat(method, " needs the admin role"));
    }
    if (out != nullptr) *out = principal;
    return grpc::Status::OK;
  }

  // One page of `items` by offset page tokens; default page size 50.
  template <typename Request, typename Item>
  static grpc::Status Page(const std::vector<const Item*>& items, const Request& request,
                           google::protobuf::RepeatedPtrField<Item>* out,
                           std::string* next_page_token) {
    size_t offset = 0;
    if (!request.page_token().empty() &&
        !absl::SimpleAtoi(request.page_token(), &offset)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad page_token");
    }
    const size_t size = request.page_size() > 0 ? request.page_size() : 50;
    for (size_t i = offset; i < items.size() && i < offset + size; ++i) {
      *out->Add() = *items[i];
    }
    if (offset + size < items.size()) *next_page_token = absl::StrCat(offset + size);
    return grpc::Status::OK;
  }

  mutable std::mutex mu_;
  int next_id_ = 1;
  std::map<std::string, Entry> tokens_;
  std::vector<v1::AuditEvent> events_;
  std::vector<Call> calls_;
  std::vector<v1::CreateAccessTokenRequest> creates_;
  std::vector<v1::ListAccessTokensRequest> token_lists_;
  std::vector<v1::ListAuditEventsRequest> audit_lists_;
  std::vector<std::string> revokes_;
};

// The fake on 127.0.0.1:0.
struct FakeServer {
  FakeAccessService service;
  std::unique_ptr<grpc::Server> server;
  std::string address;

  bool Start(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    address = absl::StrCat("127.0.0.1:", port);
    return server != nullptr && port != 0;
  }

  ~FakeServer() {
    if (server != nullptr) server->Shutdown(std::chrono::system_clock::now());
  }
};

std::string Describe(const std::vector<std::string>& args, const CliResult& r) {
  return absl::StrCat("samenspel ", absl::StrJoin(args, " "), "\nexit ", r.exit_code,
                      "\nstdout:\n", r.out, "\nstderr:\n", r.err);
}

class AccessCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.Start(grpc::InsecureServerCredentials()));
    cli_ = std::make_unique<CliRunner>(
        SAMENSPEL_CLI_BINARY,
        std::map<std::string, std::string>{{"SAMENSPEL_REGISTRY", fake_.address},
                                           {"SAMENSPEL_TOKEN", kAdminSecret}});
  }

  FakeAccessService& fake() { return fake_.service; }

  CliResult Run(int expected_exit, const std::vector<std::string>& args) {
    CliResult r = cli_->Run(args, "", absl::Seconds(30));
    EXPECT_EQ(r.exit_code, expected_exit) << Describe(args, r);
    return r;
  }

  Json RunJson(std::vector<std::string> args) {
    args.insert(args.end(), {"-o", "json"});
    CliResult r = Run(0, args);
    Json json = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(json.is_discarded()) << Describe(args, r);
    return json;
  }

  FakeServer fake_;
  std::unique_ptr<CliRunner> cli_;
};

TEST_F(AccessCommandsTest, CreateSendsTheTokenAndPrintsTheSecretOnce) {
  const absl::Time before = absl::Now();
  const Json json =
      RunJson({"tokens", "create", "--organisation", "bzk", "--role", "editor",
               "--description", "woningbouw-portaal BZK", "--expires", "90d"});
  const absl::Time after = absl::Now();

  ASSERT_EQ(fake().creates().size(), 1u);
  const v1::AccessToken sent = fake().creates()[0].access_token();
  EXPECT_EQ(sent.organisation(), "organisations/bzk");
  EXPECT_EQ(sent.role(), v1::ROLE_EDITOR);
  EXPECT_EQ(sent.description(), "woningbouw-portaal BZK");
  const absl::Time expires = TimeOf(sent.expire_time());
  EXPECT_GE(expires,
            absl::FromUnixSeconds(absl::ToUnixSeconds(before)) + absl::Hours(2160));
  EXPECT_LE(expires, after + absl::Hours(2160));
  EXPECT_TRUE(sent.name().empty());

  EXPECT_EQ(json["accessToken"]["name"], "accessTokens/t1");
  EXPECT_EQ(json["accessToken"]["role"], "ROLE_EDITOR");
  EXPECT_EQ(json["accessToken"]["creator"], "bootstrap-admin");
  EXPECT_EQ(json["accessToken"]["state"], "active");
  EXPECT_EQ(json["secret"], "geheim-t1");
  ASSERT_EQ(fake().calls().size(), 1u);
  EXPECT_EQ(fake().calls()[0].authorization, absl::StrCat("Bearer ", kAdminSecret));
}

TEST_F(AccessCommandsTest, CreateTakesAnAbsoluteExpiryAndAFullOrganisationName) {
  const std::vector<std::string> args = {"tokens",         "create",
                                         "--organisation", "organisations/gm0363",
                                         "--role",         "READER",
                                         "--description",  "dashboard Amsterdam",
                                         "--expires",      "2027-03-01T00:00:00Z"};
  const CliResult r = Run(0, args);
  ASSERT_EQ(fake().creates().size(), 1u);
  const v1::AccessToken sent = fake().creates()[0].access_token();
  EXPECT_EQ(sent.organisation(), "organisations/gm0363");
  EXPECT_EQ(sent.role(), v1::ROLE_READER);
  EXPECT_EQ(TimeUtil::ToString(sent.expire_time()), "2027-03-01T00:00:00Z");
  // The table: the token's fields, its state and the secret; the warning on
  // stderr.
  EXPECT_THAT(r.out, HasSubstr("accessTokens/t1"));
  EXPECT_THAT(r.out, HasSubstr("2027-03-01T00:00:00Z"));
  EXPECT_THAT(r.out, HasSubstr("active"));
  EXPECT_THAT(r.out, HasSubstr("secret:"));
  EXPECT_THAT(r.out, HasSubstr("geheim-t1"));
  EXPECT_THAT(r.err, HasSubstr("not shown again"));
}

TEST_F(AccessCommandsTest, SecretFileGetsTheSecretWithMode0600AndIsNeverOverwritten) {
  const std::string path = WriteTempFile("placeholder", "") + ".token";
  const std::vector<std::string> args = {
      "tokens",        "create", "--organisation", "bzk", "--role",        "admin",
      "--description", "beheer", "--expires",      "30d", "--secret-file", path};
  CliResult r = Run(0, args);
  EXPECT_THAT(r.out, Not(HasSubstr("geheim")));
  EXPECT_THAT(r.out, HasSubstr("accessTokens/t1"));
  EXPECT_THAT(r.err, HasSubstr(path));
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  std::ifstream in(path);
  std::string secret;
  std::getline(in, secret);
  EXPECT_EQ(secret, "geheim-t1");

  // Again: refused before any token is created.
  r = Run(2, args);
  EXPECT_THAT(r.err, HasSubstr("--force"));
  EXPECT_EQ(fake().creates().size(), 1u);

  // With --force, replaced; -o json names the file and holds no secret.
  std::vector<std::string> forced = args;
  forced.insert(forced.end(), {"--force", "-o", "json"});
  r = Run(0, forced);
  EXPECT_THAT(r.out, Not(HasSubstr("geheim")));
  const Json json = Json::parse(r.out);
  EXPECT_EQ(json["secretFile"], path);
  EXPECT_FALSE(json.contains("secret"));
  std::ifstream again(path);
  std::getline(again, secret);
  EXPECT_EQ(secret, "geheim-t2");
}

TEST_F(AccessCommandsTest, RejectedFieldsNameTheirFlags) {
  const CliResult r =
      Run(5, {"tokens", "create", "--organisation", "bzk", "--role", "reader",
              "--description", "te lang geldig", "--expires", "400d"});
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT: the registry rejected the request:\n"
                               "  access_token.expire_time: must be at most one year "
                               "ahead (--expires)\n"));
}

TEST_F(AccessCommandsTest, BadFlagsAreUsageErrorsAndSendNothing) {
  const std::vector<std::string> base = {"tokens", "create",        "--organisation",
                                         "bzk",    "--description", "x"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args = base;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  EXPECT_THAT(Run(2, with({"--role", "boss", "--expires", "90d"})).err,
              HasSubstr("READER, EDITOR, ADMIN"));
  EXPECT_THAT(Run(2, with({"--role", "reader", "--expires", "90"})).err,
              HasSubstr("--expires"));
  EXPECT_THAT(Run(2, with({"--role", "reader", "--expires", "2020-01-01T00:00:00Z"})).err,
              HasSubstr("has passed"));
  Run(2, with({"--role", "reader"}));  // --expires is required.
  // --description is required, and an empty one says nothing.
  EXPECT_THAT(Run(2, {"tokens", "create", "--organisation", "bzk", "--role", "reader",
                      "--description", " ", "--expires", "90d"})
                  .err,
              HasSubstr("--description: say what the token is for"));
  EXPECT_THAT(Run(2, {"audit", "list", "--since", "yesterday"}).err,
              HasSubstr("--since"));
  EXPECT_THAT(Run(2, {"audit", "list", "--since", "1h", "--until", "2h"}).err,
              HasSubstr("must be before"));
  EXPECT_TRUE(fake().calls().empty());
}

TEST_F(AccessCommandsTest, ListPagesLikeTheOtherListCommands) {
  for (int i = 0; i < 5; ++i) {
    fake().AddToken(absl::StrCat("a", i),
                    i < 3 ? "organisations/bzk" : "organisations/gm0363",
                    v1::ROLE_READER);
  }
  CliResult page = Run(0, {"tokens", "list", "--page-size", "2"});
  EXPECT_THAT(page.out, HasSubstr("accessTokens/a0"));
  EXPECT_THAT(page.out, HasSubstr("accessTokens/a1"));
  EXPECT_THAT(page.out, Not(HasSubstr("accessTokens/a2")));
  EXPECT_THAT(page.out, HasSubstr("READER"));
  EXPECT_THAT(page.err, HasSubstr("--page-token 2"));

  page = Run(0, {"tokens", "list", "--page-size", "2", "--page-token", "4"});
  EXPECT_THAT(page.out, HasSubstr("accessTokens/a4"));
  EXPECT_EQ(page.err, "");

  const Json all = RunJson({"tokens", "list", "--all", "--page-size", "2"});
  ASSERT_TRUE(all.is_array());
  EXPECT_EQ(all.size(), 5u);
  EXPECT_EQ(all[4]["name"], "accessTokens/a4");
  EXPECT_EQ(all[4]["state"], "active");  // as the table says it

  const Json bzk = RunJson({"tokens", "list", "--organisation", "bzk"});
  EXPECT_EQ(bzk.size(), 3u);
  EXPECT_EQ(fake().token_lists().back().organisation(), "organisations/bzk");
  EXPECT_EQ(fake().token_lists().back().page_size(), 0);  // The registry's default.
}

TEST_F(AccessCommandsTest, RevokeTakesTheIdOrTheName) {
  fake().AddToken("7f3a9c", "organisations/bzk", v1::ROLE_EDITOR);
  CliResult r = Run(0, {"tokens", "revoke", "7f3a9c"});
  EXPECT_THAT(r.out, HasSubstr("revoked"));
  EXPECT_THAT(r.out, HasSubstr("revoke_time"));
  const Json revoked = RunJson({"tokens", "revoke", "accessTokens/7f3a9c"});
  EXPECT_EQ(revoked["state"], "revoked");
  EXPECT_EQ(fake().revokes(),
            (std::vector<std::string>{"accessTokens/7f3a9c", "accessTokens/7f3a9c"}));

  r = Run(3, {"tokens", "revoke", "bestaat-niet"});
  EXPECT_THAT(r.err, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(r.err, HasSubstr("samenspel tokens list"));
}

TEST_F(AccessCommandsTest, WhoamiAndTheHintsForMissingOrWeakCredentials) {
  const std::string reader =
      fake().AddToken("lezer", "organisations/bzk", v1::ROLE_READER);
  CliResult r = Run(0, {"whoami"});
  EXPECT_THAT(r.out, HasSubstr("bootstrap-admin"));
  EXPECT_THAT(r.out, HasSubstr("ADMIN"));

  cli_->SetEnv("SAMENSPEL_TOKEN", reader);
  const Json json = RunJson({"whoami"});
  EXPECT_EQ(json["subject"], "accessTokens/lezer");
  EXPECT_EQ(json["organisation"], "organisations/bzk");
  EXPECT_EQ(json["role"], "ROLE_READER");
  // A reader may not list tokens.
  r = Run(7, {"tokens", "list"});
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(r.err, HasSubstr("samenspel whoami"));

  // The token from --token-file wins over SAMENSPEL_TOKEN.
  Run(0, {"--token-file", WriteTempFile("token", absl::StrCat(kAdminSecret, "\n")),
          "tokens", "list"});
  EXPECT_EQ(fake().calls().back().authorization, absl::StrCat("Bearer ", kAdminSecret));

  cli_->SetEnv("SAMENSPEL_TOKEN", "");
  r = Run(7, {"audit", "list"});
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(
      r.err, HasSubstr("the registry requires a token: --token-file or SAMENSPEL_TOKEN"));
  EXPECT_EQ(fake().calls().back().authorization, "");

  cli_->SetEnv("SAMENSPEL_TOKEN", "verkeerd");
  r = Run(7, {"whoami"});
  EXPECT_THAT(r.err, HasSubstr("not accepted"));
}

v1::AuditEvent Event(absl::Time time, const std::string& method, bool personal) {
  v1::AuditEvent event;
  *event.mutable_time() = TimestampOf(time);
  event.mutable_principal()->set_subject("accessTokens/7f3a9c");
  event.mutable_principal()->set_organisation("organisations/bzk");
  event.mutable_principal()->set_role(v1::ROLE_EDITOR);
  event.set_method(absl::StrCat("samenspel.registry.v1.RegistryService/", method));
  event.add_resources("experts/jan");
  event.add_organisations("organisations/bzk");
  event.set_code("OK");
  event.set_personal_data(personal);
  event.set_peer("ipv4:10.1.2.3:5555");
  return event;
}

TEST_F(AccessCommandsTest, AuditListSendsTheFiltersAndShowsTheEvents) {
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  fake().AddAuditEvent(Event(now - absl::Minutes(1), "GetExpert", true));
  fake().AddAuditEvent(Event(now - absl::Minutes(2), "UpdateExpert", false));

  const absl::Time before = absl::Now();
  CliResult r = Run(0, {"audit", "list", "--subject", "accessTokens/7f3a9c",
                        "--organisation", "bzk", "--resource", "experts/jan", "--since",
                        "1h", "--until", "2030-01-01T00:00:00Z"});
  ASSERT_EQ(fake().audit_lists().size(), 1u);
  const v1::ListAuditEventsRequest sent = fake().audit_lists()[0];
  EXPECT_EQ(sent.subject(), "accessTokens/7f3a9c");
  EXPECT_EQ(sent.organisation(), "organisations/bzk");
  EXPECT_EQ(sent.resource(), "experts/jan");
  EXPECT_GE(TimeOf(sent.start_time()), before - absl::Hours(1) - absl::Seconds(1));
  EXPECT_LE(TimeOf(sent.start_time()), absl::Now() - absl::Hours(1));
  EXPECT_EQ(TimeUtil::ToString(sent.end_time()), "2030-01-01T00:00:00Z");

  for (const char* column : {"TIME", "SUBJECT", "ROLE", "METHOD", "CODE", "RESOURCES"}) {
    EXPECT_THAT(r.out, HasSubstr(column));
  }
  EXPECT_THAT(r.out, HasSubstr("GetExpert"));
  EXPECT_THAT(r.out, Not(HasSubstr("RegistryService/")));
  EXPECT_THAT(r.out, HasSubstr("EDITOR"));
  EXPECT_THAT(r.out, HasSubstr("yes"));

  const Json json = RunJson({"audit", "list"});
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["method"], "samenspel.registry.v1.RegistryService/GetExpert");
  EXPECT_EQ(json[0]["peer"], "ipv4:10.1.2.3:5555");
  EXPECT_EQ(json[0]["principal"]["subject"], "accessTokens/7f3a9c");
  EXPECT_EQ(json[0]["personalData"], true);
  EXPECT_EQ(json[1]["personalData"], false);
  // No filters given: none sent.
  EXPECT_FALSE(fake().audit_lists().back().has_start_time());
  EXPECT_EQ(fake().audit_lists().back().organisation(), "");
}

TEST_F(AccessCommandsTest, AuditLimitStopsAfterThatManyAcrossPages) {
  const absl::Time now = absl::Now();
  for (int i = 0; i < 7; ++i) {
    fake().AddAuditEvent(Event(now - absl::Minutes(i), absl::StrCat("Op", i), false));
  }
  const Json five = RunJson({"audit", "list", "--limit", "5", "--page-size", "2"});
  ASSERT_EQ(five.size(), 5u);
  EXPECT_EQ(five[4]["method"], "samenspel.registry.v1.RegistryService/Op4");
  std::vector<int> sizes;
  for (const auto& request : fake().audit_lists()) sizes.push_back(request.page_size());
  EXPECT_EQ(sizes, (std::vector<int>{2, 2, 1}));  // Never past the limit.

  CliResult r = Run(0, {"audit", "list", "--limit", "3"});
  EXPECT_THAT(r.err, HasSubstr("--page-token 3"));
  EXPECT_EQ(
      Json::parse(RunJson({"audit", "list", "--all", "--page-size", "3"}).dump()).size(),
      7u);
}

// mTLS: a client certificate made by openssl for a CA of this test.
class AccessCommandsTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("openssl version > /dev/null 2>&1") != 0) {
      GTEST_SKIP() << "no openssl command to make test certificates";
    }
    dir_ = WriteTempFile("placeholder", "") + ".d";
    const std::string script = absl::StrCat(
        "set -e; mkdir -p ", dir_, "; cd ", dir_, "\n",
        "key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $1; "
        "}\n"
        "key ca.key; key server.key; key client.key\n"
        "openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj '/CN=Test CA'\n"
        "openssl req -new -key server.key -out server.csr -subj '/CN=localhost'\n"
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext\n"
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile server.ext\n"
        "openssl req -new -key client.key -out client.csr "
        "-subj '/CN=bzk-portaal/serialNumber=00000001003214345000'\n"
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out client.pem -days 2\n");
    ASSERT_EQ(std::system(absl::StrCat("(", script, ") > ", dir_, ".log 2>&1").c_str()),
              0)
        << "see " << dir_ << ".log";
    grpc::SslServerCredentialsOptions ssl(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = Read("ca.pem");
    ssl.pem_key_cert_pairs.push_back({Read("server.key"), Read("server.pem")});
    ASSERT_TRUE(fake_.Start(grpc::SslServerCredentials(ssl)));
    cli_ = std::make_unique<CliRunner>(
        SAMENSPEL_CLI_BINARY,
        std::map<std::string, std::string>{{"SAMENSPEL_REGISTRY", fake_.address}});
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string dir_;
  FakeServer fake_;
  std::unique_ptr<CliRunner> cli_;
};

TEST_F(AccessCommandsTlsTest, TheClientCertificateIdentifiesTheCaller) {
  const std::vector<std::string> args = {
      "--ca-file",        Path("ca.pem"), "--cert-file",
      Path("client.pem"), "--key-file",   Path("client.key"),
      "whoami",           "-o",           "json"};
  const CliResult r = cli_->Run(args, "", absl::Seconds(30));
  ASSERT_EQ(r.exit_code, 0) << Describe(args, r);
  EXPECT_EQ(Json::parse(r.out)["subject"], "x509/bzk-portaal");
  EXPECT_EQ(fake_.service.calls().back().authorization, "");
}

TEST_F(AccessCommandsTlsTest, WithoutTheCertificateTheHandshakeFails) {
  const std::vector<std::string> args = {"--ca-file", Path("ca.pem"), "--timeout", "5s",
                                         "whoami"};
  const CliResult r = cli_->Run(args, "", absl::Seconds(30));
  EXPECT_EQ(r.exit_code, 6) << Describe(args, r);
  EXPECT_TRUE(fake_.service.calls().empty());
}

TEST_F(AccessCommandsTlsTest, CertificateFlagsAreCheckedBeforeAnyCall) {
  auto run = [&](const std::vector<std::string>& args) {
    const CliResult r = cli_->Run(args, "", absl::Seconds(30));
    EXPECT_EQ(r.exit_code, 2) << Describe(args, r);
    return r.err;
  };
  EXPECT_THAT(
      run({"--cert-file", Path("client.pem"), "--ca-file", Path("ca.pem"), "whoami"}),
      HasSubstr("--key-file"));
  EXPECT_THAT(run({"--cert-file", Path("client.pem"), "--key-file", Path("client.key"),
                   "whoami"}),
              HasSubstr("--ca-file"));
  EXPECT_THAT(run({"--ca-file", Path("ca.pem"), "--cert-file", Path("client.key"),
                   "--key-file", Path("client.key"), "whoami"}),
              HasSubstr("no PEM certificate"));
  EXPECT_TRUE(fake_.service.calls().empty());
}

}  // namespace
}  // namespace samenspel::cli::test
