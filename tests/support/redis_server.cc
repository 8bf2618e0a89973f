#include "tests/support/redis_server.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace samenspel::test_support {
absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Create(
    RedisServerOptions options) {
  absl::Status last = absl::UnknownError("not started");
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<int> port = FreePort();
    if (!port.ok()) return port.status();
    std::unique_ptr<RedisServer> server(new RedisServer(options, *port));
    last = server->Start();
    if (last.ok()) return server;
    // Another process may have taken the port between FreePort() and the
    // bind: try another; any other failure will repeat, so report it.
    if (!absl::StrContains(last.message(), "Address already in use")) break;
  }
  return last;
}

RedisServer::RedisServer(RedisServerOptions options, int port)
    : options_(std::move(options)), port_(port) {}

// dir_ removes the data directory after this.
RedisServer::~RedisServer() { (void)Stop(); }

std::string RedisServer::address() const { return absl::StrCat(host_, ":", port_); }

absl::Status RedisServer::Start() {
  if (IsRunning()) return absl::FailedPreconditionError("redis-server already runs");
  std::vector<std::string> argv = {options_.executable};
  if (!options_.sentinel_config.empty()) {
    // A restarted sentinel keeps what it rewrote into its file.
    const std::string config = dir_.File("sentinel.conf");
    if (!std::filesystem::exists(config)) {
      std::ofstream out(config);
      out << options_.sentinel_config << "\n";
      if (!out.good()) return absl::InternalError(absl::StrCat("cannot write ", config));
    }
    argv.insert(argv.end(), {config, "--sentinel"});
  }
  argv.insert(argv.end(), {"--port", absl::StrCat(port_), "--bind", host_, "--dir",
                           dir_.path(), "--daemonize", "no"});
  if (options_.sentinel_config.empty()) {
    argv.insert(argv.end(), {"--save", "", "--appendonly",
                             options_.appendonly ? "yes" : "no", "--appendfsync",
                             options_.appendfsync, "--maxmemory-policy", "noeviction"});
  }
  if (!options_.password.empty()) {
    argv.insert(argv.end(), {"--requirepass", options_.password});
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  SubprocessOptions process_options;
  process_options.output_path = dir_.File("redis.log");
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(std::move(argv), process_options);
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  bool exited = false;
  const bool up = WaitUntil(
      [&] {
        exited = !process_->IsRunning();
        return exited || AnswersPing();
      },
      options_.start_timeout);
  if (up && !exited) return absl::OkStatus();
  (void)process_->Kill();
  process_.reset();
  return absl::UnavailableError(absl::StrCat("redis-server on port ", port_,
                                             exited ? " exited" : " did not answer PING",
                                             "; its log ends:\n", LogTail()));
}

absl::Status RedisServer::Stop() {
  if (process_ == nullptr) return absl::OkStatus();
  if (absl::Status s = Resume(); !s.ok()) return s;  // SIGTERM waits for SIGCONT.
  absl::StatusOr<int> status = process_->Stop();
  process_.reset();
  return status.status();
}

absl::Status RedisServer::Kill() {
  if (process_ == nullptr) return absl::OkStatus();
  absl::StatusOr<int> status = process_->Kill();
  process_.reset();
  paused_ = false;
  return status.status();
}

absl::Status RedisServer::Pause() {
  if (!IsRunning()) return absl::FailedPreconditionError("redis-server does not run");
  if (absl::Status s = process_->Signal(SIGSTOP); !s.ok()) return s;
  paused_ = true;
  return absl::OkStatus();
}

absl::Status RedisServer::Resume() {
  if (!paused_ || process_ == nullptr) return absl::OkStatus();
  if (absl::Status s = process_->Signal(SIGCONT); !s.ok()) return s;
  paused_ = false;
  return absl::OkStatus();
}

bool RedisServer::IsRunning() { return process_ != nullptr && process_->IsRunning(); }

bool RedisServer::AnswersPing() {
  const timeval timeout = {1, 0};
  redisContext* context = redisConnectWithTimeout(host_.c_str(), port_, timeout);
  if (context == nullptr) return false;
  bool pong = false;
  if (context->err == 0 && redisSetTimeout(context, timeout) == REDIS_OK) {
    bool authenticated = true;
    if (!options_.password.empty()) {
      auto* auth = static_cast<redisReply*>(redisCommand(
          context, "AUTH %b", options_.password.data(), options_.password.size()));
      authenticated = auth != nullptr && auth->type == REDIS_REPLY_STATUS;
      if (auth != nullptr) freeReplyObject(auth);
    }
    // While loading its AOF, Redis answers -LOADING instead of +PONG.
    auto* reply =
        authenticated ? static_cast<redisReply*>(redisCommand(context, "PING")) : nullptr;
    pong = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
           absl::string_view(reply->str, reply->len) == "PONG";
    if (reply != nullptr) freeReplyObject(reply);
  }
  redisFree(context);
  return pong;
}

absl::Status RedisServer::Command(const std::vector<std::string>& argv) {
  const timeval timeout = {5, 0};
  redisContext* context = redisConnectWithTimeout(host_.c_str(), port_, timeout);
  if (context == nullptr || context->err != 0) {
    if (context != nullptr) redisFree(context);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to redis on port ", port_));
  }
  auto run = [context](const std::vector<std::string>& args) -> absl::Status {
    std::vector<const char*> parts;
    std::vector<size_t> lengths;
    for (const std::string& a : args) {
      parts.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(redisCommandArgv(
        context, static_cast<int>(args.size()), parts.data(), lengths.data()));
    if (reply == nullptr) return absl::UnavailableError(context->errstr);
    absl::Status status = absl::OkStatus();
    if (reply->type == REDIS_REPLY_ERROR) {
      status = absl::InternalError(std::string(reply->str, reply->len));
    }
    freeReplyObject(reply);
    return status;
  };
  absl::Status status = redisSetTimeout(context, timeout) == REDIS_OK
                            ? absl::OkStatus()
                            : absl::UnavailableError("cannot set a timeout");
  if (status.ok() && !options_.password.empty())
    status = run({"AUTH", options_.password});
  if (status.ok()) status = run(argv);
  redisFree(context);
  return status;
}

std::string RedisServer::LogTail() const {
  std::ifstream in(dir_.File("redis.log"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string log = text.str();
  return log.size() > 2000 ? log.substr(log.size() - 2000) : log;
}

}  // namespace samenspel::test_support
