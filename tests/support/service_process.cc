#include "tests/support/service_process.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace samenspel::test_support {
namespace {

// A server's graceful shutdown waits for each client to answer its GOAWAY
// ping. An idle gRPC client reads its sockets only from the backup poller,
// every 5 s by default, which would make every server stop in a test take
// 5 s. Poll often instead (before gRPC starts: this runs at load time).
const bool kFastBackupPoll = [] {
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", /*overwrite=*/0);
  return true;
}();

}  // namespace
namespace {

std::vector<std::string> WithListen(std::string binary, std::vector<std::string> args,
                                    int port) {
  std::vector<std::string> argv = {std::move(binary)};
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  argv.push_back(absl::StrCat("--listen=127.0.0.1:", port));
  return argv;
}

// True when a TCP connection to 127.0.0.1:port succeeds.
bool Listens(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool connected =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceProcess>> ServiceProcess::Start(
    std::string binary, std::vector<std::string> args) {
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();
  std::unique_ptr<ServiceProcess> service(
      new ServiceProcess(std::move(binary), std::move(args), *port));
  if (absl::Status s = service->Restart(); !s.ok()) return s;
  return service;
}

ServiceProcess::ServiceProcess(std::string binary, std::vector<std::string> args,
                               int port)
    : argv_(WithListen(std::move(binary), std::move(args), port)),
      port_(port),
      address_(absl::StrCat("127.0.0.1:", port)) {}

ServiceProcess::~ServiceProcess() { (void)Stop(); }

absl::Status ServiceProcess::Restart() {
  if (IsRunning()) return absl::FailedPreconditionError(absl::StrCat(argv_[0], " runs"));
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(argv_);
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  channel_.reset();  // A channel to the old process may sit in reconnect backoff.
  return absl::OkStatus();
}

absl::Status ServiceProcess::Stop(absl::Duration grace) {
  if (process_ == nullptr) return absl::OkStatus();
  if (absl::Status s = process_->Signal(SIGTERM); !s.ok()) return s;
  absl::StatusOr<int> status = process_->Wait(grace);
  if (!status.ok()) {
    (void)process_->Kill();
    process_.reset();
    return absl::DeadlineExceededError(absl::StrCat(
        argv_[0], " did not exit within ", absl::FormatDuration(grace), " of SIGTERM"));
  }
  process_.reset();
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return absl::OkStatus();
  return absl::InternalError(
      WIFEXITED(*status)
          ? absl::StrCat(argv_[0], " exited with status ", WEXITSTATUS(*status))
          : absl::StrCat(argv_[0], " died of signal ", WTERMSIG(*status)));
}

absl::Status ServiceProcess::Kill() {
  if (process_ == nullptr) return absl::OkStatus();
  absl::StatusOr<int> status = process_->Kill();
  process_.reset();
  return status.status();
}

bool ServiceProcess::IsRunning() { return process_ != nullptr && process_->IsRunning(); }

std::shared_ptr<grpc::Channel> ServiceProcess::Channel() {
  if (channel_ == nullptr) {
    // Reconnect quickly: tests stop and start services and wait for them.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    channel_ =
        grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args);
  }
  return channel_;
}

std::string CheckHealth(int port, const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& service, absl::Duration deadline) {
  if (!Listens(port)) return absl::StrCat("error: nothing listens on port ", port);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return absl::StrCat("error: ", status.error_message());
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& request,
                     const std::string& token, absl::Duration deadline) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice slice(request);
  grpc::ByteBuffer bytes(&slice, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &bytes, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  return status;
}

absl::Status ServiceProcess::Signal(int signal) {
  if (process_ == nullptr) return absl::FailedPreconditionError("not running");
  return process_->Signal(signal);
}

std::string ServiceProcess::Health(absl::Duration deadline) {
  return CheckHealth(port_, Channel(), "", deadline);
}

bool ServiceProcess::WaitForHealth(absl::string_view status, absl::Duration timeout) {
  return WaitUntil([&] { return Health() == status; }, timeout);
}

}  // namespace samenspel::test_support
