#include "cli/commands/command_context.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/core/error_text.h"
#include "cli/core/time_text.h"
#include "common/bearer_channel.h"
#include "common/server_setup.h"
#include "common/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace samenspel::cli {

absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view text,
                                                 absl::string_view flag) {
  absl::Duration duration;
  double seconds;
  if (absl::SimpleAtod(text, &seconds)) {
    duration = absl::Seconds(seconds);
  } else if (absl::StatusOr<absl::Duration> d = ParseDurationText(text); d.ok()) {
    duration = *d;
  } else {
    return UsageError(absl::StrCat(flag, ": '", text,
                                   "' is not a duration (say 30s, 500ms, 2m or 1h)"));
  }
  if (duration <= absl::ZeroDuration()) {
    return UsageError(absl::StrCat(flag, " must be positive"));
  }
  return duration;
}

std::string ExamplesFooter(std::initializer_list<std::string> lines) {
  std::string footer = "\nExamples:\n";
  for (const std::string& line : lines) absl::StrAppend(&footer, "  ", line, "\n");
  return footer;
}

void SayAsOfRevision(int64_t revision) {
  std::cerr << "samenspel: as of revision " << revision << ": `samenspel watch --after "
            << revision << "` follows every change since\n";
}

absl::StatusOr<std::string> ReadFlagFile(const std::string& path,
                                         absl::string_view flag) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return UsageError(absl::StrCat(flag, ": ", text.status().message()));
  return text;
}

namespace {

// Plaintext, TLS (--ca-file) or mTLS (--ca-file, --cert-file, --key-file).
// Each file is checked for PEM here: gRPC would only fail at the first call,
// with a handshake error or, for a CA file, "empty address list".
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const GlobalOptions& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return UsageError(
        "--cert-file and --key-file go together: the client certificate and its key");
  }
  if (options.ca_file.empty()) {
    if (!options.cert_file.empty()) {
      return UsageError(
          "--cert-file needs --ca-file: a client certificate is only sent over TLS, "
          "and --ca-file names the CA that signed the services' certificates");
    }
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  SAMENSPEL_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                             ReadFlagFile(options.ca_file, "--ca-file"));
  if (!absl::StrContains(ssl.pem_root_certs, "-----BEGIN CERTIFICATE-----")) {
    return UsageError(absl::StrCat(
        "--ca-file: ", options.ca_file,
        " holds no PEM CA certificate (-----BEGIN CERTIFICATE-----); convert a DER "
        "one with `openssl x509 -inform der -in CA -out ca.pem`"));
  }
  if (options.cert_file.empty()) return grpc::SslCredentials(ssl);
  SAMENSPEL_ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                             ReadFlagFile(options.cert_file, "--cert-file"));
  SAMENSPEL_ASSIGN_OR_RETURN(ssl.pem_private_key,
                             ReadFlagFile(options.key_file, "--key-file"));
  if (!absl::StrContains(ssl.pem_cert_chain, "-----BEGIN CERTIFICATE-----")) {
    return UsageError(
        absl::StrCat("--cert-file: ", options.cert_file,
                     " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
  }
  if (!absl::StrContains(ssl.pem_private_key, "PRIVATE KEY-----")) {
    return UsageError(
        absl::StrCat("--key-file: ", options.key_file,
                     " holds no PEM private key (-----BEGIN ... PRIVATE KEY-----)"));
  }
  return grpc::SslCredentials(ssl);
}

// OK for host:port ([v6]:port) and for a target with a scheme gRPC resolves
// itself; a usage error naming `flag` otherwise. gRPC takes a host without a
// port as port 0 and fails only at the call ("127.0.0.1:0: Connection
// refused").
absl::Status CheckAddress(absl::string_view address, absl::string_view flag) {
  for (absl::string_view scheme :
       {"dns:", "unix:", "unix-abstract:", "ipv4:", "ipv6:", "vsock:"}) {
    if (absl::StartsWith(address, scheme)) return absl::OkStatus();
  }
  const size_t colon = address.rfind(':');
  const absl::string_view host = address.substr(0, colon);
  int port = 0;
  const bool ok = colon != absl::string_view::npos && !host.empty() &&
                  (host.find(':') == absl::string_view::npos ||
                   (absl::StartsWith(host, "[") && absl::EndsWith(host, "]"))) &&
                  absl::SimpleAtoi(address.substr(colon + 1), &port) && port > 0 &&
                  port <= 65535;
  if (ok) return absl::OkStatus();
  return UsageError(absl::StrCat(
      flag, ": '", address,
      "' is not host:port (127.0.0.1:50051, registry.intern:50051, [::1]:50051) or a "
      "gRPC target (dns:///registry.intern:50051, unix:/run/samenspel.sock)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Create(
    const GlobalOptions& options, bool with_token) {
  std::unique_ptr<Connection> c(new Connection());
  absl::StatusOr<absl::Duration> timeout =
      ParseDurationFlag(options.timeout, "--timeout");
  if (!timeout.ok()) return timeout.status();
  c->timeout_ = *timeout;
  if (!with_token) {
    // No token read or sent.
  } else if (!options.token_file.empty()) {
    absl::StatusOr<std::string> token = ReadFlagFile(options.token_file, "--token-file");
    if (!token.ok()) return token.status();
    c->token_ = std::string(absl::StripAsciiWhitespace(*token));
    if (c->token_.empty()) {
      // Sending no token would look like forgetting the flag.
      return UsageError(absl::StrCat("--token-file: ", options.token_file, " is empty"));
    }
  } else if (const char* env = std::getenv("SAMENSPEL_TOKEN"); env != nullptr) {
    c->token_ = std::string(absl::StripAsciiWhitespace(env));
  }
  for (char ch : c->token_) {
    if (ch <= 0x20 || ch >= 0x7f) {
      return UsageError(
          "the token (SAMENSPEL_TOKEN or --token-file) must be one line of "
          "printable characters without spaces");
    }
  }
  SAMENSPEL_RETURN_IF_ERROR(
      CheckAddress(options.registry, "--registry (or SAMENSPEL_REGISTRY)"));
  SAMENSPEL_RETURN_IF_ERROR(
      CheckAddress(options.matching, "--matching (or SAMENSPEL_MATCHING)"));
  if (!c->token_.empty() && options.ca_file.empty() && !options.plaintext_token) {
    for (const std::string* address : {&options.registry, &options.matching}) {
      if (!IsLoopbackTarget(*address)) {
        return UsageError(absl::StrCat(
            "a bearer token would go to ", *address,
            " in plaintext: give --ca-file (TLS), or --plaintext-token if that network "
            "is trusted"));
      }
    }
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(options);
  if (!credentials.ok()) return credentials.status();
  c->client_certificate_ = !options.cert_file.empty();
  grpc::ChannelArguments args;
  // A page of 1000 experts with long bios is several megabytes.
  args.SetMaxReceiveMessageSize(64 << 20);
  // `watch` waits on a stream without a deadline: pings find a connection
  // that a network failure left silent (every 30 s, also while no change
  // comes; the registry accepts one every 10 s).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  c->registry_address_ = options.registry;
  c->matching_address_ = options.matching;
  c->registry_ = grpc::CreateCustomChannel(options.registry, *credentials, args);
  c->matching_ = grpc::CreateCustomChannel(options.matching, *credentials, args);
  return c;
}

std::shared_ptr<grpc::Channel> Connection::Channel(Service service) const {
  return service == Service::kMatching ? matching_ : registry_;
}

const std::string& Connection::Address(Service service) const {
  return service == Service::kMatching ? matching_address_ : registry_address_;
}

void Connection::AddToken(grpc::ClientContext& context) const {
  if (!token_.empty())
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
}

std::unique_ptr<grpc::ClientContext> Connection::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  AddToken(*context);
  return context;
}

std::unique_ptr<grpc::ClientContext> Connection::NewStreamContext(
    std::optional<absl::Duration> deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (deadline.has_value()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + *deadline));
  }
  AddToken(*context);
  return context;
}

absl::StatusOr<Connection*> CommandContext::connection(bool with_token) {
  if (connection_ == nullptr) {
    absl::StatusOr<std::unique_ptr<Connection>> c =
        Connection::Create(*options_, with_token);
    if (!c.ok()) return c.status();
    connection_ = *std::move(c);
  }
  return connection_.get();
}

void CommandContext::Run(Service service, const KindInfo* kind,
                         absl::FunctionRef<absl::Status()> body) {
  Run(service, kind, "", {}, body);
}

void CommandContext::Run(Service service, const KindInfo* kind,
                         absl::Span<const FlagOfField> flags,
                         absl::FunctionRef<absl::Status()> body) {
  Run(service, kind, "", flags, body);
}

void CommandContext::Run(Service service, absl::string_view collection,
                         absl::Span<const FlagOfField> flags,
                         absl::FunctionRef<absl::Status()> body) {
  Run(service, nullptr, collection, flags, body);
}

void CommandContext::Run(Service service, const KindInfo* kind,
                         absl::string_view collection,
                         absl::Span<const FlagOfField> flags,
                         absl::FunctionRef<absl::Status()> body) {
  absl::Status status;
  absl::StatusOr<OutputFormat> format = ParseOutputFormat(options_->output);
  if (!format.ok()) {
    status = format.status();
  } else {
    output_ = std::make_unique<Output>(*format, std::cout);
    status = body();
  }
  std::cout.flush();
  // The last buffered output is written only now: a full disk or a closed
  // pipe shows here, and must not end in exit 0 with a short file.
  if (status.ok() && (!std::cout || std::fflush(stdout) != 0)) {
    status = absl::DataLossError("writing the output failed");
  }
  if (status.ok()) return;
  const std::string address = service == Service::kMatching   ? options_->matching
                              : service == Service::kRegistry ? options_->registry
                                                              : "";
  const absl::string_view name = service == Service::kMatching   ? "matching"
                                 : service == Service::kRegistry ? "registry"
                                                                 : "";
  const bool credentials = connection_ != nullptr && connection_->has_credentials();
  std::cerr << ErrorText(status,
                         ErrorContext{name, address, kind, credentials, collection, flags,
                                      !options_->ca_file.empty()});
  exit_code_ = ExitCodeFor(status);
}

}  // namespace samenspel::cli
