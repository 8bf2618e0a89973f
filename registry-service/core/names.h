// Resource names ("experts/jan-de-vries") and ids: parsing and generating.
#ifndef SAMENSPEL_REGISTRY_CORE_NAMES_H_
#define SAMENSPEL_REGISTRY_CORE_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry-service/core/store.h"

namespace samenspel::registry {

// True for a valid resource id: [a-z0-9][a-z0-9-]{0,62} (RFC 1034-like, as
// AIP-122 recommends).
bool IsValidId(absl::string_view id);

// The id in `name` if it is "<collection of kind>/<valid id>"; otherwise
// INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> ParseName(Kind kind, absl::string_view name,
                                      absl::string_view field);

// A fresh random id (16 lower-case letters and digits). Thread-safe.
std::string GenerateId();

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_NAMES_H_
