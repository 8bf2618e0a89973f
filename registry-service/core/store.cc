#include "registry-service/core/store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace samenspel::registry {

absl::string_view KindCollection(Kind kind) {
  switch (kind) {
    case Kind::kOrganisation:
      return "organisations";
    case Kind::kExpert:
      return "experts";
    case Kind::kTeam:
      return "teams";
    case Kind::kChallenge:
      return "challenges";
  }
  return "unknown";
}

std::optional<Kind> KindFromCollection(absl::string_view collection) {
  for (Kind kind : kAllKinds) {
    if (KindCollection(kind) == collection) return kind;
  }
  return std::nullopt;
}

Precondition Precondition::Exists(Kind kind, std::string id, std::string field) {
  Precondition p;
  p.type = Type::kExists;
  p.kind = kind;
  p.id = std::move(id);
  p.field_or_reason = std::move(field);
  return p;
}

Precondition Precondition::AtRevision(Kind kind, std::string id, int64_t revision) {
  Precondition p;
  p.type = Type::kAtRevision;
  p.kind = kind;
  p.id = std::move(id);
  p.revision = revision;
  return p;
}

Precondition Precondition::IndexEmpty(Kind kind, IndexEntry index, std::string reason) {
  Precondition p;
  p.type = Type::kIndexEmpty;
  p.kind = kind;
  p.index = std::move(index);
  p.field_or_reason = std::move(reason);
  return p;
}

Precondition Precondition::IndexExactly(Kind kind, IndexEntry index,
                                        std::vector<std::string> ids) {
  Precondition p;
  p.type = Type::kIndexExactly;
  p.kind = kind;
  p.index = std::move(index);
  std::sort(ids.begin(), ids.end());
  p.ids = std::move(ids);
  return p;
}

absl::Status CommitRequest::CheckAbandoned() const {
  if (abandoned && abandoned()) {
    return absl::CancelledError(
        "the caller gave up before the write was sent; nothing written");
  }
  return absl::OkStatus();
}

std::string ResourceName(Kind kind, absl::string_view id) {
  return absl::StrCat(KindCollection(kind), "/", id);
}

absl::Status NoEarlierRequest() {
  return absl::NotFoundError("no earlier request with this request_id");
}

absl::Status Precondition::FailureStatus() const {
  if (type == Type::kExists) {
    return InvalidField(field_or_reason,
                        absl::StrCat(ResourceName(kind, id), " does not exist"));
  }
  if (type == Type::kIndexExactly) {
    return WithReason(absl::AbortedError(absl::StrCat(
                          KindCollection(kind), " with ", index.field, "=", index.value,
                          " changed while the request was prepared; retry")),
                      "CHANGED_MEANWHILE");
  }
  if (type == Type::kAtRevision) {
    return WithReason(absl::AbortedError(absl::StrCat(ResourceName(kind, id),
                                                      " changed while the request was "
                                                      "prepared; retry")),
                      "CHANGED_MEANWHILE");
  }
  return PreconditionError(
      absl::StrCat(KindCollection(kind), " with ", index.field, "=", index.value),
      field_or_reason);
}

absl::Status MutationFailure(const Mutation& m, absl::StatusCode code) {
  const std::string name = ResourceName(m.kind, m.id);
  switch (code) {
    case absl::StatusCode::kAlreadyExists:
      return AlreadyExistsError(name);
    case absl::StatusCode::kNotFound:
      return NotFoundError(name);
    case absl::StatusCode::kAborted:
      return EtagMismatchError(name);
    default:
      return absl::Status(code, name);
  }
}

}  // namespace samenspel::registry
