// Start-up pieces both services share: TLS credentials from files, and
// waiting for SIGTERM/SIGINT. Configuration itself stays in each main.cc.
//
// Example:
//   sigset_t stop = BlockStopSignals();          // before any thread starts
//   auto creds = ServerCredentialsFor(security);
//   if (!creds.ok()) Exit(...);
//   ...
//   int sig = WaitForStopSignal(stop);
#ifndef SAMENSPEL_COMMON_SERVER_SETUP_H_
#define SAMENSPEL_COMMON_SERVER_SETUP_H_

#include <signal.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace samenspel {

class HealthService;

struct ServerSecurityOptions {
  // Plaintext without TLS: development only.
  bool insecure = false;
  // PEM files: certificate chain and key (TLS), client CA bundle (mTLS).
  std::string tls_cert;
  std::string tls_key;
  std::string client_ca;
  // How often the files are checked for a renewed certificate (default 60 s).
  absl::Duration reload_interval = absl::Seconds(60);
};

// INVALID_ARGUMENT for an inconsistent combination (no TLS and not
// insecure; cert without key) or files that do not hold what they should
// (see CheckTlsFiles); NOT_FOUND for an unreadable file. Logs a loud
// warning to stderr for insecure mode.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const ServerSecurityOptions& options);

// Whether the TLS files of `options` hold what they should: --tls_cert a PEM
// certificate chain whose first certificate belongs to --tls_key's private
// key, --client_ca PEM certificates. OK without TLS. (gRPC only logs a bad
// file and then fails every handshake while health checks pass: an
// operator's review.)
absl::Status CheckTlsFiles(const ServerSecurityOptions& options);

// Client credentials for calling another Samenspel service: TLS with the CA
// bundle at `ca_path` (given with --`flag`), or plaintext when it is empty.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const std::string& ca_path, absl::string_view flag = "registry_ca");

// The whole file, or NOT_FOUND.
absl::StatusOr<std::string> ReadFile(const std::string& path);
// The same, an error naming the flag that gave the path ("--tls_cert: ...").
absl::StatusOr<std::string> ReadFlagFile(absl::string_view flag, const std::string& path);

// A server builder with what both services need: its listening port to
// itself (gRPC's default SO_REUSEPORT would let a second process bind a port
// already in use and quietly take part of its callers, e.g. an open
// --insecure instance started by mistake beside a secured one: the second
// now fails to start), and idle sync-server threads that look for work every
// 200 ms (which also bounds how long a shutdown waits for them; gRPC's
// default is 10 s).
std::unique_ptr<grpc::ServerBuilder> NewServerBuilder();

// A second, plaintext server on `address` ("host:port") for probes that
// cannot speak TLS (Kubernetes' grpc probes, say): grpc.health.v1's Check,
// answered by `health` (which the main server serves too), and nothing else:
// no Watch, no server reflection, no other service, no credential goes
// through it. Logs the port bound (common/log.h); UNAVAILABLE when `address`
// cannot be bound. Shut it down after the main server, so that a probe sees
// NOT_SERVING while that drains.
struct HealthServer {
  std::unique_ptr<grpc::Service> service;
  std::unique_ptr<grpc::Server> server;  // after `service`: destroyed first
};
absl::StatusOr<std::unique_ptr<HealthServer>> StartHealthServer(
    const std::string& address, HealthService* health);

// OK when `address` (the value of flag `flag`, for its message) names one
// endpoint gRPC can use: host:port (an IPv6 host in brackets) with a port of
// 1..65535 (0 too when `listening`: the kernel picks), or unix:<path>,
// unix-abstract:<name>; when dialing also a gRPC target dns:[//authority/]
// host:port, ipv4:... or ipv6:... (their host:port lists, comma-separated).
// INVALID_ARGUMENT otherwise, saying what is wrong: gRPC takes port 70000 as
// 4464 (70000 mod 65536) and an empty target as a DNS name, and tries it
// forever (an operator review).
absl::Status CheckAddressFlag(absl::string_view flag, absl::string_view address,
                              bool listening);

// Sets the program's usage message and parses the command line. `--help`
// lists the flags defined in source files under `source_folder` (e.g.
// "registry-service/") and common/: Abseil's default looks for a file named
// after the binary, which has none, and said "No flags matched".
void ParseServerFlags(int argc, char** argv, absl::string_view usage,
                      absl::string_view source_folder);

// Blocks SIGTERM, SIGINT and SIGHUP in this thread and every thread it
// starts later; returns the set for WaitForStopSignal.
sigset_t BlockStopSignals();
// Waits for one of them; returns its number.
int WaitForStopSignal(const sigset_t& signals);
// After a stop signal, with health already NOT_SERVING: goes on serving for
// `delay` (--shutdown_delay), so that load balancers and Kubernetes take
// the replica out of rotation before it stops taking calls (calls that
// reach a stopping gRPC server before it took them up fail CANCELLED).
// Another stop signal ends the wait at once. Logs what it does.
void ServeOnWhileTakenOut(const sigset_t& signals, absl::Duration delay);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_SERVER_SETUP_H_
