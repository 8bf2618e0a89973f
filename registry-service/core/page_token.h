// Opaque page tokens for List* methods. A token carries the filters it was
// issued for and the last id returned (keyset paging), so a scan during writes
// returns every record that existed throughout it exactly once.
//
// Example:
//   std::string token = EncodePageToken("org=bzk", "exp-0042");
//   absl::StatusOr<std::string> after = DecodePageToken(token, "org=bzk");
//   // *after == "exp-0042"
#ifndef SAMENSPEL_REGISTRY_CORE_PAGE_TOKEN_H_
#define SAMENSPEL_REGISTRY_CORE_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samenspel::registry {

// A web-safe token for continuing after `after_id` under `filters`.
// `filters` may be any bytes. REQUIRES: after_id holds no '\n' (resource ids
// never do).
std::string EncodePageToken(absl::string_view filters, absl::string_view after_id);

// The id to continue after; "" for an empty token (the first page).
// INVALID_ARGUMENT (field `page_token`) when the token was not issued by
// EncodePageToken or was issued for other filters.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view filters);

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_PAGE_TOKEN_H_
