// Stored records checked and rearranged in wire form, so that a Get can answer
// with a record's stored bytes instead of parsing them into a message and
// serializing that again (bench/RESULTS.md, "Session 23").
//
// ScanWire accepts only bytes that protobuf's parser accepts too and reads
// the same way: well-formed wire format within the parser's limits (a varint
// in at most 10 bytes, a tag or a length in at most 5 and below 2^31),
// fields the message type declares, with their declared wire type, in
// ascending order of number (a repeated field's values in one run), each
// singular field at most once, strings valid UTF-8 (stricter than protobuf:
// no control characters other than tab, newline and carriage return), nested
// messages likewise, at most 8 deep. Anything else is refused, and the caller
// parses the bytes with protobuf as before: an odd record costs that call the
// slow path, never a different answer. What this registry stores (protobuf's
// own serialization) passes, and rearranged it is byte for byte what
// protobuf would write; a record written otherwise may come out in other
// bytes of the same meaning (an explicitly empty string, say).
//
// Example:
//   std::optional<WireFields> fields = ScanWire(*v1::Expert::descriptor(), data);
//   for (const WireField& f : *fields) ... data.substr(f.begin, f.end - f.begin)
#ifndef SAMENSPEL_REGISTRY_CORE_WIRE_RECORD_H_
#define SAMENSPEL_REGISTRY_CORE_WIRE_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace samenspel::registry {

// One top-level field occurrence in a serialized message.
struct WireField {
  int number = 0;
  // The whole occurrence (tag included): [begin, end) of the scanned bytes.
  size_t begin = 0;
  size_t end = 0;
  // A length-delimited field's contents (strings, bytes, messages, packed
  // values): [value_begin, value_end). Empty for the other wire types.
  size_t value_begin = 0;
  size_t value_end = 0;
  // A varint field's value (bools, enums, integers); 0 for the others.
  uint64_t varint = 0;
};

using WireFields = absl::InlinedVector<WireField, 24>;

// The top-level fields of `data` as a message of type `type`, in the order
// they appear; nullopt unless `data` passes the checks above.
std::optional<WireFields> ScanWire(const google::protobuf::Descriptor& type,
                                   absl::string_view data);

// Appends the wire form of a string field and of a varint field to `out`.
void AppendWireString(int number, absl::string_view value, std::string& out);
void AppendWireVarint(int number, uint64_t value, std::string& out);

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_WIRE_RECORD_H_
