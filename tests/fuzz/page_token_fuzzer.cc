// Fuzzes page token decoding (registry-service/core/page_token.h), which
// reads a client-supplied string on every List call.
//
// Input: any bytes, used twice:
//  - as a token, decoded (as an id token and as a position token) under
//    filter fingerprints the registry really uses;
//  - split at the first NUL into (filters, after_id), encoded and decoded
//    (when after_id has no newline, as EncodePageToken requires).
// Invariants: decoding fails only with INVALID_ARGUMENT; what decodes under
// some filters encodes back to a token that decodes to the same id (or
// position, which is > 0); an
// encoded token is web-safe base64, decodes to its id under its filters and
// under no others.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "registry-service/core/page_token.h"
#include "tests/fuzz/fuzz_check.h"

namespace samenspel::registry {
namespace {

// Fingerprints as ResourceOps::List makes them ("field=CEscape(value);...").
constexpr absl::string_view kFilters[] = {
    "", "organisation=bzk;", "skill=woningbouw;theme=wonen;region=GM0363;layer=3;"};

bool IsWebSafeBase64(absl::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '=')
      return false;
  }
  return true;
}

void CheckDecode(absl::string_view token, absl::string_view filters) {
  absl::StatusOr<std::string> after = DecodePageToken(token, filters);
  if (!after.ok()) {
    FUZZ_CHECK(after.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!token.empty());
    return;
  }
  if (token.empty()) FUZZ_CHECK(after->empty());
  absl::StatusOr<std::string> again =
      DecodePageToken(EncodePageToken(filters, *after), filters);
  FUZZ_CHECK(again.ok() && *again == *after);
}

void CheckDecodePosition(absl::string_view token, absl::string_view filters) {
  absl::StatusOr<int64_t> after = DecodePositionToken(token, filters);
  if (!after.ok()) {
    FUZZ_CHECK(after.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!token.empty());
    return;
  }
  if (token.empty()) {
    FUZZ_CHECK(*after == 0);
    return;
  }
  FUZZ_CHECK(*after > 0);
  const std::string encoded = EncodePositionToken(filters, *after);
  FUZZ_CHECK(IsWebSafeBase64(encoded));
  absl::StatusOr<int64_t> again = DecodePositionToken(encoded, filters);
  FUZZ_CHECK(again.ok() && *again == *after);
  FUZZ_CHECK(!DecodePageToken(encoded, filters).ok());
}

void CheckRoundTrip(absl::string_view filters, absl::string_view after_id) {
  const std::string token = EncodePageToken(filters, after_id);
  FUZZ_CHECK(!token.empty() && IsWebSafeBase64(token));
  absl::StatusOr<std::string> after = DecodePageToken(token, filters);
  FUZZ_CHECK(after.ok() && *after == after_id);
  const std::string other = std::string(filters) + "x";
  FUZZ_CHECK(!DecodePageToken(token, other).ok());
}

}  // namespace
}  // namespace samenspel::registry

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace samenspel::registry;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  for (absl::string_view filters : kFilters) {
    CheckDecode(input, filters);
    CheckDecodePosition(input, filters);
  }
  const size_t nul = input.find('\0');
  if (nul != absl::string_view::npos) {
    const absl::string_view after_id = input.substr(nul + 1);
    if (!absl::StrContains(after_id, '\n'))
      CheckRoundTrip(input.substr(0, nul), after_id);
  }
  return 0;
}
