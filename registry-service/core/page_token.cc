#include "registry-service/core/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"

namespace samenspel::registry {

std::string EncodePageToken(absl::string_view filters, absl::string_view after_id) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1\n", filters, "\n", after_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view filters) {
  if (token.empty()) return std::string();
  std::string raw;
  if (absl::WebSafeBase64Unescape(token, &raw)) {
    std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('\n', 2));
    if (parts.size() == 3 && parts[0] == "v1") {
      if (parts[1] != filters) {
        return InvalidField("page_token",
                            "was issued for other filters; keep the filters the same "
                            "while paging");
      }
      return parts[2];
    }
  }
  return InvalidField("page_token", "not a page token issued by this registry");
}

}  // namespace samenspel::registry
