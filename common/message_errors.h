// Why bytes that protobuf would not parse are not a valid message: the
// error a server answers for a request it cannot read, naming the field
// that broke it where it can. (gRPC's own parsing answers UNIMPLEMENTED
// without a word; a string that is not UTF-8 is the usual cause.)
//
// Example:
//   if (!request.ParseFromString(bytes)) {
//     return InvalidMessageError(*request.GetDescriptor(), bytes);
//     // INVALID_ARGUMENT, BadRequest: expert.skills[1].name "is not valid UTF-8"
//   }
#ifndef SAMENSPEL_COMMON_MESSAGE_ERRORS_H_
#define SAMENSPEL_COMMON_MESSAGE_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace samenspel {

// INVALID_ARGUMENT for `bytes`, which do not parse as a `type` message:
// with a field violation naming the first field at fault (its path from the
// message, as "expert.skills[1].name"; repeated fields with their index)
// when one is: a string that is not valid UTF-8, or a field cut short or of
// a malformed encoding. Without one, the message says the bytes are not a
// `type` at all. Either way with ErrorInfo reason INVALID_FIELD or
// MALFORMED_REQUEST.
absl::Status InvalidMessageError(const google::protobuf::Descriptor& type,
                                 absl::string_view bytes);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_MESSAGE_ERRORS_H_
