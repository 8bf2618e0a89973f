#include "registry-service/core/wire_record.h"

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/utf8.h"
#include "google/protobuf/io/coded_stream.h"  // CodedOutputStream
#include "google/protobuf/wire_format.h"
#include "google/protobuf/wire_format_lite.h"

namespace samenspel::registry {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormat;
using google::protobuf::internal::WireFormatLite;
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

// Reads `data` from `at` up to `end` (offsets into the scanned bytes), with
// the limits of protobuf's parser (parse_context.h): a varint in at most 10
// bytes, a tag or a length in at most 5 and below 2^31. Stricter where that
// is simpler: a 10th varint byte above 1 (bits beyond 64) is refused too.
class Cursor {
 public:
  Cursor(absl::string_view data, size_t at, size_t end)
      : data_(data), at_(at), end_(end) {}
  size_t at() const { return at_; }
  size_t left() const { return end_ - at_; }

  bool ReadVarint64(uint64_t& value) {
    value = 0;
    for (int i = 0; i < 10; ++i) {
      if (at_ == end_) return false;
      const auto byte = static_cast<uint8_t>(data_[at_++]);
      if (i == 9 && byte > 1) return false;
      value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) return true;
    }
    return false;
  }
  bool ReadVarint32(uint32_t& value) {
    value = 0;
    for (int i = 0; i < 5; ++i) {
      if (at_ == end_) return false;
      const auto byte = static_cast<uint8_t>(data_[at_++]);
      if (i == 4 && byte >= 0x08) return false;
      value |= static_cast<uint32_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) return true;
    }
    return false;
  }
  bool Skip(size_t n) {
    if (n > left()) return false;
    at_ += n;
    return true;
  }

 private:
  absl::string_view data_;
  size_t at_;
  size_t end_;
};

// Packed values of `field`: all that is left of `in`.
bool ScanPacked(const FieldDescriptor& field, Cursor& in) {
  switch (WireFormatLite::WireTypeForFieldType(
      static_cast<WireFormatLite::FieldType>(field.type()))) {
    case WireFormatLite::WIRETYPE_VARINT:
      while (in.left() > 0) {
        uint64_t value;
        if (!in.ReadVarint64(value)) return false;
      }
      return true;
    case WireFormatLite::WIRETYPE_FIXED32:
      return in.left() % 4 == 0 && in.Skip(in.left());
    case WireFormatLite::WIRETYPE_FIXED64:
      return in.left() % 8 == 0 && in.Skip(in.left());
    default:
      return false;
  }
}

// The fields of a `type` message: all that is left of `in`. Each top-level
// one is added to `top` when it is given.
bool ScanMessage(const Descriptor& type, absl::string_view data, Cursor& in, int depth,
                 WireFields* top) {
  const FieldTable& table = TableOf(type);
  uint64_t seen = 0;  // singular fields met, by index
  int last_number = 0;
  while (in.left() > 0) {
    WireField field;
    field.begin = in.at();
    uint32_t tag;
    if (!in.ReadVarint32(tag)) return false;
    field.number = WireFormatLite::GetTagFieldNumber(tag);
    // In order, as protobuf writes fields: etag and revision then go where
    // it puts them, and a repeated field's values are in one run.
    if (field.number == 0 || field.number < last_number) return false;
    last_number = field.number;
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
        if (!in.ReadVarint64(field.varint)) return false;
        break;
      case WireFormatLite::WIRETYPE_FIXED64:
        if (!in.Skip(8)) return false;
        break;
      case WireFormatLite::WIRETYPE_FIXED32:
        if (!in.Skip(4)) return false;
        break;
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        uint32_t length;
        if (!in.ReadVarint32(length) || length > in.left()) return false;
        field.value_begin = in.at();
        field.value_end = field.value_begin + length;
        Cursor value(data, field.value_begin, field.value_end);
        bool ok;
        switch (f.contents) {
          case FieldTable::Contents::kPacked:
            ok = ScanPacked(*f.descriptor, value);
            break;
          case FieldTable::Contents::kString:
            ok = Utf8Length(data.substr(field.value_begin, length)) >= 0;
            break;
          case FieldTable::Contents::kBytes:
            ok = true;
            break;
          case FieldTable::Contents::kMessage:
            ok = depth < kMaxDepth && ScanMessage(*f.descriptor->message_type(), data,
                                                  value, depth + 1, nullptr);
            break;
          default:
            ok = false;
        }
        if (!ok || !in.Skip(length)) return false;
        break;
      }
      default:  // groups
        return false;
    }
    field.end = in.at();
    if (top != nullptr) top->push_back(field);
  }
  return true;
}

}  // namespace

std::optional<WireFields> ScanWire(const Descriptor& type, absl::string_view data) {
  Cursor in(data, 0, data.size());
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
