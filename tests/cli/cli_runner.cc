#include "tests/cli/cli_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace samenspel::cli::test {
namespace {

// The test program's files; removed when the program exits.
const std::string& TempDir() {
  static const test_support::TempDir dir("samenspel-cli-test");
  return dir.path();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string WriteTempFile(const std::string& name, const std::string& text) {
  static int counter = 0;
  const std::string dir = absl::StrCat(TempDir(), "/", ++counter);
  mkdir(dir.c_str(), 0700);
  const std::string path = absl::StrCat(dir, "/", name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

CliResult CliRunner::Run(const std::vector<std::string>& args, const std::string& input,
                         absl::Duration timeout) const {
  const std::string in_path = WriteTempFile("stdin", input);
  const std::string out_path = WriteTempFile("stdout", "");
  const std::string err_path = WriteTempFile("stderr", "");

  std::vector<std::string> argv_strings = {binary_};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!absl::StartsWith(*e, "SAMENSPEL_")) env_strings.emplace_back(*e);
  }
  for (const auto& [name, value] : env_)
    env_strings.push_back(absl::StrCat(name, "=", value));
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_TRUNC, 0);
  pid_t pid;
  CliResult result;
  const int spawned =
      posix_spawn(&pid, binary_.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    result.err = absl::StrCat("posix_spawn ", binary_, ": ", std::strerror(spawned));
    return result;
  }
  int status = 0;
  const bool exited = test_support::WaitUntil(
      [&] { return waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  result.exit_code = exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadAll(out_path);
  result.err = ReadAll(err_path);
  if (!exited)
    absl::StrAppend(&result.err, "\n[killed after ", absl::FormatDuration(timeout), "]");
  return result;
}

}  // namespace samenspel::cli::test
