#include "registry-service/core/names.h"

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace samenspel::registry {

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i > 0 && c == '-')) return false;
  }
  return true;
}

absl::StatusOr<std::string> ParseName(Kind kind, absl::string_view name,
                                      absl::string_view field) {
  const std::string prefix = absl::StrCat(KindCollection(kind), "/");
  if (name.empty()) {
    return InvalidField(std::string(field), absl::StrCat("required: ", prefix, "{id}"));
  }
  if (!absl::StartsWith(name, prefix) || !IsValidId(name.substr(prefix.size()))) {
    return InvalidField(std::string(field),
                        absl::StrCat("must be ", prefix,
                                     "{id} with id matching [a-z0-9][a-z0-9-]{0,62}"));
  }
  return std::string(name.substr(prefix.size()));
}

std::string GenerateId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local absl::BitGen gen;
  std::string id(16, 'a');
  for (char& c : id) c = kAlphabet[absl::Uniform<size_t>(gen, 0, sizeof(kAlphabet) - 1)];
  return id;
}

}  // namespace samenspel::registry
