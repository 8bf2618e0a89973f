#include "registry-service/core/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace samenspel::registry {

std::string EncodePageToken(absl::string_view filters, absl::string_view after_id) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1\n", filters, "\n", after_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view filters) {
  if (token.empty()) return std::string();
  // "v1\n<filters>\n<after_id>". The id is what follows the last newline:
  // filters may hold newlines, ids do not.
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) raw.clear();
  const size_t last_newline = raw.rfind('\n');
  if (!absl::StartsWith(raw, "v1\n") || last_newline < 3) {
    return InvalidField("page_token", "not a page token issued by this registry");
  }
  if (absl::string_view(raw).substr(3, last_newline - 3) != filters) {
    return InvalidField("page_token",
                        "was issued for other filters; keep the filters the same "
                        "while paging");
  }
  return raw.substr(last_newline + 1);
}

}  // namespace samenspel::registry
