// Error messages that say what went wrong and what to do: the status code
// and message, every field violation of a google.rpc.BadRequest detail (with
// the flag that sets the field), precondition failures, and a hint per code.
//
// Example:
//   ErrorContext context{"registry", "127.0.0.1:50051", &InfoFor(Kind::kExpert)};
//   std::cerr << ErrorText(status, context);
//   // samenspel: INVALID_ARGUMENT: the registry rejected the request:
//   //   expert.skills[0].level: must be between 1 and 5 (--skill)
//   //   hint: correct the fields above and run the command again
#ifndef SAMENSPEL_CLI_CORE_ERROR_TEXT_H_
#define SAMENSPEL_CLI_CORE_ERROR_TEXT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "cli/core/resource_kind.h"

namespace samenspel::cli {

// The flag that sets a request field that is not one of a resource kind's
// (or not under its name): {"access_token.expire_time", "expires"},
// {"member.hours_per_week", "hours"}.
struct FlagOfField {
  // A field path as the service names it in field violations; it covers
  // its sub-fields and elements too.
  absl::string_view field;
  // Without "--".
  absl::string_view flag;
};

struct ErrorContext {
  // The service called ("registry", "matching") and its address; empty for
  // local errors.
  absl::string_view service;
  absl::string_view address;
  // The kind the command works on, for hints and flag names; may be null.
  const KindInfo* kind = nullptr;
  // Whether the call carried a credential (a bearer token or a client
  // certificate): UNAUTHENTICATED means a missing one, or a bad one.
  bool credentials = false;
  // The command group for hints when `kind` is null ("tokens"); may be empty.
  absl::string_view collection = "";
  // The command's flags of request fields, for field violations: first
  // these, then `kind`'s field flags.
  absl::Span<const FlagOfField> flags = {};
  // Whether the call went over TLS (--ca-file given).
  bool tls = false;
};

// The google.rpc.BadRequest field violations of `status`: {field, description}.
std::vector<std::pair<std::string, std::string>> FieldViolationsOf(
    const absl::Status& status);

// The google.rpc.ErrorInfo reason of `status` ("" without one).
std::string ReasonOf(const absl::Status& status);

// The full message for stderr, several lines, ending in a newline.
std::string ErrorText(const absl::Status& status, const ErrorContext& context);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_ERROR_TEXT_H_
