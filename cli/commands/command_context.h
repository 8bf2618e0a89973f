// What every command shares: the global options (addresses, output format,
// deadline, TLS, token), the connection built from them on first use, and
// the exit code. Commands run inside Run(), which prints a failing status as
// an actionable message (error_text.h) and turns it into the exit code.
//
// Example:
//   command->callback([&context, state] {
//     context.Run(Service::kRegistry, &InfoFor(Kind::kExpert), [&] {
//       SAMENSPEL_ASSIGN_OR_RETURN(Connection * connection, context.connection());
//       ...
//       return absl::OkStatus();
//     });
//   });
#ifndef SAMENSPEL_CLI_COMMANDS_COMMAND_CONTEXT_H_
#define SAMENSPEL_CLI_COMMANDS_COMMAND_CONTEXT_H_

#include <initializer_list>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/core/error_text.h"
#include "cli/core/exit_code.h"
#include "cli/core/output.h"
#include "cli/core/resource_kind.h"
#include "common/grpc_status.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace samenspel::cli {

// The flags every command takes, as given (main.cc binds them; defaults
// here and in cli/README.md).
struct GlobalOptions {
  // host:port of the registry and the matching service (flags, else the
  // SAMENSPEL_REGISTRY / SAMENSPEL_MATCHING environment variables).
  std::string registry = "127.0.0.1:50051";
  std::string matching = "127.0.0.1:50052";
  // table, json or yaml.
  std::string output = "table";
  // Deadline of each call: "30s", "500ms", "2m", or plain seconds.
  std::string timeout = "30s";
  // PEM CA bundle: TLS to both services when set, plaintext otherwise.
  std::string ca_file;
  // PEM client certificate (chain) and its private key, presented to both
  // services (mTLS, e.g. a PKIoverheid certificate). Both or neither, and
  // only with ca_file.
  std::string cert_file;
  std::string key_file;
  // A file holding the bearer token; otherwise SAMENSPEL_TOKEN, if set.
  std::string token_file;
  // Allows sending the token without TLS to an address off this machine.
  bool plaintext_token = false;
};

enum class Service { kNone, kRegistry, kMatching };

// Channels and call contexts for both services. Thread-safe after
// construction.
class Connection {
 public:
  // Reads the token, CA and client certificate files; a usage error for a
  // bad timeout, an unreadable file or a combination that does not work.
  // `with_token` false: no bearer token is sent (health checks need none,
  // and a plaintext health port may be off loopback).
  static absl::StatusOr<std::unique_ptr<Connection>> Create(const GlobalOptions& options,
                                                            bool with_token = true);

  std::shared_ptr<grpc::Channel> Channel(Service service) const;
  const std::string& Address(Service service) const;
  // True when calls carry a credential: a bearer token or a client
  // certificate.
  bool has_credentials() const { return !token_.empty() || client_certificate_; }

  // A context with the deadline (now + timeout) and the token as
  // `authorization: Bearer ...` metadata.
  std::unique_ptr<grpc::ClientContext> NewContext() const;
  // The same for a stream: the deadline is `deadline` (none when unset).
  std::unique_ptr<grpc::ClientContext> NewStreamContext(
      std::optional<absl::Duration> deadline) const;

 private:
  Connection() = default;
  void AddToken(grpc::ClientContext& context) const;

  std::string registry_address_;
  std::string matching_address_;
  std::shared_ptr<grpc::Channel> registry_;
  std::shared_ptr<grpc::Channel> matching_;
  absl::Duration timeout_;
  std::string token_;
  bool client_certificate_ = false;
};

// Calls the unary RPC `method` of a generated stub with a fresh context from
// `connection`.
//
// Example:
//   absl::StatusOr<MatchExpertsResponse> r = CallUnary(
//       connection, *stub, &MatchingService::Stub::MatchExperts, request);
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> CallUnary(const Connection& connection, Stub& stub,
                                   grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                const Request&,
                                                                Response*),
                                   const Request& request) {
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext();
  Response response;
  grpc::Status status = (stub.*method)(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

// "30s", "1.5m", "250ms" or "30" (seconds); a usage error naming `flag`
// otherwise or when not positive.
absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view text,
                                                 absl::string_view flag);

// "\nExamples:\n" and the lines, indented: a command's help footer.
std::string ExamplesFooter(std::initializer_list<std::string> lines);

// Reads a file given on the command line; a usage error naming `flag` when
// it cannot be read.
absl::StatusOr<std::string> ReadFlagFile(const std::string& path, absl::string_view flag);

// Says on stderr which revision a full read (list --all, export) is
// consistent with: a watch after it follows every change since.
void SayAsOfRevision(int64_t revision);

// Not thread-safe: one command runs, on the main thread.
class CommandContext {
 public:
  explicit CommandContext(const GlobalOptions* options) : options_(options) {}

  // Runs `body`; a failing status is printed for `service` (and `kind`, for
  // hints) and sets the exit code.
  void Run(Service service, const KindInfo* kind, absl::FunctionRef<absl::Status()> body);
  // The same, with the flags of request fields that are not `kind`'s own
  // (teams add-member's --hours for member.hours_per_week).
  void Run(Service service, const KindInfo* kind, absl::Span<const FlagOfField> flags,
           absl::FunctionRef<absl::Status()> body);
  // The same for commands on something other than a resource kind:
  // `collection` names their group in hints ("tokens"), `flags` the flags of
  // the request's fields.
  void Run(Service service, absl::string_view collection,
           absl::Span<const FlagOfField> flags, absl::FunctionRef<absl::Status()> body);

  // The connection, made on first use; `with_token` as Connection::Create.
  absl::StatusOr<Connection*> connection(bool with_token = true);
  // The output for stdout in the chosen format.
  Output& output() { return *output_; }

  ExitCode exit_code() const { return exit_code_; }
  void set_exit_code(ExitCode code) { exit_code_ = code; }

 private:
  void Run(Service service, const KindInfo* kind, absl::string_view collection,
           absl::Span<const FlagOfField> flags, absl::FunctionRef<absl::Status()> body);

  const GlobalOptions* options_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<Output> output_;
  ExitCode exit_code_ = ExitCode::kOk;
};

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_COMMANDS_COMMAND_CONTEXT_H_
