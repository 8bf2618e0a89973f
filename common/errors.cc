#include "common/errors.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace samenspel {

namespace {
// Parses `status`'s detail of `detail`'s type into it; false without one.
bool DetailOf(const absl::Status& status, google::protobuf::Message& detail) {
  const auto payload =
      status.GetPayload(absl::StrCat("type.googleapis.com/", detail.GetTypeName()));
  return payload && detail.ParseFromString(std::string(*payload));
}
}  // namespace

void FieldViolations::Add(std::string field, std::string description) {
  violations_.emplace_back(std::move(field), std::move(description));
}

void FieldViolations::AddFrom(const absl::Status& status) {
  google::rpc::BadRequest detail;
  if (!DetailOf(status, detail)) return;
  for (const auto& fv : detail.field_violations()) Add(fv.field(), fv.description());
}

bool FieldViolations::Names(absl::string_view field) const {
  return std::any_of(violations_.begin(), violations_.end(),
                     [&](const auto& v) { return v.first == field; });
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::BadRequest detail;
  std::string message = "invalid request: ";
  for (size_t i = 0; i < violations_.size(); ++i) {
    auto* v = detail.add_field_violations();
    v->set_field(violations_[i].first);
    v->set_description(violations_[i].second);
    if (i < 5) {
      absl::StrAppend(&message, i ? "; " : "", violations_[i].first, ": ",
                      violations_[i].second);
    }
  }
  if (violations_.size() > 5) {
    absl::StrAppend(&message, "; and ", violations_.size() - 5, " more");
  }
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  AttachDetail(status, detail);
  return WithReason(std::move(status), "INVALID_FIELD");
}

void AttachDetail(absl::Status& status, const google::protobuf::Message& detail) {
  status.SetPayload(absl::StrCat("type.googleapis.com/", detail.GetTypeName()),
                    absl::Cord(detail.SerializeAsString()));
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  return WithReason(std::move(status), reason, {});
}

absl::Status WithReason(
    absl::Status status, absl::string_view reason,
    std::initializer_list<std::pair<absl::string_view, std::string>> metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[std::string(key)] = value;
  }
  AttachDetail(status, info);
  return status;
}

std::string ErrorMetadata(const absl::Status& status, absl::string_view key) {
  google::rpc::ErrorInfo info;
  if (!DetailOf(status, info)) return "";
  auto it = info.metadata().find(std::string(key));
  return it == info.metadata().end() ? "" : it->second;
}

std::string ReasonOf(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return DetailOf(status, info) ? info.reason() : "";
}

std::string StatusText(const absl::Status& status) {
  std::string text =
      absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
  if (std::string reason = ReasonOf(status); !reason.empty()) {
    absl::StrAppend(&text, " [", reason, "]");
  }
  return text;
}

absl::Status WithOwner(absl::Status status, absl::string_view resource_name,
                       absl::string_view owner) {
  if (status.ok()) return status;
  google::rpc::ResourceInfo info;
  if (!DetailOf(status, info)) info.Clear();
  if (info.resource_name().empty()) {
    info.set_resource_name(std::string(resource_name));
    info.set_resource_type(std::string(resource_name.substr(0, resource_name.find('/'))));
  }
  info.set_owner(std::string(owner));
  AttachDetail(status, info);
  return status;
}

std::string OwnerOf(const absl::Status& status) {
  google::rpc::ResourceInfo info;
  return DetailOf(status, info) ? info.owner() : "";
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

namespace {
absl::Status WithResource(absl::Status status, absl::string_view name,
                          absl::string_view reason) {
  google::rpc::ResourceInfo info;
  info.set_resource_name(std::string(name));
  info.set_resource_type(std::string(name.substr(0, name.find('/'))));
  AttachDetail(status, info);
  return WithReason(std::move(status), reason);
}
}  // namespace

absl::Status NotFoundError(absl::string_view resource_name) {
  return WithResource(absl::NotFoundError(absl::StrCat(resource_name, " not found")),
                      resource_name, "NOT_FOUND");
}

absl::Status AlreadyExistsError(absl::string_view resource_name) {
  return WithResource(
      absl::AlreadyExistsError(absl::StrCat(resource_name, " already exists")),
      resource_name, "ALREADY_EXISTS");
}

absl::Status EtagMismatchError(absl::string_view resource_name) {
  return WithResource(
      absl::AbortedError(absl::StrCat(
          resource_name,
          " was changed by someone else (etag mismatch): get it again and retry")),
      resource_name, "ETAG_MISMATCH");
}

absl::Status PreconditionError(absl::string_view subject, absl::string_view description) {
  google::rpc::PreconditionFailure failure;
  auto* v = failure.add_violations();
  v->set_type("STATE");
  v->set_subject(std::string(subject));
  v->set_description(std::string(description));
  absl::Status status =
      absl::FailedPreconditionError(absl::StrCat(subject, ": ", description));
  AttachDetail(status, failure);
  return WithReason(std::move(status), "FAILED_PRECONDITION");
}

absl::Status RateLimitedError(absl::string_view subject, double retry_after_seconds) {
  const int64_t ms =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(retry_after_seconds * 1000)));
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat(subject, " is over its rate limit; retry in ", ms, " ms"));
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(ms / 1000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
  AttachDetail(status, retry);
  google::rpc::ErrorInfo info;
  info.set_reason("RATE_LIMITED");
  info.set_domain(std::string(kErrorDomain));
  (*info.mutable_metadata())["subject"] = std::string(subject);
  AttachDetail(status, info);
  return status;
}

}  // namespace samenspel
