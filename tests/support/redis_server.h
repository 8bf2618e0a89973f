// A real redis-server for tests: its own loopback port and temporary
// directory, started and restarted on demand, removed with its data when
// destroyed.
//
// Example:
//   RedisServerOptions options;
//   options.appendonly = true;
//   options.appendfsync = "always";
//   absl::StatusOr<std::unique_ptr<RedisServer>> redis = RedisServer::Create(options);
//   ASSERT_TRUE(redis.ok()) << redis.status();
//   store_options.port = (*redis)->port();
//   ...
//   ASSERT_TRUE((*redis)->Kill().ok());   // kill -9
//   ASSERT_TRUE((*redis)->Start().ok());  // same port, same data directory
#ifndef SAMENSPEL_TESTS_SUPPORT_REDIS_SERVER_H_
#define SAMENSPEL_TESTS_SUPPORT_REDIS_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace samenspel::test_support {

struct RedisServerOptions {
  // The redis-server binary, a path or a name in PATH.
  std::string executable = "redis-server";
  // AOF persistence (the registry's production setting) and its fsync policy:
  // "always", "everysec" or "no". RDB snapshots are always off.
  bool appendonly = false;
  std::string appendfsync = "everysec";
  // requirepass, when not empty.
  std::string password;
  // More "--name value" arguments, appended as given.
  std::vector<std::string> extra_args;
  // When not empty, the server runs as a Redis Sentinel with this
  // configuration ("sentinel monitor ..." lines; port, bind and dir are
  // added), written to sentinel.conf in its directory, which the sentinel
  // rewrites as it learns. Persistence options do not apply.
  std::string sentinel_config;
  // How long Start() waits for PING to answer PONG.
  absl::Duration start_timeout = absl::Seconds(20);
};

// Thread-compatible: control it from one thread (clients may use the server
// from any number of threads, of course).
class RedisServer {
 public:
  // Makes a temporary directory, picks a free port and starts the server,
  // retrying with another port if the first was taken meanwhile.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Create(
      RedisServerOptions options = {});

  // Stops the server and removes its directory.
  ~RedisServer();

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server (again) on the same port and directory, and returns
  // once it answers PING, i.e. after it loaded its AOF. FAILED_PRECONDITION
  // when it runs; UNAVAILABLE when it exits or does not answer in time (the
  // message has the end of its log).
  absl::Status Start();
  // SIGTERM and wait: a clean shutdown (AOF flushed and fsynced).
  absl::Status Stop();
  // SIGKILL and wait: a crash, like kill -9.
  absl::Status Kill();
  // SIGSTOP: a hung server, which still accepts connections (the kernel
  // does) but answers nothing until Resume() (SIGCONT).
  absl::Status Pause();
  absl::Status Resume();
  bool IsRunning();
  // Runs one command on a connection of its own (with the password, if
  // any); OK unless Redis cannot be reached or answers with an error.
  absl::Status Command(const std::vector<std::string>& argv);

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  // "127.0.0.1:<port>".
  std::string address() const;
  // The data directory (AOF files, and the server's log "redis.log").
  const std::string& dir() const { return dir_.path(); }

 private:
  RedisServer(RedisServerOptions options, int port);
  bool AnswersPing();
  std::string LogTail() const;

  const RedisServerOptions options_;
  const std::string host_ = "127.0.0.1";
  const int port_;
  const TempDir dir_{"samenspel-redis"};
  std::unique_ptr<Subprocess> process_;
  bool paused_ = false;
};

}  // namespace samenspel::test_support

#endif  // SAMENSPEL_TESTS_SUPPORT_REDIS_SERVER_H_
