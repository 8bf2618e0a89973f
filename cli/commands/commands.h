// The CLI's command groups, each added to the root CLI11 app by main.cc.
// Every command runs through CommandContext::Run, so errors and exit codes
// are handled in one place.
//
// Example:
//   CLI::App app("samenspel");
//   CommandContext context(&options);
//   AddResourceCommands(app, context);
//   ...
//   app.parse(argc, argv);
//   return static_cast<int>(context.exit_code());
#ifndef SAMENSPEL_CLI_COMMANDS_COMMANDS_H_
#define SAMENSPEL_CLI_COMMANDS_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "cli/commands/command_context.h"

namespace samenspel::cli {

// organisations|experts|teams|challenges create|get|list|update|delete, and
// teams add-member|remove-member.
void AddResourceCommands(CLI::App& app, CommandContext& context);
// match, suggest-team, similar-teams.
void AddMatchCommands(CLI::App& app, CommandContext& context);
// import, export.
void AddTransferCommands(CLI::App& app, CommandContext& context);
// tokens create|list|revoke, whoami, audit list.
void AddAccessCommands(CLI::App& app, CommandContext& context);
// watch, health, version.
void AddAdminCommands(CLI::App& app, CommandContext& context);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_COMMANDS_COMMANDS_H_
