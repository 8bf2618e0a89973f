// Test helpers for real processes: Subprocess (fork/exec, stop, kill, wait),
// FreePort() and WaitUntil(). Used by RedisServer and by integration tests
// that start the service binaries.
//
// Example:
//   absl::StatusOr<int> port = FreePort();
//   auto registry = Subprocess::Start(
//       {"./samenspel-registry", absl::StrCat("--listen=127.0.0.1:", *port)});
//   ASSERT_TRUE(WaitUntil([&] { return CanConnect(*port); }, absl::Seconds(10)));
//   EXPECT_TRUE((*registry)->Stop().ok());
#ifndef SAMENSPEL_TESTS_SUPPORT_SUBPROCESS_H_
#define SAMENSPEL_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>
#include <sys/wait.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace samenspel::test_support {

// A loopback TCP port that was free a moment ago: bound to port 0 and
// released, so the kernel chose it. Another process may still take it before
// the caller binds it; callers retry on "address in use".
absl::StatusOr<int> FreePort();

// Calls `condition` until it returns true or `timeout` passes, backing off
// from 1ms to 20ms between calls; returns its last result. For waiting on
// something to happen without a fixed sleep.
bool WaitUntil(absl::FunctionRef<bool()> condition, absl::Duration timeout);

struct SubprocessOptions {
  // When set, the child's stdout and stderr are appended to this file;
  // otherwise they are the test's.
  std::string output_path;
  // Kill the child (SIGKILL) if the thread that started it dies, so a crashed
  // test leaves no servers behind (Linux PR_SET_PDEATHSIG; note: the starting
  // *thread*, so start long-lived children from the test's main thread).
  bool kill_with_parent = true;
};

// One child process.
//
// Thread-compatible: one thread at a time; not for processes it did not start.
class Subprocess {
 public:
  // Starts argv[0] (a path, or a name looked up in PATH) with `argv`.
  // NOT_FOUND when the program does not exist; INTERNAL when it cannot run.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      std::vector<std::string> argv, SubprocessOptions options = {});

  // Stops the child (Stop()) if it still runs.
  ~Subprocess();

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }

  // False once the child exited (it is reaped then).
  bool IsRunning();

  // Sends `signal` to a running child; a no-op once it exited.
  absl::Status Signal(int signal);

  // Waits up to `timeout` for the child to exit; returns its waitpid status
  // (WIFEXITED etc.). DEADLINE_EXCEEDED when it still runs.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // SIGTERM, then SIGKILL if it has not exited after `grace`. Returns the
  // wait status. OK (with the earlier status) when it had already exited.
  absl::StatusOr<int> Stop(absl::Duration grace = absl::Seconds(10));

  // SIGKILL (like kill -9) and wait. Returns the wait status.
  absl::StatusOr<int> Kill();

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}

  const pid_t pid_;
  std::optional<int> wait_status_;  // Set once reaped.
};

// How a program run to its end ended.
struct Finished {
  int wait_status = 0;  // as waitpid gives it (WIFEXITED etc.)
  std::string output;   // its stdout and stderr
  // Whether it exited by itself with a non-zero code.
  bool Failed() const { return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0; }
};
// Runs `argv` until it exits; DEADLINE_EXCEEDED (and the program killed)
// when it runs longer than `timeout`. For programs that should stop by
// themselves: `--help`, a bad flag, a port already taken.
absl::StatusOr<Finished> RunToEnd(std::vector<std::string> argv, absl::Duration timeout);

}  // namespace samenspel::test_support

#endif  // SAMENSPEL_TESTS_SUPPORT_SUBPROCESS_H_
