#include "cli/core/error_text.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/core/exit_code.h"
#include "common/errors.h"
#include "google/rpc/error_details.pb.h"

namespace samenspel::cli {
namespace {

template <typename Detail>
std::optional<Detail> DetailOf(const absl::Status& status) {
  const auto payload = status.GetPayload(
      absl::StrCat("type.googleapis.com/", Detail::descriptor()->full_name()));
  Detail detail;
  if (!payload.has_value() || !detail.ParseFromString(std::string(*payload))) {
    return std::nullopt;
  }
  return detail;
}

// " (--skill)" for "expert.skills[0].level": the command's own flags for
// request fields first, then the kind's field flags.
std::string FlagHint(absl::string_view field, const ErrorContext& context) {
  for (const FlagOfField& f : context.flags) {
    absl::string_view rest = field;
    if (absl::ConsumePrefix(&rest, f.field) &&
        (rest.empty() || rest[0] == '.' || rest[0] == '[')) {
      return absl::StrCat(" (--", f.flag, ")");
    }
  }
  const KindInfo* kind = context.kind;
  if (kind == nullptr) return "";
  // A challenge given inline to the matching service (ChallengeRef.inline).
  if (!absl::ConsumePrefix(&field, absl::StrCat(kind->singular, ".inline."))) {
    absl::ConsumePrefix(&field, absl::StrCat(kind->singular, "."));
  }
  field = field.substr(0, field.find_first_of(".["));
  if (field == absl::StrCat(kind->singular, "_id")) return " (--id)";
  const FieldSpec* spec = FindFieldSpec(*kind, field);
  return spec == nullptr ? "" : absl::StrCat(" (--", spec->flag, ")");
}

// Whether the service itself made `status` (its storage timed out, say):
// every error a Samenspel service returns carries an ErrorInfo of its domain
// (common/errors.h), and gRPC's own errors (no connection, no TLS
// handshake) carry none.
bool FromService(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = DetailOf<google::rpc::ErrorInfo>(status);
  return info.has_value() && info->domain() == kErrorDomain;
}

std::string NoCredentialsHint(const ErrorContext& context) {
  return absl::StrCat("the ",
                      context.service == "matching" ? "matching service"
                      : context.service.empty()     ? "service"
                                                    : context.service,
                      " requires a token: --token-file or SAMENSPEL_TOKEN (or a client "
                      "certificate: --cert-file, --key-file)");
}

std::string Hint(const absl::Status& status, const ErrorContext& context) {
  const std::string collection =
      context.kind != nullptr       ? std::string(context.kind->collection)
      : !context.collection.empty() ? std::string(context.collection)
                                    : "KIND";
  const std::string service(context.service);
  const std::string reason = ReasonOf(status);
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return "correct the fields above and run the command again";
    case absl::StatusCode::kNotFound:
      return absl::StrCat("check the name; `samenspel ", collection,
                          " list` shows what exists");
    case absl::StatusCode::kAlreadyExists:
      if (reason == "ALREADY_MEMBER") {
        return "to change their role or hours: `samenspel teams remove-member`, then "
               "`add-member` again with the new --role and --hours";
      }
      return absl::StrCat(
          "choose another id, or change the existing one with `samenspel ", collection,
          " update`");
    case absl::StatusCode::kAborted:
      if (absl::StrContains(status.message(), "changed by other writers during each")) {
        // CONCURRENT_WRITES: sent without --etag; others keep changing it.
        return "others keep changing it: run the command again in a moment";
      }
      return absl::StrCat(
          "someone changed it since you read it: get it again (`samenspel ", collection,
          " get NAME`) and retry with its new --etag, or leave --etag out");
    case absl::StatusCode::kUnavailable:
      if (reason == "REVISION_NOT_YET_APPLIED") {
        return "the matching service has not applied that registry revision yet (it "
               "follows the registry's changes): run the command again in a moment, or "
               "without --min-revision";
      }
      if (FromService(status)) {
        // It runs and was reached: checking that, or TLS, leads nowhere.
        return absl::StrCat("the ", service.empty() ? "service" : service, " at ",
                            context.address,
                            " answered but cannot do this now (something it depends "
                            "on failed): run the command again in a moment; if it "
                            "goes on, its logs say why");
      }
      return absl::StrCat(
          "check that samenspel-", service, " runs at ", context.address,
          " and is healthy (`samenspel health`), or point --", service, " / SAMENSPEL_",
          absl::AsciiStrToUpper(service), " elsewhere",
          context.tls ? "" : "; a service that serves TLS needs --ca-file");
    case absl::StatusCode::kDeadlineExceeded:
      return absl::StrCat("no answer from the ", service, " at ", context.address,
                          " in time: raise --timeout, or check `samenspel health`");
    case absl::StatusCode::kCancelled:
      // This CLI cancels no call of its own: the service did (it was
      // stopping, say for a restart).
      return absl::StrCat("the ", service.empty() ? "service" : service, " at ",
                          context.address,
                          " broke the call off (it may have been stopping): run the "
                          "command again once `samenspel health` says it serves");
    case absl::StatusCode::kUnauthenticated:
      if (!context.credentials) return NoCredentialsHint(context);
      if (absl::StrContains(status.message(), "client certificate's OIN")) {
        return "an administrator gives the organisation the certificate's OIN "
               "(`samenspel organisations update ID --oin OIN`); or call with a token";
      }
      return "the credential was not accepted (unknown, expired or revoked token, or a "
             "certificate the service does not trust): check --token-file / "
             "SAMENSPEL_TOKEN, or ask an administrator for a new token";
    case absl::StatusCode::kPermissionDenied:
      if (!context.credentials) return NoCredentialsHint(context);
      return "you call as a role that may not do this (`samenspel whoami` shows it; "
             "tokens and audit need admin): ask an administrator for a token with the "
             "role it needs";
    case absl::StatusCode::kOutOfRange:
      if (reason == "REVISION_AHEAD") {
        return "the registry has not reached that revision (or, after a Redis failover "
               "or "
               "restore, went back before it): watch --after a revision it has (`list` "
               "says the one it is consistent with)";
      }
      return "the change feed no longer holds that revision (or, after a Redis failover "
             "or restore, no longer the change you saw there): read again what you need "
             "(`list --all` or `export`, which say the revision they are consistent "
             "with) "
             "and watch --after that revision";
    case absl::StatusCode::kUnimplemented:
      return absl::StrCat("the ", service.empty() ? "service" : service, " at ",
                          context.address,
                          " does not offer this call: it may be an older version than "
                          "this CLI (`samenspel version`)");
    case absl::StatusCode::kResourceExhausted:
      return "send less at once (for import: a smaller --batch-size), or wait and retry";
    default:
      return "";
  }
}

}  // namespace

std::string ReasonOf(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = DetailOf<google::rpc::ErrorInfo>(status);
  return info.has_value() ? info->reason() : "";
}

std::vector<std::pair<std::string, std::string>> FieldViolationsOf(
    const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> result;
  if (std::optional<google::rpc::BadRequest> detail =
          DetailOf<google::rpc::BadRequest>(status)) {
    for (const auto& v : detail->field_violations()) {
      result.emplace_back(v.field(), v.description());
    }
  }
  return result;
}

std::string ErrorText(const absl::Status& status, const ErrorContext& context) {
  if (IsUsageError(status)) {
    return absl::StrCat("samenspel: ", status.message(),
                        "\n  (run the command with --help for its usage)\n");
  }
  const auto violations = FieldViolationsOf(status);
  std::string out =
      absl::StrCat("samenspel: ", absl::StatusCodeToString(status.code()), ": ");
  if (violations.empty()) {
    absl::StrAppend(&out, status.message(), "\n");
  } else {
    absl::StrAppend(&out, "the ",
                    context.service.empty()         ? "service"
                    : context.service == "matching" ? "matching service"
                                                    : context.service,
                    " rejected the request:\n");
    for (const auto& [field, description] : violations) {
      absl::StrAppend(&out, "  ", field, ": ", description, FlagHint(field, context),
                      "\n");
    }
  }
  if (auto failure = DetailOf<google::rpc::PreconditionFailure>(status)) {
    for (const auto& v : failure->violations()) {
      if (!absl::StrContains(status.message(), v.description())) {
        absl::StrAppend(&out, "  ", v.subject(), ": ", v.description(), "\n");
      }
    }
  }
  const std::string hint = Hint(status, context);
  if (!hint.empty()) absl::StrAppend(&out, "  hint: ", hint, "\n");
  return out;
}

}  // namespace samenspel::cli
