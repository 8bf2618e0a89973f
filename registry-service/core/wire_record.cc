#include "registry-service/core/wire_record.h"

#include <climits>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/utf8.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format.h"
#include "google/protobuf/wire_format_lite.h"

namespace samenspel::registry {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormat;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

constexpr int kMaxDepth = 8;

// What the scan needs of a message type's fields, looked up by number once
// per type and thread (FindFieldByNumber per field costs more than the rest
// of a scan).
class FieldTable {
 public:
  enum class Contents { kOther, kPacked, kString, kBytes, kMessage };
  struct Field {
    const FieldDescriptor* descriptor = nullptr;
    WireFormatLite::WireType wire_type = WireFormatLite::WIRETYPE_VARINT;
    Contents contents = Contents::kOther;
  };

  explicit FieldTable(const Descriptor& type) : type_(type) {
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor* f = type.field(i);
      if (f->number() >= kMaxIndexed) continue;  // looked up by Find (rare)
      if (static_cast<size_t>(f->number()) >= by_number_.size()) {
        by_number_.resize(static_cast<size_t>(f->number()) + 1);
      }
      by_number_[static_cast<size_t>(f->number())] = Describe(f);
    }
  }

  // The field numbered `number`; its descriptor is null when there is none.
  Field Find(int number) const {
    if (number >= 0 && static_cast<size_t>(number) < by_number_.size()) {
      return by_number_[static_cast<size_t>(number)];
    }
    if (number < kMaxIndexed) return Field();
    const FieldDescriptor* f = type_.FindFieldByNumber(number);
    return f == nullptr ? Field() : Describe(f);
  }

 private:
  static constexpr int kMaxIndexed = 1024;
  static Field Describe(const FieldDescriptor* f) {
    Field out;
    out.descriptor = f;
    out.wire_type = WireFormat::WireTypeForField(f);
    if (f->is_packed()) {
      out.contents = Contents::kPacked;
    } else if (f->type() == FieldDescriptor::TYPE_STRING) {
      out.contents = Contents::kString;
    } else if (f->type() == FieldDescriptor::TYPE_BYTES) {
      out.contents = Contents::kBytes;
    } else if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      out.contents = Contents::kMessage;
    }
    return out;
  }
  const Descriptor& type_;
  std::vector<Field> by_number_;
};

const FieldTable& TableOf(const Descriptor& type) {
  thread_local absl::flat_hash_map<const Descriptor*, std::unique_ptr<const FieldTable>>
      tables;
  std::unique_ptr<const FieldTable>& table = tables[&type];
  if (table == nullptr) table = std::make_unique<const FieldTable>(type);
  return *table;
}

// Packed values of `field` in `in` up to its limit.
bool ScanPacked(const FieldDescriptor& field, CodedInputStream& in) {
  switch (WireFormatLite::WireTypeForFieldType(
      static_cast<WireFormatLite::FieldType>(field.type()))) {
    case WireFormatLite::WIRETYPE_VARINT:
      while (in.BytesUntilLimit() > 0) {
        uint64_t value;
        if (!in.ReadVarint64(&value)) return false;
      }
      return true;
    case WireFormatLite::WIRETYPE_FIXED32:
      return in.BytesUntilLimit() % 4 == 0 && in.Skip(in.BytesUntilLimit());
    case WireFormatLite::WIRETYPE_FIXED64:
      return in.BytesUntilLimit() % 8 == 0 && in.Skip(in.BytesUntilLimit());
    default:
      return false;
  }
}

// The fields of a `type` message in `in` up to its limit; each top-level one
// is added to `top` when it is given.
bool ScanMessage(const Descriptor& type, absl::string_view data, CodedInputStream& in,
                 int depth, WireFields* top) {
  const FieldTable& table = TableOf(type);
  uint64_t seen = 0;  // singular fields met, by index
  while (in.BytesUntilLimit() > 0) {
    WireField field;
    field.begin = static_cast<size_t>(in.CurrentPosition());
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return false;
    field.number = WireFormatLite::GetTagFieldNumber(tag);
    const FieldTable::Field f = table.Find(field.number);
    if (f.descriptor == nullptr) return false;
    if (!f.descriptor->is_repeated()) {
      const int index = f.descriptor->index();
      if (index >= 64 || (seen & (uint64_t{1} << index)) != 0) return false;
      seen |= uint64_t{1} << index;
    }
    const WireFormatLite::WireType wire_type = WireFormatLite::GetTagWireType(tag);
    if (wire_type != f.wire_type) return false;
    switch (wire_type) {
      case WireFormatLite::WIRETYPE_VARINT:
        if (!in.ReadVarint64(&field.varint)) return false;
        break;
      case WireFormatLite::WIRETYPE_FIXED64: {
        uint64_t value;
        if (!in.ReadLittleEndian64(&value)) return false;
        break;
      }
      case WireFormatLite::WIRETYPE_FIXED32: {
        uint32_t value;
        if (!in.ReadLittleEndian32(&value)) return false;
        break;
      }
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        uint32_t length;
        if (!in.ReadVarint32(&length) || length > INT_MAX ||
            static_cast<int>(length) > in.BytesUntilLimit()) {
          return false;
        }
        field.value_begin = static_cast<size_t>(in.CurrentPosition());
        field.value_end = field.value_begin + length;
        const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(length));
        bool ok;
        switch (f.contents) {
          case FieldTable::Contents::kPacked:
            ok = ScanPacked(*f.descriptor, in);
            break;
          case FieldTable::Contents::kString:
            ok = Utf8Length(data.substr(field.value_begin, length)) >= 0 &&
                 in.Skip(static_cast<int>(length));
            break;
          case FieldTable::Contents::kBytes:
            ok = in.Skip(static_cast<int>(length));
            break;
          case FieldTable::Contents::kMessage:
            ok = depth < kMaxDepth &&
                 ScanMessage(*f.descriptor->message_type(), data, in, depth + 1, nullptr);
            break;
          default:
            ok = false;
        }
        if (!ok || in.BytesUntilLimit() != 0) return false;
        in.PopLimit(limit);
        break;
      }
      default:  // groups
        return false;
    }
    field.end = static_cast<size_t>(in.CurrentPosition());
    if (top != nullptr) top->push_back(field);
  }
  return true;
}

}  // namespace

std::optional<WireFields> ScanWire(const Descriptor& type, absl::string_view data) {
  if (data.size() > INT_MAX) return std::nullopt;
  CodedInputStream in(reinterpret_cast<const uint8_t*>(data.data()),
                      static_cast<int>(data.size()));
  in.PushLimit(static_cast<int>(data.size()));
  WireFields fields;
  if (!ScanMessage(type, data, in, 0, &fields)) return std::nullopt;
  return fields;
}

void AppendWireString(int number, absl::string_view value, std::string& out) {
  uint8_t head[2 * 10];
  uint8_t* end = CodedOutputStream::WriteVarint64ToArray(
      WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED), head);
  end = CodedOutputStream::WriteVarint64ToArray(value.size(), end);
  out.append(reinterpret_cast<const char*>(head), static_cast<size_t>(end - head));
  out.append(value.data(), value.size());
}

void AppendWireVarint(int number, uint64_t value, std::string& out) {
  uint8_t head[2 * 10];
  uint8_t* end = CodedOutputStream::WriteVarint64ToArray(
      WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_VARINT), head);
  end = CodedOutputStream::WriteVarint64ToArray(value, end);
  out.append(reinterpret_cast<const char*>(head), static_cast<size_t>(end - head));
}

}  // namespace samenspel::registry
