// Runs the samenspel CLI binary as a child process and captures what it
// prints and how it exits, for tests that drive it like a user would.
//
// Example:
//   CliRunner cli(SAMENSPEL_CLI_BINARY, {{"SAMENSPEL_REGISTRY", registry->address()}});
//   CliResult r = cli.Run({"experts", "get", "jan", "-o", "json"});
//   EXPECT_EQ(r.exit_code, 0) << r.err;
#ifndef SAMENSPEL_TESTS_CLI_CLI_RUNNER_H_
#define SAMENSPEL_TESTS_CLI_CLI_RUNNER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace samenspel::cli::test {

struct CliResult {
  // The exit status, or -1 when the process was killed (timeout, signal).
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Thread-compatible.
class CliRunner {
 public:
  // `env` is added to the test's environment, from which every SAMENSPEL_*
  // variable is removed first (so the caller's shell cannot leak in).
  CliRunner(std::string binary, std::map<std::string, std::string> env)
      : binary_(std::move(binary)), env_(std::move(env)) {}

  void SetEnv(const std::string& name, const std::string& value) { env_[name] = value; }

  // Runs the CLI with `args`, `input` on its stdin; kills it after `timeout`.
  CliResult Run(const std::vector<std::string>& args, const std::string& input = "",
                absl::Duration timeout = absl::Seconds(60)) const;

 private:
  std::string binary_;
  std::map<std::string, std::string> env_;
};

// Writes `text` to a new file in a temporary directory that lives as long as
// the test process; returns its path. `name` is the file's base name (its
// extension matters to import).
std::string WriteTempFile(const std::string& name, const std::string& text);

}  // namespace samenspel::cli::test

#endif  // SAMENSPEL_TESTS_CLI_CLI_RUNNER_H_
