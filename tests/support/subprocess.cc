#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/support/temp_dir.h"

namespace samenspel::test_support {
namespace {

absl::Status ErrnoStatus(absl::string_view what, int error) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(error)));
}

// argv[0] as an executable path, searched in PATH when it has no '/'.
absl::StatusOr<std::string> FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) == 0) return name;
    return absl::NotFoundError(absl::StrCat("cannot execute ", name));
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(absl::StrCat(name, " not found in PATH"));
}

// In the child between fork and exec: only async-signal-safe calls. Reports
// errno on `error_fd` when exec fails.
[[noreturn]] void ExecChild(const char* program, char* const argv[], const char* output,
                            bool kill_with_parent, pid_t parent, int error_fd) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  if (kill_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // The parent died before prctl.
  }
  if (output != nullptr) {
    const int fd = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) {
      const int error = errno;
      (void)!write(error_fd, &error, sizeof(error));
      _exit(127);
    }
  }
  execv(program, argv);
  const int error = errno;
  (void)!write(error_fd, &error, sizeof(error));
  _exit(127);
}

}  // namespace

absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket", errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    close(fd);
    return ErrnoStatus("binding a loopback port", error);
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool WaitUntil(absl::FunctionRef<bool()> condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration pause = absl::Milliseconds(1);
  for (;;) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(std::min(pause, deadline - absl::Now()));
    pause = std::min(pause * 2, absl::Milliseconds(20));
  }
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    std::vector<std::string> argv, SubprocessOptions options) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  absl::StatusOr<std::string> program = FindProgram(argv[0]);
  if (!program.ok()) return program.status();
  // Everything the child needs is made before fork: after it, only
  // async-signal-safe calls are allowed (the test may have other threads).
  std::vector<char*> child_argv;
  for (std::string& arg : argv) child_argv.push_back(arg.data());
  child_argv.push_back(nullptr);
  const char* output =
      options.output_path.empty() ? nullptr : options.output_path.c_str();

  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) return ErrnoStatus("pipe2", errno);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close(error_pipe[0]);
    close(error_pipe[1]);
    return ErrnoStatus("fork", error);
  }
  if (pid == 0) {
    close(error_pipe[0]);
    ExecChild(program->c_str(), child_argv.data(), output, options.kill_with_parent,
              parent, error_pipe[1]);
  }
  close(error_pipe[1]);
  // The pipe closes on a successful exec (O_CLOEXEC): read() then returns 0.
  int child_error = 0;
  ssize_t n;
  do {
    n = read(error_pipe[0], &child_error, sizeof(child_error));
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  std::unique_ptr<Subprocess> process(new Subprocess(pid));
  if (n > 0) {
    (void)process->Wait(absl::Seconds(5));
    return ErrnoStatus(absl::StrCat("starting ", *program), child_error);
  }
  return process;
}

Subprocess::~Subprocess() { (void)Stop(); }

bool Subprocess::IsRunning() {
  if (wait_status_.has_value()) return false;
  int status;
  pid_t r;
  do {
    r = waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || r < 0) {  // r < 0: not our child any more (ECHILD).
    wait_status_ = r == pid_ ? status : 0;
    return false;
  }
  return true;
}

absl::Status Subprocess::Signal(int signal) {
  if (!IsRunning()) return absl::OkStatus();
  if (kill(pid_, signal) != 0) return ErrnoStatus(absl::StrCat("kill ", pid_), errno);
  return absl::OkStatus();
}

absl::StatusOr<int> Subprocess::Wait(absl::Duration timeout) {
  if (!WaitUntil([this] { return !IsRunning(); }, timeout)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "process ", pid_, " still runs after ", absl::FormatDuration(timeout)));
  }
  return *wait_status_;
}

absl::StatusOr<int> Subprocess::Stop(absl::Duration grace) {
  if (absl::Status s = Signal(SIGTERM); !s.ok()) return s;
  absl::StatusOr<int> status = Wait(grace);
  if (status.ok()) return status;
  return Kill();
}

absl::StatusOr<int> Subprocess::Kill() {
  if (absl::Status s = Signal(SIGKILL); !s.ok()) return s;
  return Wait(absl::Seconds(30));
}

absl::StatusOr<Finished> RunToEnd(std::vector<std::string> argv, absl::Duration timeout) {
  TempDir dir("samenspel-run");
  SubprocessOptions options;
  options.output_path = dir.File("output");
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(std::move(argv), options);
  if (!process.ok()) return process.status();
  absl::StatusOr<int> status = (*process)->Wait(timeout);
  if (!status.ok()) return status.status();  // killed on destruction
  Finished finished;
  finished.wait_status = *status;
  std::ifstream in(options.output_path);
  finished.output.assign(std::istreambuf_iterator<char>(in),
                         std::istreambuf_iterator<char>());
  return finished;
}

}  // namespace samenspel::test_support
