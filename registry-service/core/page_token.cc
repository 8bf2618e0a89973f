#include "registry-service/core/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace samenspel::registry {
namespace {

// Tokens are "<version>\n<filters>\n<after>" in web-safe base64: version "v1"
// continues after an id, "v2" after a list position. `after` is what follows
// the last newline: filters may hold newlines, ids and numbers do not.
struct Parsed {
  absl::string_view version;
  absl::string_view after;
};

absl::StatusOr<Parsed> Parse(absl::string_view token, absl::string_view filters,
                             std::string& raw) {
  if (!absl::WebSafeBase64Unescape(token, &raw)) raw.clear();
  const size_t last_newline = raw.rfind('\n');
  const absl::string_view view(raw);
  if (raw.size() < 3 || raw[2] != '\n' || last_newline < 3 ||
      (!absl::StartsWith(raw, "v1") && !absl::StartsWith(raw, "v2"))) {
    return InvalidField("page_token", "not a page token issued by this registry");
  }
  if (view.substr(3, last_newline - 3) != filters) {
    return InvalidField("page_token",
                        "was issued for other filters; keep the filters the same "
                        "while paging");
  }
  return Parsed{view.substr(0, 2), view.substr(last_newline + 1)};
}

}  // namespace

std::string EncodePageToken(absl::string_view filters, absl::string_view after_id) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1\n", filters, "\n", after_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view filters) {
  if (token.empty()) return std::string();
  std::string raw;
  SAMENSPEL_ASSIGN_OR_RETURN(Parsed parsed, Parse(token, filters, raw));
  if (parsed.version != "v1") {
    return InvalidField("page_token", "not a page token issued by this registry");
  }
  return std::string(parsed.after);
}

std::string EncodePositionToken(absl::string_view filters, int64_t after_position) {
  return absl::WebSafeBase64Escape(absl::StrCat("v2\n", filters, "\n", after_position));
}

absl::StatusOr<int64_t> DecodePositionToken(absl::string_view token,
                                            absl::string_view filters) {
  if (token.empty()) return 0;
  std::string raw;
  SAMENSPEL_ASSIGN_OR_RETURN(Parsed parsed, Parse(token, filters, raw));
  if (parsed.version == "v1") {
    return InvalidField("page_token",
                        "was issued by an earlier version of the registry, which paged "
                        "by id; list again from the first page");
  }
  int64_t position = 0;
  if (parsed.after.empty() ||
      parsed.after.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(parsed.after, &position) || position <= 0) {
    return InvalidField("page_token", "not a page token issued by this registry");
  }
  return position;
}

}  // namespace samenspel::registry
