// Early-return helpers for absl::Status / absl::StatusOr. Our Abseil
// (20220623) has no ABSL_RETURN_IF_ERROR, so the project keeps these two.
//
// Example:
//   SAMENSPEL_RETURN_IF_ERROR(store->Ping());
//   SAMENSPEL_ASSIGN_OR_RETURN(StoredRecord rec, store->Get(kind, id));
#ifndef SAMENSPEL_COMMON_STATUS_MACROS_H_
#define SAMENSPEL_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SAMENSPEL_RETURN_IF_ERROR(expr)                    \
  do {                                                     \
    ::absl::Status samenspel_status_ = (expr);             \
    if (!samenspel_status_.ok()) return samenspel_status_; \
  } while (0)

#define SAMENSPEL_CONCAT_INNER_(a, b) a##b
#define SAMENSPEL_CONCAT_(a, b) SAMENSPEL_CONCAT_INNER_(a, b)

#define SAMENSPEL_ASSIGN_OR_RETURN(lhs, expr) \
  SAMENSPEL_ASSIGN_OR_RETURN_IMPL_(SAMENSPEL_CONCAT_(samenspel_or_, __LINE__), lhs, expr)

#define SAMENSPEL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return std::move(tmp).status();         \
  lhs = std::move(tmp).value()

#endif  // SAMENSPEL_COMMON_STATUS_MACROS_H_
