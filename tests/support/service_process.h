// A Samenspel service binary (samenspel-registry, samenspel-matching) run as a
// child process for integration tests: listening on a free loopback port of
// its own, reached through a gRPC channel, probed with grpc.health.v1.
//
// Example:
//   auto registry = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY,
//                                         {"--insecure", "--redis=" + redis->address()});
//   ASSERT_TRUE(registry.ok()) << registry.status();
//   ASSERT_TRUE((*registry)->WaitForHealth("SERVING", absl::Seconds(10)));
//   auto stub = v1::RegistryService::NewStub((*registry)->Channel());
#ifndef SAMENSPEL_TESTS_SUPPORT_SERVICE_PROCESS_H_
#define SAMENSPEL_TESTS_SUPPORT_SERVICE_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tests/support/subprocess.h"

namespace samenspel::test_support {

// The grpc.health.v1 status of `service` ("": the overall one) on
// 127.0.0.1:`port`, through `channel` ("SERVING", "NOT_SERVING", ...), or
// "error: <message>" when nothing listens there or the Check call fails. The
// channel is left alone until the port accepts connections: a failed connect
// would put it into reconnect backoff for seconds.
std::string CheckHealth(int port, const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& service = "",
                        absl::Duration deadline = absl::Seconds(1));

// A unary call of `method` ("/package.Service/Method") through `channel`
// with `request` as its bytes (which need not be valid protobuf) and `token`,
// when not empty, as its bearer token; returns the call's status. A
// streaming method gets the one message and the end of the stream.
// UNIMPLEMENTED where nothing serves `method`.
grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& request = "",
                     const std::string& token = "",
                     absl::Duration deadline = absl::Seconds(10));

// Thread-compatible: control it from one thread; Channel() may be used from
// any number of threads.
class ServiceProcess {
 public:
  // Starts `binary` with `args` plus --listen=127.0.0.1:<a free port>.
  // Returns once the process runs, not once it serves: see WaitForHealth().
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(
      std::string binary, std::vector<std::string> args);

  // Stops the process (Stop()) if it still runs.
  ~ServiceProcess();

  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Sends `signal` (SIGTERM, say) without waiting.
  absl::Status Signal(int signal);
  // SIGTERM, and waits for a clean exit. INTERNAL when it exits with a
  // non-zero status or by a signal; DEADLINE_EXCEEDED (after a SIGKILL) when
  // it did not exit within `grace`. OK when it was not running.
  absl::Status Stop(absl::Duration grace = absl::Seconds(10));
  // SIGKILL, like kill -9.
  absl::Status Kill();
  // Starts it again with the same arguments and port, with a new Channel().
  // FAILED_PRECONDITION while it runs.
  absl::Status Restart();
  bool IsRunning();

  // A channel to the service (plaintext), the same one until Restart().
  std::shared_ptr<grpc::Channel> Channel();
  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }
  int port() const { return port_; }

  // The overall grpc.health.v1 status ("SERVING", "NOT_SERVING", ...), or
  // "error: <message>" when the Check call fails (e.g. the process is down).
  std::string Health(absl::Duration deadline = absl::Seconds(1));
  // Polls Health() until it equals `status` or `timeout` passes.
  bool WaitForHealth(absl::string_view status, absl::Duration timeout);

 private:
  ServiceProcess(std::string binary, std::vector<std::string> args, int port);

  const std::vector<std::string> argv_;
  const int port_;
  const std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace samenspel::test_support

#endif  // SAMENSPEL_TESTS_SUPPORT_SERVICE_PROCESS_H_
