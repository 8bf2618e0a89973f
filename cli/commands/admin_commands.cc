// watch (the registry's change feed), health (grpc.health.v1 of both
// services) and version.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/commands/registry_client.h"
#include "cli/core/match_output.h"
#include "common/status_macros.h"
#include "grpc/health/v1/health.grpc.pb.h"

#ifndef SAMENSPEL_VERSION
#define SAMENSPEL_VERSION "unknown"
#endif

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
namespace health = ::grpc::health::v1;

struct WatchState {
  int64_t after = 0;
  int64_t count = 0;
  std::string for_duration;
};

absl::Status RunWatch(CommandContext& context, const WatchState& state) {
  if (state.count < 0) {
    return UsageError("--count must be 0 (no limit) or more");
  }
  std::optional<absl::Duration> deadline;
  if (!state.for_duration.empty()) {
    SAMENSPEL_ASSIGN_OR_RETURN(deadline, ParseDurationFlag(state.for_duration, "--for"));
  }
  SAMENSPEL_ASSIGN_OR_RETURN(Connection * connection, context.connection());
  RegistryClient client(connection);
  std::unique_ptr<grpc::ClientContext> call = connection->NewStreamContext(deadline);
  v1::WatchChangesRequest request;
  request.set_after_revision(state.after);
  std::unique_ptr<grpc::ClientReader<v1::Change>> reader =
      client.stub().WatchChanges(call.get(), request);
  Output& out = context.output();
  v1::Change change;
  int64_t seen = 0;
  while ((state.count == 0 || seen < state.count) && reader->Read(&change)) {
    ++seen;
    switch (out.format()) {
      case OutputFormat::kJson:  // JSON Lines: one compact object per change.
        out.stream() << DumpJson(ToJson(change)) << "\n";
        break;
      case OutputFormat::kYaml:
        out.stream() << "---\n" << RenderYaml(ToJson(change));
        break;
      case OutputFormat::kTable:
        out.stream() << RenderChange(change);
        break;
    }
    out.stream().flush();
  }
  if (state.count > 0 && seen >= state.count) {
    call->TryCancel();
    reader->Finish();
    return absl::OkStatus();
  }
  const grpc::Status status = reader->Finish();
  // Stopping at --for is the normal end, unless --count changes were asked
  // for and fewer came: a script waiting for them must not take it as done.
  if (deadline.has_value() &&
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    if (state.count > 0) {
      std::cerr << "samenspel: --for " << state.for_duration << " ran out after " << seen
                << " of " << state.count << " changes\n";
      context.set_exit_code(ExitCode::kUnavailable);
    }
    return absl::OkStatus();
  }
  return FromGrpcStatus(status);
}

void AddWatch(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "watch",
      "Follow the registry's change feed: one line per change (-o json: JSON Lines)");
  command->group("Other");
  auto state = std::make_shared<WatchState>();
  command
      ->add_option("--after", state->after,
                   "Changes after this revision (0: from the start of the retained feed)")
      ->capture_default_str();
  command->add_option("--count", state->count,
                      "Stop after this many changes (0: no limit); with --for, exit 6 "
                      "when fewer came in that time");
  command->add_option("--for", state->for_duration,
                      "Stop after this long (30s, 5m); default: until interrupted. "
                      "--timeout does not apply to watch");
  command->footer(
      "\nExamples:\n"
      "  samenspel watch --after 1200\n"
      "  samenspel watch -o json | jq -c 'select(.type == \"DELETED\")'\n");
  command->callback([&context, state] {
    context.Run(Service::kRegistry, nullptr, [&] { return RunWatch(context, *state); });
  });
}

struct HealthState {
  std::vector<std::string> services;
};

// "SERVING", "NOT_SERVING", ..., or "UNREACHABLE: why".
std::string CheckHealth(const Connection& connection, Service service) {
  auto stub = health::Health::NewStub(connection.Channel(service));
  std::unique_ptr<grpc::ClientContext> call = connection.NewContext();
  health::HealthCheckRequest request;
  health::HealthCheckResponse response;
  const grpc::Status status = stub->Check(call.get(), request, &response);
  if (!status.ok()) return absl::StrCat("UNREACHABLE: ", status.error_message());
  return health::HealthCheckResponse::ServingStatus_Name(response.status());
}

absl::Status RunHealth(CommandContext& context, const HealthState& state) {
  // Health needs no credential: none is sent, so that a plaintext health
  // port (--health_listen) can be checked with a token in the environment.
  SAMENSPEL_ASSIGN_OR_RETURN(Connection * connection,
                             context.connection(/*with_token=*/false));
  std::vector<std::pair<std::string, Service>> services;
  for (const std::string& name : state.services) {
    services.emplace_back(name,
                          name == "matching" ? Service::kMatching : Service::kRegistry);
  }
  if (services.empty()) {
    services = {{"registry", Service::kRegistry}, {"matching", Service::kMatching}};
  }
  nlohmann::ordered_json document = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  bool all_serving = true;
  for (const auto& [name, service] : services) {
    const std::string status = CheckHealth(*connection, service);
    all_serving = all_serving && status == "SERVING";
    document.push_back({{"service", name},
                        {"address", connection->Address(service)},
                        {"status", status}});
    rows.push_back({name, connection->Address(service), status});
  }
  context.output().Document(document,
                            RenderTable({"SERVICE", "ADDRESS", "STATUS"}, rows, 160));
  if (!all_serving) context.set_exit_code(ExitCode::kUnavailable);
  return absl::OkStatus();
}

void AddHealth(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "health",
      "Ask both services (or the ones named) whether they serve (grpc.health.v1); "
      "exit 6 unless all do");
  command->group("Other");
  auto state = std::make_shared<HealthState>();
  command
      ->add_option("service", state->services, "registry and/or matching (default: both)")
      ->check(CLI::IsMember({"registry", "matching"}));
  command->footer(
      "\nExamples:\n  samenspel health\n  samenspel health matching -o json\n");
  command->callback([&context, state] {
    context.Run(Service::kNone, nullptr, [&] { return RunHealth(context, *state); });
  });
}

void AddVersion(CLI::App& app, CommandContext& context) {
  CLI::App* command =
      app.add_subcommand("version", "Show the CLI's version and API versions");
  command->group("Other");
  command->callback([&context] {
    context.Run(Service::kNone, nullptr, [&] {
      const nlohmann::ordered_json document = {
          {"version", SAMENSPEL_VERSION},
          {"apis", {"samenspel.registry.v1", "samenspel.matching.v1"}}};
      context.output().Document(
          document,
          absl::StrCat("samenspel ", SAMENSPEL_VERSION,
                       " (API samenspel.registry.v1, samenspel.matching.v1)\n"));
      return absl::OkStatus();
    });
  });
}

}  // namespace

void AddAdminCommands(CLI::App& app, CommandContext& context) {
  AddWatch(app, context);
  AddHealth(app, context);
  AddVersion(app, context);
}

}  // namespace samenspel::cli
