// Building absl::Status values that carry google.rpc error details.
//
// Details ride along as absl::Status payloads keyed by their type URL
// ("type.googleapis.com/google.rpc.BadRequest"); ToGrpcStatus
// (grpc_status.h) turns them into the google.rpc.Status trailer that clients
// decode. Every error also gets an ErrorInfo with a machine-readable reason.
//
// Example:
//   FieldViolations v;
//   if (expert.display_name().empty()) v.Add("expert.display_name", "required");
//   SAMENSPEL_RETURN_IF_ERROR(v.ToStatus());
#ifndef SAMENSPEL_COMMON_ERRORS_H_
#define SAMENSPEL_COMMON_ERRORS_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace samenspel {

// The ErrorInfo domain of every Samenspel error.
inline constexpr absl::string_view kErrorDomain = "samenspel.overheid.nl";

// Collects field violations of one request; ToStatus() is OK when empty and
// INVALID_ARGUMENT with a google.rpc.BadRequest detail otherwise.
// Not thread-safe.
class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  // Adds those of `status`'s BadRequest detail (none without one): to
  // gather the violations of several checks into one error.
  void AddFrom(const absl::Status& status);
  bool empty() const { return violations_.empty(); }
  // Whether a violation names `field`.
  bool Names(absl::string_view field) const;
  size_t size() const { return violations_.size(); }
  const std::vector<std::pair<std::string, std::string>>& violations() const {
    return violations_;
  }
  absl::Status ToStatus() const;

 private:
  std::vector<std::pair<std::string, std::string>> violations_;
};

// Attaches `detail` (any google.rpc detail message) to `status` as a payload.
void AttachDetail(absl::Status& status, const google::protobuf::Message& detail);

// Attaches an ErrorInfo{reason, domain=kErrorDomain} to `status`.
absl::Status WithReason(absl::Status status, absl::string_view reason);
// ... with `metadata`: the values its message names that a client may act
// on (AIP-193), e.g. {{"oldest_retained_revision", "1234"}}.
absl::Status WithReason(
    absl::Status status, absl::string_view reason,
    std::initializer_list<std::pair<absl::string_view, std::string>> metadata);
// The reason of `status`'s ErrorInfo, or "" without one.
std::string ReasonOf(const absl::Status& status);
// The value of `key` in `status`'s ErrorInfo metadata, or "".
std::string ErrorMetadata(const absl::Status& status, absl::string_view key);
// `status` for a log line: its code, message and reason ("UNAVAILABLE:
// redis is not serving [REDIS_UNAVAILABLE]"), not its details' bytes (which
// absl::Status::ToString prints).
std::string StatusText(const absl::Status& status);

// `status` (not OK) with a google.rpc.ResourceInfo naming the resource it
// concerns and that resource's owner (an organisation's name), kept in its
// ResourceInfo if it has one: for the audit log, and for callers to see whose
// resource it was.
absl::Status WithOwner(absl::Status status, absl::string_view resource_name,
                       absl::string_view owner);
// The owner in `status`'s ResourceInfo, or "".
std::string OwnerOf(const absl::Status& status);

// Common errors with details.
absl::Status InvalidField(std::string field, std::string description);
absl::Status NotFoundError(absl::string_view resource_name);
absl::Status AlreadyExistsError(absl::string_view resource_name);
absl::Status EtagMismatchError(absl::string_view resource_name);
absl::Status PreconditionError(absl::string_view subject, absl::string_view description);
// RESOURCE_EXHAUSTED, reason RATE_LIMITED: `subject` is over its rate limit
// and may call again in `retry_after_seconds` (said in the message and in a
// google.rpc.RetryInfo, which client libraries read to wait); the ErrorInfo's
// metadata "subject" names the principal, for the audit log.
absl::Status RateLimitedError(absl::string_view subject, double retry_after_seconds);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_ERRORS_H_
