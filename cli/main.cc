// samenspel: the Samenspel admin CLI. Global flags -> GlobalOptions, the
// command groups from cli/commands, parse, and the exit code (cli/README.md).
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/command_context.h"
#include "cli/commands/commands.h"

namespace {

constexpr char kFooter[] = R"(
Environment:
  SAMENSPEL_REGISTRY, SAMENSPEL_MATCHING  addresses (when the flags are absent)
  SAMENSPEL_TOKEN                         bearer token (unless --token-file)

Exit codes:
  0 ok                    5 invalid argument (rejected by the service)
  1 other error           6 unavailable or deadline exceeded
  2 usage (command line)  7 unauthenticated or permission denied
  3 not found             8 import finished, but some records failed
  4 conflict (already exists, etag mismatch, failed precondition)

Examples:
  samenspel organisations create --id bzk --display-name "Ministerie van BZK" --layer national
  samenspel experts list --theme wonen -o json
  samenspel import experts experts.csv
  samenspel match --challenge huisvesting --top 5
  samenspel tokens create --organisation bzk --role editor --description portaal --expires 90d
  samenspel audit list --since 1h
  samenspel health

Run `samenspel COMMAND --help` for a command's flags and examples.
)";

}  // namespace

int main(int argc, char** argv) {
  samenspel::cli::GlobalOptions options;
  CLI::App app(
      "The Samenspel admin CLI: register organisations, experts, task teams and "
      "challenges, "
      "import and export them, and match experts and teams to challenges.",
      "samenspel");
  // Global flags may also follow the command (`samenspel experts list -o json`).
  app.fallthrough();
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every command");
  app.add_option("--registry", options.registry, "Registry address host:port")
      ->envname("SAMENSPEL_REGISTRY")
      ->capture_default_str()
      ->group("Global");
  app.add_option("--matching", options.matching, "Matching service address host:port")
      ->envname("SAMENSPEL_MATCHING")
      ->capture_default_str()
      ->group("Global");
  app.add_option("-o,--output", options.output,
                 "Output: table (for people), json (one document; lists are an array) or "
                 "yaml")
      ->capture_default_str()
      ->group("Global");
  app.add_option("--timeout", options.timeout, "Deadline of each call (30s, 500ms, 2m)")
      ->capture_default_str()
      ->group("Global");
  app.add_option("--ca-file", options.ca_file,
                 "PEM CA bundle: use TLS to both services (plaintext without)")
      ->group("Global");
  app.add_option("--cert-file", options.cert_file,
                 "PEM client certificate (chain) for mTLS, e.g. the agency's "
                 "PKIoverheid certificate; with --key-file and --ca-file")
      ->group("Global");
  app.add_option("--key-file", options.key_file, "PEM private key of --cert-file")
      ->group("Global");
  app.add_option("--token-file", options.token_file,
                 "File with the bearer token (default: SAMENSPEL_TOKEN), sent as "
                 "'authorization: Bearer ...'")
      ->group("Global");
  app.add_flag("--plaintext-token", options.plaintext_token,
               "Send the token without TLS to a service that is not on this machine "
               "(refused otherwise: anyone on the network could read it)")
      ->group("Global");
  app.footer(kFooter);

  samenspel::cli::CommandContext context(&options);
  samenspel::cli::AddResourceCommands(app, context);
  samenspel::cli::AddMatchCommands(app, context);
  samenspel::cli::AddTransferCommands(app, context);
  samenspel::cli::AddAccessCommands(app, context);
  samenspel::cli::AddAdminCommands(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A word that is no command where a command was due: say which word, and
    // what the commands there are (CLI11 says only "A subcommand is required").
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
      const CLI::App* at = &app;
      std::string where = "samenspel";
      while (!at->get_subcommands().empty()) {
        at = at->get_subcommands().front();
        absl::StrAppend(&where, " ", at->get_name());
      }
      std::vector<std::string> names;
      for (const CLI::App* sub : at->get_subcommands({}))
        names.push_back(sub->get_name());
      // Words no subcommand took go back to the top.
      const std::vector<std::string> rest = app.remaining();
      const bool unknown =
          !rest.empty() && !rest.front().empty() && rest.front()[0] != '-';
      // Only where commands are due: a command missing one of its own
      // options or arguments is CLI11's to say ("file is required"); it
      // was "needs a command; the commands are: " with none.
      if (!names.empty() && (unknown || rest.empty())) {
        if (unknown) {
          std::cerr << "samenspel: unknown command \"" << rest.front() << "\" for `"
                    << where << "`";
        } else {
          std::cerr << "samenspel: `" << where << "` needs a command";
        }
        std::cerr << "; the commands are: " << absl::StrJoin(names, ", ") << "\n  (run `"
                  << where << " --help` for their usage)\n";
        return static_cast<int>(samenspel::cli::ExitCode::kUsage);
      }
    }
    // --help and --help-all: CLI11 prints the help (exit 0).
    if (e.get_exit_code() == 0) return app.exit(e);
    // Every problem is a usage error, said as our other errors are (CLI11
    // printed a bare "name is required", without "samenspel:" or which
    // command's help to read).
    std::string where = "samenspel";
    for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
      at = at->get_subcommands().front();
      absl::StrAppend(&where, " ", at->get_name());
    }
    std::cerr << "samenspel: " << e.what() << "\n  (run `" << where
              << " --help` for its usage)\n";
    return static_cast<int>(samenspel::cli::ExitCode::kUsage);
  }
  return static_cast<int>(context.exit_code());
}
