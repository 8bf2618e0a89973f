#include "common/call_credentials.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace samenspel {
namespace {

absl::Status Unauthenticated(absl::string_view why) {
  return WithReason(absl::UnauthenticatedError(why), "UNAUTHENTICATED");
}

}  // namespace

absl::StatusOr<std::optional<std::string>> BearerSecret(
    const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return std::nullopt;
  if (metadata.count("authorization") > 1) {
    // Which one counts would be a guess: refused, as ambiguous.
    return Unauthenticated("more than one authorization header");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "bearer ";
  if (value.size() <= kBearer.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
    return Unauthenticated("the authorization header must be \"Bearer <token>\"");
  }
  return std::string(absl::StripAsciiWhitespace(value.substr(kBearer.size())));
}

absl::StatusOr<std::string> OinOfCertificate(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_free);
  if (!cert) return Unauthenticated("the client certificate could not be read");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const int index = X509_NAME_get_index_by_NID(subject, NID_serialNumber, -1);
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                      ASN1_STRING_length(data));
    if (value.size() == 20 &&
        std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
      return value;
    }
  }
  return Unauthenticated(
      "the client certificate's subject has no serialNumber with a 20-digit OIN");
}

absl::StatusOr<std::optional<std::string>> ClientCertificateOin(
    const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) return std::nullopt;
  std::vector<grpc::string_ref> pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return std::nullopt;
  return OinOfCertificate(std::string(pems.front().data(), pems.front().size()));
}

}  // namespace samenspel
