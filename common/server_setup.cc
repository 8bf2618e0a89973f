#include "common/server_setup.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace samenspel {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const ServerSecurityOptions& o, const std::string& program) {
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
    std::fprintf(stderr,
                 "*** WARNING: %s serves PLAINTEXT without TLS (--insecure). "
                 "Development only. ***\n",
                 program.c_str());
    return grpc::InsecureServerCredentials();
  }
  // With a client CA a certificate is verified when presented, but not
  // required: agency systems may authenticate with a bearer token instead.
  grpc::SslServerCredentialsOptions ssl(
      o.client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                          : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  absl::StatusOr<std::string> key = ReadFile(o.tls_key);
  absl::StatusOr<std::string> cert = ReadFile(o.tls_cert);
  if (!key.ok()) return key.status();
  if (!cert.ok()) return cert.status();
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!o.client_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadFile(o.client_ca);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  return grpc::SslServerCredentials(ssl);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const std::string& ca_path) {
  if (ca_path.empty()) return grpc::InsecureChannelCredentials();
  absl::StatusOr<std::string> ca = ReadFile(ca_path);
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
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  return sig;
}

}  // namespace samenspel
