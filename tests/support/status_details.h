// The google.rpc details of an absl::Status, for tests that check which
// fields an error names.
//
// Example:
//   EXPECT_THAT(BadFields(status), ElementsAre("expert.skills[0].level"));
#ifndef SAMENSPEL_TESTS_SUPPORT_STATUS_DETAILS_H_
#define SAMENSPEL_TESTS_SUPPORT_STATUS_DETAILS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"

namespace samenspel::test_support {

// The field paths of the status's BadRequest detail, in order (none without).
inline std::vector<std::string> BadFields(const absl::Status& s) {
  std::vector<std::string> fields;
  auto payload = s.GetPayload("type.googleapis.com/google.rpc.BadRequest");
  if (!payload) return fields;
  google::rpc::BadRequest br;
  br.ParseFromString(std::string(*payload));
  for (const auto& v : br.field_violations()) fields.push_back(v.field());
  return fields;
}

}  // namespace samenspel::test_support

#endif  // SAMENSPEL_TESTS_SUPPORT_STATUS_DETAILS_H_
