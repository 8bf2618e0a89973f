// import and export: bulk records in JSON Lines or CSV (records.h), through
// the registry's API, never around it.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/commands.h"
#include "cli/commands/field_flags.h"
#include "cli/commands/registry_client.h"
#include "cli/core/importer.h"
#include "cli/core/progress.h"
#include "cli/core/records.h"
#include "common/status_macros.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
using google::protobuf::Message;

// ImportTarget over the registry's gRPC API.
class GrpcImportTarget : public ImportTarget {
 public:
  explicit GrpcImportTarget(RegistryClient* client) : client_(client) {}

  absl::StatusOr<int64_t> CurrentRevision(Kind kind) override {
    std::unique_ptr<Message> request = RegistryClient::NewListRequest(kind);
    request->GetReflection()->SetInt32(
        request.get(), request->GetDescriptor()->FindFieldByName("page_size"), 1);
    SAMENSPEL_ASSIGN_OR_RETURN(RegistryClient::Page page, client_->List(kind, *request));
    return page.revision;
  }

  absl::StatusOr<int64_t> Create(Kind kind, const ImportItem& item) override {
    SAMENSPEL_ASSIGN_OR_RETURN(
        std::unique_ptr<Message> created,
        client_->Create(kind, *item.resource, item.id, item.request_id));
    return RevisionOf(*created);
  }

  absl::StatusOr<std::vector<int64_t>> BatchCreateExperts(
      absl::Span<const ImportItem* const> items) override {
    v1::BatchCreateExpertsRequest request;
    for (const ImportItem* item : items) {
      v1::CreateExpertRequest* create = request.add_requests();
      create->mutable_expert()->CopyFrom(*item->resource);
      create->set_expert_id(item->id);
      create->set_request_id(item->request_id);
    }
    SAMENSPEL_ASSIGN_OR_RETURN(v1::BatchCreateExpertsResponse response,
                               client_->BatchCreateExperts(request));
    std::vector<int64_t> revisions;
    for (const v1::Expert& expert : response.experts())
      revisions.push_back(expert.revision());
    return revisions;
  }

  absl::StatusOr<std::unique_ptr<Message>> Get(Kind kind,
                                               const std::string& id) override {
    return client_->Get(kind, QualifiedName(InfoFor(kind), id));
  }

 private:
  RegistryClient* client_;
};

const char kKindHelp[] = "organisations, experts, teams or challenges";

absl::StatusOr<Kind> ParseKind(const std::string& text) {
  absl::StatusOr<Kind> kind = KindFromCollection(text);
  if (!kind.ok()) return UsageError(kind.status().message());
  return kind;
}

struct ImportState {
  std::string kind;
  std::string file;
  std::string format;
  int batch_size = 500;
  bool no_progress = false;
};

absl::Status RunImport(CommandContext& context, const ImportState& state) {
  SAMENSPEL_ASSIGN_OR_RETURN(Kind kind, ParseKind(state.kind));
  const bool from_stdin = state.file == "-";
  Format format;
  if (!state.format.empty()) {
    SAMENSPEL_ASSIGN_OR_RETURN(format, ParseFormat(state.format));
  } else if (from_stdin) {
    return UsageError("reading from stdin: add --format jsonl or --format csv");
  } else {
    SAMENSPEL_ASSIGN_OR_RETURN(format, FormatFromPath(state.file));
  }
  if (state.batch_size < 1 || state.batch_size > 1000) {
    return UsageError("--batch-size must be between 1 and 1000");
  }
  std::ifstream file;
  int64_t size = 0;
  if (!from_stdin) {
    // (A directory opens as a file here, and reads as an empty one.)
    std::error_code error;
    if (std::filesystem::is_directory(state.file, error)) {
      return UsageError(absl::StrCat("cannot read ", state.file, ": it is a directory"));
    }
    file.open(state.file, std::ios::binary | std::ios::ate);
    if (!file) return UsageError(absl::StrCat("cannot read ", state.file));
    size = static_cast<int64_t>(file.tellg());
    file.seekg(0);
  }
  std::istream& in = from_stdin ? std::cin : file;
  SAMENSPEL_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader,
                             NewRecordReader(kind, format, &in));
  SAMENSPEL_ASSIGN_OR_RETURN(Connection * connection, context.connection());
  RegistryClient client(connection);
  GrpcImportTarget target(&client);

  const std::string source = from_stdin ? "stdin" : state.file;
  ProgressBar progress(std::string(InfoFor(kind).collection), size, stderr,
                       !state.no_progress && isatty(STDERR_FILENO));
  std::vector<LineError> errors;
  ImportOptions options;
  options.batch_size = state.batch_size;
  options.on_error = [&](const LineError& e) {
    // file:line: like a compiler, so editors can jump to it.
    progress.Clear();
    std::cerr << source << ":" << e.line << ": "
              << (e.field.empty() ? "" : e.field + ": ") << e.reason << "\n";
    errors.push_back(e);
  };
  options.on_progress = [&](const ImportProgress& p) {
    progress.Update(p.records, p.bytes);
  };
  const ImportSummary summary = Import(kind, *reader, target, options);
  progress.Finish();

  nlohmann::ordered_json errors_json = nlohmann::ordered_json::array();
  for (const LineError& e : errors) {
    errors_json.push_back({{"line", e.line}, {"field", e.field}, {"reason", e.reason}});
  }
  const nlohmann::ordered_json document = {
      {"kind", InfoFor(kind).collection},
      {"source", source},
      {"read", summary.read},
      {"created", summary.created},
      {"skipped", summary.skipped},
      {"failed", summary.failed},
      {"errors", errors_json},
      {"complete", summary.stopped.ok()},
  };
  context.output().Document(
      document, absl::StrCat(InfoFor(kind).collection, ": ", summary.read, " read, ",
                             summary.created, " created, ", summary.skipped,
                             " skipped (already there), ", summary.failed, " failed\n"));
  if (!summary.stopped.ok()) {
    std::cerr << "samenspel: the import stopped after " << summary.read
              << " records; run the same command again to go on (what was imported is "
                 "skipped)\n";
    return summary.stopped;
  }
  if (summary.failed > 0) context.set_exit_code(ExitCode::kPartialImport);
  return absl::OkStatus();
}

void AddImport(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand("import",
                                         "Create resources from a JSON Lines or CSV "
                                         "file; bad lines are reported and skipped, "
                                         "re-running creates nothing twice, and an "
                                         "existing record is never changed (one with "
                                         "other content fails)");
  command->group("Bulk");
  auto state = std::make_shared<ImportState>();
  command->add_option("kind", state->kind, kKindHelp)->required();
  command->add_option("file", state->file, "The file to import, or - for stdin")
      ->required();
  command->add_option("--format", state->format,
                      "jsonl or csv (default: from the file's extension)");
  command
      ->add_option("--batch-size", state->batch_size,
                   "Experts per BatchCreateExperts call (1..1000)")
      ->capture_default_str();
  command->add_flag("--no-progress", state->no_progress,
                    "No progress line (it is only shown on a terminal anyway)");
  command->footer(
      "\nImport organisations first, then experts, challenges and teams (they refer to\n"
      "each other). CSV columns: see cli/README.md or `samenspel export KIND --format "
      "csv`.\n"
      "Exit code 8 when some records failed; each is reported as FILE:LINE: field: "
      "reason.\n"
      "\nExamples:\n"
      "  samenspel import organisations organisations.csv\n"
      "  samenspel import experts experts.jsonl\n"
      "  samenspel export experts | samenspel --registry other:50051 import experts - "
      "--format jsonl\n");
  command->callback([&context, state] {
    context.Run(Service::kRegistry, nullptr, [&] { return RunImport(context, *state); });
  });
}

struct ExportState {
  std::string format;
  std::string output;
  std::unique_ptr<FieldFlags> filters;
};

absl::Status RunExport(CommandContext& context, Kind kind, const ExportState& state) {
  const KindInfo& info = InfoFor(kind);
  Format format = Format::kJsonl;
  if (!state.format.empty()) {
    SAMENSPEL_ASSIGN_OR_RETURN(format, ParseFormat(state.format));
  } else if (!state.output.empty()) {
    SAMENSPEL_ASSIGN_OR_RETURN(format, FormatFromPath(state.output));
  }
  std::unique_ptr<Message> request = RegistryClient::NewListRequest(kind);
  SAMENSPEL_RETURN_IF_ERROR(state.filters->Apply(*request, nullptr));
  SAMENSPEL_ASSIGN_OR_RETURN(Connection * connection, context.connection());
  RegistryClient client(connection);
  // Write to a temporary file and rename it at the end, so a failed export
  // leaves no half file behind.
  const std::string temporary = absl::StrCat(state.output, ".partial");
  std::ofstream file;
  if (!state.output.empty()) {
    file.open(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return UsageError(absl::StrCat("-o: cannot write ", temporary));
    // Experts are personal data (AVG): readable by the exporting user only,
    // whatever the umask; chmod it to share.
    ::chmod(temporary.c_str(), S_IRUSR | S_IWUSR);
  }
  std::ostream& out = state.output.empty() ? std::cout : file;
  RecordWriter writer(kind, format, &out);
  int64_t count = 0;
  absl::StatusOr<int64_t> revision =
      client.ListAll(kind, *request, 1000, [&](std::unique_ptr<Message> resource) {
        writer.Write(*resource);
        ++count;
        return out ? absl::OkStatus() : absl::DataLossError("writing the output failed");
      });
  absl::Status status = revision.status();
  for (const std::string& warning : writer.warnings()) {
    std::cerr << "samenspel: warning: " << warning << "\n";
  }
  if (state.output.empty()) {
    if (status.ok()) SayAsOfRevision(*revision);
    return status;
  }
  file.close();
  if (status.ok() && !file) status = absl::DataLossError("writing the output failed");
  if (!status.ok()) {
    std::remove(temporary.c_str());
    return status;
  }
  if (std::rename(temporary.c_str(), state.output.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", temporary, " to ", state.output));
  }
  std::cerr << "samenspel: exported " << count << " " << info.collection << " to "
            << state.output << "\n";
  SayAsOfRevision(*revision);
  return absl::OkStatus();
}

void AddExport(CLI::App& app, CommandContext& context) {
  CLI::App* group = app.add_subcommand(
      "export",
      "Write every resource of a kind (all pages) as JSON Lines or CSV, in the "
      "form import reads");
  group->group("Bulk");
  group->require_subcommand(1);
  for (Kind kind : AllKinds()) {
    const KindInfo& info = InfoFor(kind);
    CLI::App* command = group->add_subcommand(std::string(info.collection),
                                              absl::StrCat("Export ", info.collection));
    auto state = std::make_shared<ExportState>();
    command->add_option("--format", state->format,
                        "jsonl or csv (default: from -o's extension, else jsonl)");
    command->add_option("-o,--output", state->output,
                        "Write to this file instead of stdout");
    state->filters = std::make_unique<FieldFlags>(
        *command,
        FilterFlagSpecs(*RegistryClient::NewListRequest(kind)->GetDescriptor(),
                        info.collection),
        "Filters");
    command->footer(absl::StrCat("\nExamples:\n  samenspel export ", info.collection,
                                 " -o ", info.collection, ".jsonl\n  samenspel export ",
                                 info.collection, " --format csv > ", info.collection,
                                 ".csv\n"));
    command->callback([&context, state, kind] {
      context.Run(Service::kRegistry, &InfoFor(kind),
                  [&] { return RunExport(context, kind, *state); });
    });
  }
}

}  // namespace

void AddTransferCommands(CLI::App& app, CommandContext& context) {
  AddImport(app, context);
  AddExport(app, context);
}

}  // namespace samenspel::cli
