// Opaque page tokens for List* methods. A token carries the filters it was
// issued for and where the previous page ended (keyset paging): the list
// position of the last record (StoredRecord::position) for the four
// resources, the last id for access tokens and audit events. So a scan during
// writes returns every record that existed throughout it exactly once.
//
// Example:
//   std::string token = EncodePositionToken("org=bzk", 42);
//   absl::StatusOr<int64_t> after = DecodePositionToken(token, "org=bzk");
//   // *after == 42
#ifndef SAMENSPEL_REGISTRY_CORE_PAGE_TOKEN_H_
#define SAMENSPEL_REGISTRY_CORE_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samenspel::registry {

// A web-safe token for continuing after `after_id` under `filters`.
// `filters` may be any bytes. REQUIRES: after_id holds no '\n' (ids never
// do).
std::string EncodePageToken(absl::string_view filters, absl::string_view after_id);

// The id to continue after; "" for an empty token (the first page).
// INVALID_ARGUMENT (field `page_token`) when the token was not issued by
// EncodePageToken or was issued for other filters.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view filters);

// A web-safe token for continuing after the list position `after_position`
// under `filters`. REQUIRES: after_position > 0.
std::string EncodePositionToken(absl::string_view filters, int64_t after_position);

// The position to continue after; 0 for an empty token (the first page).
// INVALID_ARGUMENT (field `page_token`) when the token was not issued by
// EncodePositionToken, was issued for other filters, or is an id token
// (registries before 2026-11-30 paged the resources by id: the caller starts
// again from the first page).
absl::StatusOr<int64_t> DecodePositionToken(absl::string_view token,
                                            absl::string_view filters);

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_PAGE_TOKEN_H_
