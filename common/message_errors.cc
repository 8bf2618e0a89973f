#include "common/message_errors.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/wire_format_lite.h"

namespace samenspel {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Nested messages deeper than this are not looked into (protobuf's own
// limit is 100).
constexpr int kMaxDepth = 32;

struct Fault {
  std::string field;
  std::string description;
};

// The first fault in `bytes` read as a `type` message whose path is
// `prefix`, if any.
std::optional<Fault> FindFault(const Descriptor& type, absl::string_view bytes,
                               const std::string& prefix, int depth) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  absl::flat_hash_map<int, int> seen;  // field number -> values read so far
  while (!in.ExpectAtEnd()) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return Fault{prefix, "is not a valid encoding"};
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    const FieldDescriptor* field = type.FindFieldByNumber(number);
    const int index = seen[number]++;
    std::string path =
        field == nullptr
            ? absl::StrCat(prefix, prefix.empty() ? "" : ".", "(field ", number, ")")
            : absl::StrCat(prefix, prefix.empty() ? "" : ".", field->name());
    if (field != nullptr && field->is_repeated()) absl::StrAppend(&path, "[", index, "]");
    const bool nested = field != nullptr &&
                        WireFormatLite::GetTagWireType(tag) ==
                            WireFormatLite::WIRETYPE_LENGTH_DELIMITED &&
                        (field->type() == FieldDescriptor::TYPE_STRING ||
                         field->type() == FieldDescriptor::TYPE_MESSAGE);
    if (!nested) {
      if (!WireFormatLite::SkipField(&in, tag))
        return Fault{path, "is cut short or malformed"};
      continue;
    }
    uint32_t length;
    std::string value;
    if (!in.ReadVarint32(&length) || !in.ReadString(&value, static_cast<int>(length))) {
      return Fault{path, "is cut short or malformed"};
    }
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (!google::protobuf::internal::IsStructurallyValidUTF8(
              value.data(), static_cast<int>(value.size()))) {
        return Fault{path, "is not valid UTF-8 (text must be UTF-8 encoded)"};
      }
    } else if (depth < kMaxDepth) {
      if (std::optional<Fault> inner =
              FindFault(*field->message_type(), value, path, depth + 1)) {
        return inner;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

absl::Status InvalidMessageError(const Descriptor& type, absl::string_view bytes) {
  std::optional<Fault> fault = FindFault(type, bytes, "", 0);
  if (fault.has_value() && !fault->field.empty()) {
    return InvalidField(std::move(fault->field), std::move(fault->description));
  }
  return WithReason(
      absl::InvalidArgumentError(absl::StrCat(
          "the request is not a valid ", type.full_name(), " protocol buffer message")),
      "MALFORMED_REQUEST");
}

}  // namespace samenspel
