// tokens create|list|revoke, whoami and audit list: access control over the
// registry's AccessService (access_service.proto).
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/core/access_output.h"
#include "cli/core/secret_file.h"
#include "cli/core/time_text.h"
#include "common/status_macros.h"
#include "samenspel/registry/v1/access_service.grpc.pb.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
using Stub = v1::AccessService::Stub;

// The AccessService stub over the connection's registry channel.
struct AccessClient {
  const Connection& connection;
  std::unique_ptr<Stub> stub;

  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                             const Request&, Response*),
                                const Request& request) {
    return CallUnary(connection, *stub, method, request);
  }
};

// The flags of the requests' fields, for the registry's field violations.
constexpr FlagOfField kCreateTokenFlags[] = {
    {"access_token.organisation", "organisation"},
    {"access_token.role", "role"},
    {"access_token.description", "description"},
    {"access_token.expire_time", "expires"},
};
constexpr FlagOfField kListFlags[] = {
    {"page_size", "page-size"},
    {"page_token", "page-token"},
    {"organisation", "organisation"},
    {"subject", "subject"},
    {"resource", "resource"},
    {"start_time", "since"},
    {"end_time", "until"},
};

// Runs `body` for a command of `group` ("tokens", "audit") with a client.
template <typename Body>
void RunAccess(CommandContext& context, absl::string_view group,
               absl::Span<const FlagOfField> flags, Body body) {
  context.Run(Service::kRegistry, group, flags, [&]() -> absl::Status {
    SAMENSPEL_ASSIGN_OR_RETURN(Connection * connection, context.connection());
    AccessClient client{
        *connection, v1::AccessService::NewStub(connection->Channel(Service::kRegistry))};
    return body(client);
  });
}

std::string OrganisationName(absl::string_view id_or_name) {
  return QualifiedName(InfoFor(Kind::kOrganisation), id_or_name);
}

// A time flag (--expires, --since, --until); a usage error naming it.
absl::StatusOr<absl::Time> TimeFlag(absl::string_view text, absl::string_view flag,
                                    absl::Time now, TimeDirection direction) {
  absl::StatusOr<absl::Time> time = ParseTimeText(text, now, direction);
  if (!time.ok()) return UsageError(absl::StrCat(flag, ": ", time.status().message()));
  return time;
}

// How much of a list to fetch: one page, every page (--all), or pages until
// --limit items.
struct PageFlags {
  int page_size = 0;
  std::string page_token;
  bool all = false;
  int limit = 0;

  void Add(CLI::App& command, bool with_limit) {
    command.add_option("--page-size", page_size,
                       "Results per page (registry default 50, at most 1000)");
    command.add_option("--page-token", page_token, "Continue from a previous page");
    command.add_flag("--all", all, "Fetch every page");
    if (with_limit) {
      command
          .add_option("--limit", limit,
                      "At most this many, over as many pages as that takes (with or "
                      "without --all)")
          ->check(CLI::PositiveNumber);
    }
  }

  // Calls `list` for page after page, as the flags say, appending the items
  // `items` takes out of each response to `out`. Returns the token of the
  // next page ("" when there is none, or --all fetched them all).
  template <typename Request, typename Item, typename List, typename Items>
  absl::StatusOr<std::string> Fetch(Request request, List list, Items items,
                                    std::vector<Item>& out) const {
    constexpr int kMaxPageSize = 1000;
    request.set_page_token(page_token);
    for (;;) {
      int size = page_size;
      if (limit > 0) {
        // Never more than the rest of the limit, so the next page token
        // points exactly after the last item shown.
        const int rest = limit - static_cast<int>(out.size());
        size = std::min(size > 0 ? size : kMaxPageSize, rest);
      } else if (all && size == 0) {
        size = kMaxPageSize;
      }
      request.set_page_size(size);
      SAMENSPEL_ASSIGN_OR_RETURN(auto response, list(request));
      for (Item& item : *items(response)) out.push_back(std::move(item));
      const std::string& next = response.next_page_token();
      const bool more_wanted = limit > 0 ? static_cast<int>(out.size()) < limit : all;
      if (next.empty() || !more_wanted) return next;
      request.set_page_token(next);
    }
  }
};

void SayMoreFollow(absl::string_view what, const std::string& next_page_token) {
  if (next_page_token.empty()) return;
  std::cerr << "samenspel: more " << what << " follow: add --page-token "
            << next_page_token << " (or --all)\n";
}

template <typename Item>
nlohmann::ordered_json JsonArray(const std::vector<Item>& items) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const Item& item : items) array.push_back(ToJson(item));
  return array;
}

// A token as JSON, with the state the table shows (active, expired,
// revoked), which a script would otherwise work out from the times.
nlohmann::ordered_json TokenJson(const v1::AccessToken& token, absl::Time now) {
  nlohmann::ordered_json json = ToJson(token);
  json["state"] = TokenState(token, now);
  return json;
}

// tokens create

struct CreateTokenState {
  std::string organisation;
  std::string role;
  std::string description;
  std::string expires;
  std::string secret_file;
  bool force = false;
};

absl::Status CreateToken(CommandContext& context, AccessClient& client,
                         const CreateTokenState& state) {
  const absl::Time now = absl::Now();
  v1::CreateAccessTokenRequest request;
  v1::AccessToken& token = *request.mutable_access_token();
  token.set_organisation(OrganisationName(state.organisation));
  absl::StatusOr<v1::Role> role = ParseRole(state.role);
  if (!role.ok()) return UsageError(absl::StrCat("--role: ", role.status().message()));
  token.set_role(*role);
  // Required, so that tokens list and the audit log say what each is for.
  if (absl::StripAsciiWhitespace(state.description).empty()) {
    return UsageError(
        "--description: say what the token is for (\"woningbouw-portaal BZK\")");
  }
  token.set_description(state.description);
  SAMENSPEL_ASSIGN_OR_RETURN(absl::Time expires, TimeFlag(state.expires, "--expires", now,
                                                          TimeDirection::kAhead));
  if (expires <= now) {
    return UsageError(absl::StrCat("--expires: ", FormatUtcTime(expires),
                                   " has passed; give a later time or a duration (90d)"));
  }
  *token.mutable_expire_time() = ToTimestamp(expires);

  // Before the token exists: a bad path must not cost a secret.
  std::unique_ptr<SecretFile> secret_file;
  if (!state.secret_file.empty()) {
    absl::StatusOr<std::unique_ptr<SecretFile>> prepared =
        SecretFile::Prepare(state.secret_file, state.force);
    if (!prepared.ok()) {
      return UsageError(absl::StrCat("--secret-file: ", prepared.status().message()));
    }
    secret_file = *std::move(prepared);
  }

  SAMENSPEL_ASSIGN_OR_RETURN(v1::CreateAccessTokenResponse response,
                             client.Call(&Stub::CreateAccessToken, request));
  const v1::AccessToken& created = response.access_token();
  nlohmann::ordered_json document = ToJson(response);
  document["accessToken"] = TokenJson(created, now);
  if (secret_file == nullptr) {
    context.output().Document(
        document, DescribeMessage(created, {{"state", TokenState(created, now)},
                                            {"secret", response.secret()}}));
    std::cerr << "samenspel: store the secret now (in the agency's secret store): it is "
                 "not shown again\n";
    return absl::OkStatus();
  }
  if (absl::Status written = secret_file->Commit(response.secret()); !written.ok()) {
    return absl::Status(
        written.code(),
        absl::StrCat("the token ", created.name(),
                     " was created, but its secret could not be written (",
                     written.message(), "). The secret is lost: revoke the token (",
                     "samenspel tokens revoke ", created.name(), ") and create another"));
  }
  document.erase("secret");
  document["secretFile"] = secret_file->path();
  context.output().Document(document, DescribeToken(created, now));
  std::cerr << "samenspel: the secret is in " << secret_file->path()
            << " (mode 0600); it is not shown again\n";
  return absl::OkStatus();
}

void AddTokensCreate(CLI::App& group, CommandContext& context) {
  CLI::App* command = group.add_subcommand(
      "create",
      "Issue an access token for an organisation; prints its secret once (or writes it "
      "to --secret-file)");
  auto state = std::make_shared<CreateTokenState>();
  command
      ->add_option("--organisation", state->organisation,
                   "The organisation the token acts for: organisations/ID or ID")
      ->required();
  command
      ->add_option("--role", state->role,
                   "reader (match, read), editor (also write its own organisation's "
                   "records) or admin (everything)")
      ->required();
  command
      ->add_option("--description", state->description,
                   "What the token is for (\"woningbouw-portaal BZK\"), at most 200 "
                   "characters")
      ->required();
  command
      ->add_option("--expires", state->expires,
                   "When it stops working: a duration from now (90d, 2w, 12h) or a time "
                   "(2027-03-01T00:00:00Z, 2027-03-01); at most one year ahead")
      ->required();
  command->add_option("--secret-file", state->secret_file,
                      "Write the secret to this new file (mode 0600) instead of printing "
                      "it");
  command->add_flag("--force", state->force,
                    "With --secret-file: replace the file if it exists (a regular "
                    "file only; never a symlink, FIFO or device)");
  command->footer(ExamplesFooter({
      "samenspel tokens create --organisation bzk --role editor \\",
      "    --description \"woningbouw-portaal BZK\" --expires 90d --secret-file "
      "bzk.token",
      "samenspel tokens create --organisation organisations/gm0363 --role reader \\",
      "    --description \"dashboard Amsterdam\" --expires 2027-03-01T00:00:00Z -o json",
  }));
  command->callback([&context, state] {
    RunAccess(context, "tokens", kCreateTokenFlags,
              [&](AccessClient& client) { return CreateToken(context, client, *state); });
  });
}

// tokens list

struct ListTokensState {
  std::string organisation;
  PageFlags pages;
};

void AddTokensList(CLI::App& group, CommandContext& context) {
  CLI::App* command = group.add_subcommand(
      "list",
      "List access tokens (never their secrets), one page (--all: every page). With -o "
      "json: one JSON array");
  auto state = std::make_shared<ListTokensState>();
  command->add_option("--organisation", state->organisation,
                      "Only this organisation's tokens: organisations/ID or ID");
  state->pages.Add(*command, /*with_limit=*/false);
  command->footer(ExamplesFooter({
      "samenspel tokens list",
      "samenspel tokens list --organisation bzk --all -o json",
  }));
  command->callback([&context, state] {
    RunAccess(context, "tokens", kListFlags, [&](AccessClient& client) -> absl::Status {
      v1::ListAccessTokensRequest request;
      if (!state->organisation.empty()) {
        request.set_organisation(OrganisationName(state->organisation));
      }
      std::vector<v1::AccessToken> tokens;
      SAMENSPEL_ASSIGN_OR_RETURN(
          std::string next,
          state->pages.Fetch(
              request,
              [&](const v1::ListAccessTokensRequest& r) {
                return client.Call(&Stub::ListAccessTokens, r);
              },
              [](v1::ListAccessTokensResponse& r) { return r.mutable_access_tokens(); },
              tokens));
      const absl::Time now = absl::Now();
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (const v1::AccessToken& token : tokens) array.push_back(TokenJson(token, now));
      context.output().Document(array, TokenTable(tokens, now));
      SayMoreFollow("tokens", next);
      return absl::OkStatus();
    });
  });
}

// tokens revoke

void AddTokensRevoke(CLI::App& group, CommandContext& context) {
  CLI::App* command =
      group.add_subcommand("revoke", "Revoke an access token: it stops working at once");
  auto name = std::make_shared<std::string>();
  command->add_option("name", *name, "accessTokens/ID or ID")->required();
  command->footer(ExamplesFooter({
      "samenspel tokens revoke 7f3a9c",
      "samenspel tokens revoke accessTokens/7f3a9c -o json",
  }));
  command->callback([&context, name] {
    RunAccess(context, "tokens", {}, [&](AccessClient& client) -> absl::Status {
      v1::RevokeAccessTokenRequest request;
      request.set_name(AccessTokenName(*name));
      SAMENSPEL_ASSIGN_OR_RETURN(v1::AccessToken token,
                                 client.Call(&Stub::RevokeAccessToken, request));
      const absl::Time now = absl::Now();
      context.output().Document(TokenJson(token, now), DescribeToken(token, now));
      return absl::OkStatus();
    });
  });
}

// whoami

void AddWhoami(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "whoami",
      "Show who the registry takes you for: subject, organisation and role of your "
      "token or client certificate");
  command->group("Access control");
  command->footer(ExamplesFooter({
      "samenspel whoami",
      "SAMENSPEL_TOKEN=$(cat bzk.token) samenspel whoami -o json",
      "samenspel --ca-file ca.pem --cert-file bzk.pem --key-file bzk.key whoami",
  }));
  command->callback([&context] {
    RunAccess(context, "tokens", {}, [&](AccessClient& client) -> absl::Status {
      SAMENSPEL_ASSIGN_OR_RETURN(
          v1::Principal principal,
          client.Call(&Stub::GetCallerIdentity, v1::GetCallerIdentityRequest()));
      context.output().Document(ToJson(principal), DescribeMessage(principal));
      return absl::OkStatus();
    });
  });
}

// audit list

struct AuditState {
  std::string subject;
  std::string organisation;
  std::string resource;
  std::string since;
  std::string until;
  PageFlags pages;
};

absl::Status ListAudit(CommandContext& context, AccessClient& client,
                       const AuditState& state) {
  const absl::Time now = absl::Now();
  v1::ListAuditEventsRequest request;
  request.set_subject(state.subject);
  if (!state.organisation.empty()) {
    request.set_organisation(OrganisationName(state.organisation));
  }
  request.set_resource(state.resource);
  std::optional<absl::Time> since;
  std::optional<absl::Time> until;
  if (!state.since.empty()) {
    SAMENSPEL_ASSIGN_OR_RETURN(
        since, TimeFlag(state.since, "--since", now, TimeDirection::kBack));
    *request.mutable_start_time() = ToTimestamp(*since);
  }
  if (!state.until.empty()) {
    SAMENSPEL_ASSIGN_OR_RETURN(
        until, TimeFlag(state.until, "--until", now, TimeDirection::kBack));
    *request.mutable_end_time() = ToTimestamp(*until);
  }
  if (since.has_value() && until.has_value() && *since >= *until) {
    return UsageError(absl::StrCat("--since (", FormatUtcTime(*since),
                                   ") must be before --until (", FormatUtcTime(*until),
                                   ")"));
  }
  std::vector<v1::AuditEvent> events;
  SAMENSPEL_ASSIGN_OR_RETURN(
      std::string next,
      state.pages.Fetch(
          request,
          [&](const v1::ListAuditEventsRequest& r) {
            return client.Call(&Stub::ListAuditEvents, r);
          },
          [](v1::ListAuditEventsResponse& r) { return r.mutable_audit_events(); },
          events));
  context.output().Document(JsonArray(events), AuditTable(events));
  SayMoreFollow("audit events", next);
  return absl::OkStatus();
}

void AddAudit(CLI::App& app, CommandContext& context) {
  CLI::App* group =
      app.add_subcommand("audit", "Read the registry's audit log (admin only)");
  group->group("Access control");
  group->require_subcommand(1);
  CLI::App* command = group->add_subcommand(
      "list",
      "Audit events, newest first: every write, and every read that returned personal "
      "data. One page (--all: every page; --limit N: N events). With -o json: one JSON "
      "array with every field");
  auto state = std::make_shared<AuditState>();
  command->add_option("--subject", state->subject,
                      "Only calls by this principal: accessTokens/ID, oin/OIN, "
                      "bootstrap-admin (see `samenspel whoami`)");
  command->add_option("--organisation", state->organisation,
                      "Only events touching this organisation: organisations/ID or ID");
  command->add_option("--resource", state->resource,
                      "Only events concerning this resource (experts/jan)");
  command->add_option("--since", state->since,
                      "From this time on: a time (2026-11-01T00:00:00Z, 2026-11-01) or a "
                      "duration ago (1h, 7d)");
  command->add_option("--until", state->until,
                      "Before this time (same forms as --since)");
  state->pages.Add(*command, /*with_limit=*/true);
  command->footer(ExamplesFooter({
      "samenspel audit list --since 1h",
      "samenspel audit list --organisation bzk --since 2026-11-01 --until 2026-12-01 "
      "--all",
      "samenspel audit list --resource experts/jan --limit 20",
      "samenspel audit list --subject accessTokens/7f3a9c --all -o json | jq "
      "'.[] | select(.personalData)'",
  }));
  command->callback([&context, state] {
    RunAccess(context, "audit", kListFlags,
              [&](AccessClient& client) { return ListAudit(context, client, *state); });
  });
}

}  // namespace

void AddAccessCommands(CLI::App& app, CommandContext& context) {
  CLI::App* tokens = app.add_subcommand(
      "tokens", "Issue, list and revoke access tokens for agency systems (admin only)");
  tokens->group("Access control");
  tokens->require_subcommand(1);
  AddTokensCreate(*tokens, context);
  AddTokensList(*tokens, context);
  AddTokensRevoke(*tokens, context);
  AddWhoami(app, context);
  AddAudit(app, context);
}

}  // namespace samenspel::cli
