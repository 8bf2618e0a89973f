#include "common/server_setup.h"

#include <errno.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/base/config.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/health_service.h"
#include "common/log.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/server_interceptor.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

#if defined(ABSL_LTS_RELEASE_VERSION) && ABSL_LTS_RELEASE_VERSION == 20220623
#include "absl/flags/internal/parse.h"
#include "absl/flags/internal/usage.h"
#endif

namespace samenspel {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is a folder, not a file"));
  }
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::string> ReadFlagFile(absl::string_view flag,
                                         const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (text.ok()) return text;
  // "cannot read /x" named no flag (an operator review: which of four?).
  return absl::Status(text.status().code(),
                      absl::StrCat("--", flag, ": ", text.status().message()));
}

namespace {

// host:port, an IPv6 host in brackets; the port 1..65535, or 0 with
// `port_zero`. Empty when fine, else what is wrong.
std::string HostPortProblem(absl::string_view hp, bool port_zero) {
  const size_t colon = hp.rfind(':');
  if (colon == absl::string_view::npos) return "no :port";
  absl::string_view host = hp.substr(0, colon);
  absl::string_view port = hp.substr(colon + 1);
  if (host.empty()) return "no host before :port";
  if (host.front() == '[' ? host.back() != ']' || host.size() < 3
                          : absl::StrContains(host, ':')) {
    return "an IPv6 host goes in brackets, as [::1]:50051";
  }
  int value = -1;
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &value) || value > 65535 || (value == 0 && !port_zero)) {
    return absl::StrCat("the port must be a number from ", port_zero ? 0 : 1,
                        " to 65535, not '", port, "'");
  }
  return "";
}

}  // namespace

absl::Status CheckAddressFlag(absl::string_view flag, absl::string_view address,
                              bool listening) {
  std::string problem;
  if (address.empty()) {
    problem = "it is empty";
  } else if (absl::StartsWith(address, "unix:") ||
             absl::StartsWith(address, "unix-abstract:")) {
    if (address.substr(address.find(':') + 1).empty()) problem = "no path after unix:";
  } else {
    absl::string_view rest = address;
    bool list = false;
    if (!listening && absl::ConsumePrefix(&rest, "dns:")) {
      if (absl::ConsumePrefix(&rest, "//")) {  // dns://authority/host:port
        const size_t slash = rest.find('/');
        rest = slash == absl::string_view::npos ? absl::string_view()
                                                : rest.substr(slash + 1);
      }
    } else if (!listening && (absl::ConsumePrefix(&rest, "ipv4:") ||
                              absl::ConsumePrefix(&rest, "ipv6:"))) {
      list = true;
    }
    std::vector<absl::string_view> endpoints = {rest};
    if (list) endpoints = absl::StrSplit(rest, ',');
    for (absl::string_view one : endpoints) {
      problem = HostPortProblem(one, listening);
      if (!problem.empty()) break;
    }
  }
  if (problem.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " must be host:port",
                   listening ? "" : " (or a gRPC target such as dns:///host:port)",
                   " or unix:<path>, got '", address, "': ", problem));
}

void ParseServerFlags(int argc, char** argv, absl::string_view usage,
                      absl::string_view source_folder) {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [folder =
                                    std::string(source_folder)](absl::string_view file) {
    return absl::StrContains(file, folder) || absl::StrContains(file, "common/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  // "Flags from registry-service/main.cc:", not the build machine's path.
  config.normalize_filename =
      [folder = std::string(source_folder)](absl::string_view file) -> std::string {
    for (absl::string_view part :
         {absl::string_view(folder), absl::string_view("common/")}) {
      if (const size_t at = file.rfind(part); at != absl::string_view::npos) {
        return std::string(file.substr(at));
      }
    }
    return std::string(file);
  };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
#if defined(ABSL_LTS_RELEASE_VERSION) && ABSL_LTS_RELEASE_VERSION == 20220623
  // As absl::ParseCommandLine, but --help (asked for, and given) exits 0,
  // not 1, as other commands' do. (Abseil's internal API of this release,
  // Debian 12's: other releases parse as Abseil has it.)
  const std::vector<char*> rest = absl::flags_internal::ParseCommandLineImpl(
      argc, argv, absl::flags_internal::ArgvListAction::kRemoveParsedArgs,
      absl::flags_internal::UsageFlagsAction::kIgnoreUsage,
      absl::flags_internal::OnUndefinedFlag::kAbortIfUndefined);
  if (absl::flags_internal::HandleUsageFlags(std::cout, absl::ProgramUsageMessage()) !=
      -1) {
    std::cout.flush();
    std::exit(0);
  }
#else
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
#endif
  if (rest.size() > 1) {
    // A word that is no flag (a flag's value given after a space, say)
    // would otherwise be ignored without a word.
    LogLine(absl::StrCat("fatal: \"", rest[1],
                         "\" is not a flag (flags are --name=value); see --help"));
    std::exit(2);
  }
}

namespace {

// A request gRPC could not parse into its method's message (a string that is
// not UTF-8, bytes cut short) is answered INVALID_ARGUMENT, reason
// MALFORMED_REQUEST, instead of gRPC's bare INTERNAL (an integration review:
// MatchExperts, the AccessService and WatchChanges said INTERNAL without a
// word). The registry's unary methods parse their requests themselves and
// name the field (InvalidMessageError); gRPC parses the others before any
// code of ours runs, so the field is not known here.
class MalformedRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit MalformedRequestInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method() != nullptr ? info->method() : "") {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unreadable_ = true;
    }
    if (unreadable_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::INTERNAL) {
      methods->ModifySendStatus(ToGrpcStatus(WithReason(
          absl::InvalidArgumentError(absl::StrCat(
              "the request is not a valid ", RequestType(),
              " protocol buffer message (a string that is not UTF-8, say, or bytes cut "
              "short)")),
          "MALFORMED_REQUEST")));
    }
    methods->Proceed();
  }

 private:
  // The request message's name, from "/package.Service/Method".
  std::string RequestType() const {
    const size_t slash = method_.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      const auto* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
              method_.substr(1, slash - 1));
      const auto* method = service != nullptr
                               ? service->FindMethodByName(method_.substr(slash + 1))
                               : nullptr;
      if (method != nullptr) return method->input_type()->full_name();
    }
    return absl::StrCat("request of ", method_);
  }

  const std::string method_;
  bool unreadable_ = false;
};

class MalformedRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // None for the methods that parse their requests themselves (the
    // registry's unary methods, its busiest) and for health checks: their
    // calls pay nothing for it.
    const absl::string_view method = info->method() != nullptr ? info->method() : "";
    if ((absl::StartsWith(method, "/samenspel.registry.v1.RegistryService/") &&
         method != "/samenspel.registry.v1.RegistryService/WatchChanges") ||
        absl::StartsWith(method, "/grpc.health.v1.Health/")) {
      return nullptr;
    }
    return new MalformedRequestInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::ServerBuilder> NewServerBuilder() {
  auto builder = std::make_unique<grpc::ServerBuilder>();
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder->SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC,
                               200);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<MalformedRequestInterceptorFactory>());
  builder->experimental().SetInterceptorCreators(std::move(interceptors));
  return builder;
}

namespace {

// Drops the plugins every server builder gets from process-wide factories
// (server reflection, once InitProtoReflectionServerBuilderPlugin ran):
// the health server serves health and nothing else, whenever it is built.
class WithoutPlugins : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(
      std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

// grpc.health.v1's Check, answered by `health`, and no Watch: probes ask
// Check, and a Watch stream holds a thread of a synchronous server for as
// long as it lasts, which has no place on a port anyone may reach without
// credentials.
class CheckOnly final : public grpc::health::v1::Health::Service {
 public:
  explicit CheckOnly(HealthService* health) : health_(health) {}
  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override {
    return health_->Check(context, request, response);
  }

 private:
  HealthService* const health_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HealthServer>> StartHealthServer(
    const std::string& address, HealthService* health) {
  auto started = std::make_unique<HealthServer>();
  started->service = std::make_unique<CheckOnly>(health);
  int port = 0;
  std::unique_ptr<grpc::ServerBuilder> builder = NewServerBuilder();
  builder->AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder->SetOption(std::make_unique<WithoutPlugins>());
  // Health requests are tiny; nothing larger is ever needed here, and a few
  // threads are plenty for probes' Checks.
  builder->SetMaxReceiveMessageSize(4096);
  grpc::ResourceQuota quota("health");
  quota.SetMaxThreads(8);
  builder->SetResourceQuota(quota);
  builder->RegisterService(started->service.get());
  started->server = builder->BuildAndStart();
  if (started->server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address,
                     " for health checks (does another process listen there?)"));
  }
  Log("health checks only, plaintext, on %s (port %d)", address, port);
  return started;
}

namespace {

// The PEM certificates in `pem` (none: an empty vector).
std::vector<std::unique_ptr<X509, decltype(&X509_free)>> PemCertificates(
    const std::string& pem) {
  std::vector<std::unique_ptr<X509, decltype(&X509_free)>> certs;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert, X509_free);
  }
  ERR_clear_error();  // the end of the input reads as an error
  return certs;
}

}  // namespace

absl::Status CheckTlsFiles(const ServerSecurityOptions& o) {
  if (o.tls_cert.empty() || o.tls_key.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> cert_pem = ReadFlagFile("tls_cert", o.tls_cert);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadFlagFile("tls_key", o.tls_key);
  if (!key_pem.ok()) return key_pem.status();
  const auto chain = PemCertificates(*cert_pem);
  if (chain.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_cert ", o.tls_cert, " holds no PEM certificate"));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_key ", o.tls_key, " holds no PEM private key (or one with a passphrase)"));
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key ", o.tls_key,
                     " is not the key of the certificate in --tls_cert ", o.tls_cert));
  }
  if (!o.client_ca.empty()) {
    absl::StatusOr<std::string> ca_pem = ReadFlagFile("client_ca", o.client_ca);
    if (!ca_pem.ok()) return ca_pem.status();
    if (PemCertificates(*ca_pem).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--client_ca ", o.client_ca, " holds no PEM certificate"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const ServerSecurityOptions& o) {
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  if (o.tls_cert.empty()) {
    if (!o.insecure) {
      return absl::InvalidArgumentError(
          "no TLS configured: pass --tls_cert and --tls_key, or --insecure for plaintext "
          "local development");
    }
    if (!o.client_ca.empty()) return absl::InvalidArgumentError("--client_ca needs TLS");
    LogLine(
        "*** WARNING: serving PLAINTEXT without TLS (--insecure). Development only. ***");
    return grpc::InsecureServerCredentials();
  }
  // Read once here so that a wrong path fails at start-up, not at the first
  // handshake; from then on gRPC watches the files and takes up a renewed
  // certificate (or CA bundle) without a restart.
  for (const auto& [flag, path] :
       {std::pair{"tls_key", &o.tls_key}, std::pair{"tls_cert", &o.tls_cert},
        std::pair{"client_ca", &o.client_ca}}) {
    if (path->empty()) continue;
    if (absl::StatusOr<std::string> pem = ReadFlagFile(flag, *path); !pem.ok()) {
      return pem.status();
    }
  }
  if (absl::Status s = CheckTlsFiles(o); !s.ok()) return s;
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      o.tls_key, o.tls_cert, o.client_ca,
      static_cast<unsigned>(
          std::max<int64_t>(1, absl::ToInt64Seconds(o.reload_interval))));
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  if (o.client_ca.empty()) {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    // A client certificate is verified when presented, but not required:
    // agency systems may authenticate with a bearer token instead.
    tls.watch_root_certs();
    tls.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(tls);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const std::string& ca_path, absl::string_view flag) {
  if (ca_path.empty()) return grpc::InsecureChannelCredentials();
  absl::StatusOr<std::string> ca = ReadFlagFile(flag, ca_path);
  if (!ca.ok()) return ca.status();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *ca;
  return grpc::SslCredentials(ssl);
}

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  // SIGHUP too (a closed terminal), unless it is ignored (nohup): a blocked
  // signal still reaches sigwait, ignored or not.
  struct sigaction hup = {};
  if (sigaction(SIGHUP, nullptr, &hup) == 0 && hup.sa_handler != SIG_IGN) {
    sigaddset(&signals, SIGHUP);
  }
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  return sig;
}

void ServeOnWhileTakenOut(const sigset_t& signals, absl::Duration delay) {
  if (delay <= absl::ZeroDuration()) return;
  Log("NOT_SERVING; still serving calls for --shutdown_delay=%s while load balancers "
      "take this replica out (another signal ends the wait)",
      absl::FormatDuration(delay));
  const absl::Time until = absl::Now() + delay;
  for (absl::Duration left = delay; left > absl::ZeroDuration();
       left = until - absl::Now()) {
    const timespec timeout = absl::ToTimespec(left);
    const int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig > 0) {
      Log("signal %d: draining now", sig);
      return;
    }
    if (errno != EINTR) return;  // EAGAIN: the delay is over
  }
}

}  // namespace samenspel
