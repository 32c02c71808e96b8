#include "flink/java_serial.hpp"

#include "util/utf8.hpp"

#include <fmt/format.h>

#include <bit>
#include <unordered_set>
#include <utility>

namespace flinkha::flink {

namespace {

// Type codes (java.io.ObjectStreamConstants).
constexpr std::uint8_t kTcNull = 0x70;
constexpr std::uint8_t kTcReference = 0x71;
constexpr std::uint8_t kTcClassDesc = 0x72;
constexpr std::uint8_t kTcObject = 0x73;
constexpr std::uint8_t kTcString = 0x74;
constexpr std::uint8_t kTcArray = 0x75;
constexpr std::uint8_t kTcClass = 0x76;
constexpr std::uint8_t kTcBlockData = 0x77;
constexpr std::uint8_t kTcEndBlockData = 0x78;
constexpr std::uint8_t kTcReset = 0x79;
constexpr std::uint8_t kTcBlockDataLong = 0x7a;
constexpr std::uint8_t kTcException = 0x7b;
constexpr std::uint8_t kTcLongString = 0x7c;
constexpr std::uint8_t kTcProxyClassDesc = 0x7d;
constexpr std::uint8_t kTcEnum = 0x7e;

// ObjectInputStream refuses more interfaces than a class may have.
constexpr std::int32_t kMaxProxyInterfaces = 65535;

constexpr std::size_t kNoError = static_cast<std::size_t>(-1);

// Size of a primitive of type `code` on the wire; 0 for object types and unknown codes.
std::size_t primitive_size(char code) {
  switch (code) {
  case 'B':
  case 'Z':
    return 1;
  case 'C':
  case 'S':
    return 2;
  case 'I':
  case 'F':
    return 4;
  case 'J':
  case 'D':
    return 8;
  default:
    return 0;
  }
}

bool is_object_type(char code) {
  return code == 'L' || code == '[';
}

std::uint64_t load_be(const char* data, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size; ++i) {
    value = (value << 8) | static_cast<unsigned char>(data[i]);
  }
  return value;
}

// A primitive from its big-endian wire bytes (`data` holds primitive_size(code) bytes).
JavaValue primitive_value(char code, const char* data) {
  const std::uint64_t raw = load_be(data, primitive_size(code));
  switch (code) {
  case 'B':
    return static_cast<std::int8_t>(raw);
  case 'Z':
    return raw != 0;
  case 'C':
    return static_cast<char16_t>(raw);
  case 'S':
    return static_cast<std::int16_t>(raw);
  case 'I':
    return static_cast<std::int32_t>(raw);
  case 'F':
    return std::bit_cast<float>(static_cast<std::uint32_t>(raw));
  case 'J':
    return static_cast<std::int64_t>(raw);
  case 'D':
    return std::bit_cast<double>(raw);
  default:
    return std::monostate{};
  }
}

// Decodes modified UTF-8 into `out`; returns the index of the first malformed byte, or kNoError.
// The rules are those of java.io.DataInputStream.readUTF (byte >> 4: 0–7 one byte, 12–13 two,
// 14 three, anything else malformed; continuation bytes must be 10xxxxxx; overlong forms such as
// 0xC0 0x80 are accepted).
std::size_t decode_mutf8(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size()); // UTF-8 is never longer than modified UTF-8
  constexpr char32_t kReplacement = 0xFFFD;
  char32_t pending_high = 0; // a high surrogate waiting for its low half
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t start = i;
    const auto b0 = static_cast<unsigned char>(in[i]);
    char32_t unit = 0;
    if (b0 < 0x80) {
      unit = b0;
      i += 1;
    } else if ((b0 & 0xE0) == 0xC0) {
      if (in.size() - i < 2) {
        return start;
      }
      const auto b1 = static_cast<unsigned char>(in[i + 1]);
      if ((b1 & 0xC0) != 0x80) {
        return start;
      }
      unit = (static_cast<char32_t>(b0 & 0x1F) << 6) | (b1 & 0x3F);
      i += 2;
    } else if ((b0 & 0xF0) == 0xE0) {
      if (in.size() - i < 3) {
        return start;
      }
      const auto b1 = static_cast<unsigned char>(in[i + 1]);
      const auto b2 = static_cast<unsigned char>(in[i + 2]);
      if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) {
        return start;
      }
      unit = (static_cast<char32_t>(b0 & 0x0F) << 12) | (static_cast<char32_t>(b1 & 0x3F) << 6) |
             (b2 & 0x3F);
      i += 3;
    } else {
      return start;
    }
    const bool high = unit >= 0xD800 && unit <= 0xDBFF;
    const bool low = unit >= 0xDC00 && unit <= 0xDFFF;
    if (pending_high != 0) {
      if (low) {
        util::append_utf8(out, 0x10000 + ((pending_high - 0xD800) << 10) + (unit - 0xDC00));
        pending_high = 0;
        continue;
      }
      util::append_utf8(out, kReplacement);
      pending_high = 0;
    }
    if (high) {
      pending_high = unit;
    } else {
      util::append_utf8(out, low ? kReplacement : unit);
    }
  }
  if (pending_high != 0) {
    util::append_utf8(out, kReplacement);
  }
  return kNoError;
}

// One pass over the input. Reading functions return false after recording the first error
// (with its offset) in m_error; nothing is read after that.
class Parser {
public:
  explicit Parser(std::string_view bytes) : m_bytes(bytes) {}

  Result<JavaStream> run();

private:
  // Nesting guard: every object, array or descriptor read inside another takes one level.
  class DepthGuard {
  public:
    explicit DepthGuard(std::size_t& depth) : m_depth(depth) { ++m_depth; }
    ~DepthGuard() { --m_depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

  private:
    std::size_t& m_depth;
  };

  template <typename... Args>
  bool error_at(std::size_t offset, fmt::format_string<Args...> format, Args&&... args) {
    if (!m_error) {
      m_error =
          fmt::format("offset {}: {}", offset, fmt::format(format, std::forward<Args>(args)...));
    }
    return false;
  }

  std::size_t remaining() const { return m_bytes.size() - m_pos; }
  bool need(std::size_t count, std::string_view what);
  bool read_raw(std::size_t count, std::string_view what, std::string_view& out);
  bool read_u8(std::string_view what, std::uint8_t& out);
  bool read_u16(std::string_view what, std::uint16_t& out);
  bool read_i32(std::string_view what, std::int32_t& out);
  bool read_i64(std::string_view what, std::int64_t& out);
  bool read_utf_body(std::size_t length, std::string_view what, std::string& out);
  bool read_utf(std::string_view what, std::string& out);

  bool charge(std::size_t bytes);
  bool enter();
  bool add_entity(JavaEntity entity, std::uint32_t& index);
  bool assign_handle(std::uint32_t index);
  bool resolve_handle(std::size_t offset, std::uint32_t& index);

  bool read_contents_until_end(std::vector<JavaValue>& contents);
  bool read_content(std::vector<JavaValue>& contents, bool top_level);
  bool read_block_data(std::uint8_t code, std::vector<JavaValue>& contents);
  bool read_object(JavaValue& out);
  bool read_class_desc(bool allow_null, std::optional<std::uint32_t>& out);
  bool read_new_class_desc(std::uint8_t code, std::uint32_t& index);
  bool finish_class_desc(std::uint32_t index, std::size_t offset);
  bool read_type_string(std::string_view what, std::string& out);
  bool read_new_object(JavaValue& out);
  bool read_new_array(JavaValue& out);
  bool read_new_string(std::uint8_t code, JavaValue& out);
  bool read_new_enum(JavaValue& out);
  bool read_new_class(JavaValue& out);
  bool read_field_value(char code, std::vector<JavaValue>& values);

  std::string_view m_bytes;
  std::size_t m_pos = 0;
  std::size_t m_depth = 0;
  std::size_t m_model_bytes = 0;
  std::optional<std::string> m_error;
  JavaStream m_stream;
  std::vector<std::uint32_t> m_handles; // wire handle - kJavaBaseWireHandle → entity index
  std::vector<bool> m_complete_desc;    // per entity: a descriptor fully read
};

bool Parser::need(std::size_t count, std::string_view what) {
  if (remaining() < count) {
    return error_at(m_pos, "truncated stream: {} needs {} bytes, {} left", what, count,
                    remaining());
  }
  return true;
}

bool Parser::read_raw(std::size_t count, std::string_view what, std::string_view& out) {
  if (!need(count, what)) {
    return false;
  }
  out = m_bytes.substr(m_pos, count);
  m_pos += count;
  return true;
}

bool Parser::read_u8(std::string_view what, std::uint8_t& out) {
  std::string_view raw;
  if (!read_raw(1, what, raw)) {
    return false;
  }
  out = static_cast<std::uint8_t>(raw[0]);
  return true;
}

bool Parser::read_u16(std::string_view what, std::uint16_t& out) {
  std::string_view raw;
  if (!read_raw(2, what, raw)) {
    return false;
  }
  out = static_cast<std::uint16_t>(load_be(raw.data(), 2));
  return true;
}

bool Parser::read_i32(std::string_view what, std::int32_t& out) {
  std::string_view raw;
  if (!read_raw(4, what, raw)) {
    return false;
  }
  out = static_cast<std::int32_t>(static_cast<std::uint32_t>(load_be(raw.data(), 4)));
  return true;
}

bool Parser::read_i64(std::string_view what, std::int64_t& out) {
  std::string_view raw;
  if (!read_raw(8, what, raw)) {
    return false;
  }
  out = static_cast<std::int64_t>(load_be(raw.data(), 8));
  return true;
}

bool Parser::read_utf_body(std::size_t length, std::string_view what, std::string& out) {
  const std::size_t start = m_pos;
  std::string_view raw;
  if (!read_raw(length, what, raw) || !charge(length)) {
    return false;
  }
  out.clear();
  if (const std::size_t bad = decode_mutf8(raw, out); bad != kNoError) {
    return error_at(start + bad, "malformed modified UTF-8 in {} (byte 0x{:02x})", what,
                    static_cast<unsigned char>(raw[bad]));
  }
  return true;
}

bool Parser::read_utf(std::string_view what, std::string& out) {
  std::uint16_t length = 0;
  return read_u16(what, length) && read_utf_body(length, what, out);
}

bool Parser::charge(std::size_t bytes) {
  m_model_bytes += bytes;
  if (m_model_bytes > kJavaMaxModelBytes) {
    return error_at(m_pos, "the decoded stream would take more than {} MiB of memory",
                    kJavaMaxModelBytes / (1024 * 1024));
  }
  return true;
}

bool Parser::enter() {
  if (m_depth > kJavaMaxDepth) {
    return error_at(m_pos, "objects nested more than {} levels deep", kJavaMaxDepth);
  }
  return true;
}

bool Parser::add_entity(JavaEntity entity, std::uint32_t& index) {
  if (m_stream.entities.size() >= kJavaMaxHandles) {
    return error_at(m_pos, "more than {} objects in the stream", kJavaMaxHandles);
  }
  if (!charge(sizeof(JavaEntity))) {
    return false;
  }
  index = static_cast<std::uint32_t>(m_stream.entities.size());
  m_stream.entities.push_back(std::move(entity));
  m_complete_desc.push_back(false);
  return true;
}

bool Parser::assign_handle(std::uint32_t index) {
  m_handles.push_back(index);
  return charge(sizeof(std::uint32_t));
}

bool Parser::resolve_handle(std::size_t offset, std::uint32_t& index) {
  std::int32_t handle = 0;
  if (!read_i32("TC_REFERENCE handle", handle)) {
    return false;
  }
  const auto wire = static_cast<std::uint32_t>(handle);
  if (wire < kJavaBaseWireHandle || wire - kJavaBaseWireHandle >= m_handles.size()) {
    return error_at(offset,
                    "TC_REFERENCE to handle 0x{:x}, but only {} handles are assigned (0x{:x}…)",
                    wire, m_handles.size(), kJavaBaseWireHandle);
  }
  index = m_handles[wire - kJavaBaseWireHandle];
  return true;
}

Result<JavaStream> Parser::run() {
  if (m_bytes.size() > kJavaMaxStreamBytes) {
    return failf("offset 0: stream of {} bytes exceeds the limit of {} bytes", m_bytes.size(),
                 kJavaMaxStreamBytes);
  }
  std::uint16_t magic = 0;
  std::uint16_t version = 0;
  bool ok = read_u16("stream magic", magic);
  if (ok && magic != kJavaStreamMagic) {
    ok = error_at(0, "bad stream magic 0x{:04x} (expected 0xaced): not a Java serialization stream",
                  magic);
  }
  ok = ok && read_u16("stream version", version);
  if (ok && version != kJavaStreamVersion) {
    ok = error_at(2, "unsupported stream version {} (expected 5)", version);
  }
  while (ok && remaining() > 0) {
    ok = read_content(m_stream.contents, true);
  }
  if (!ok) {
    return fail(m_error.value_or("offset 0: malformed stream"));
  }
  return std::move(m_stream);
}

// contents up to and including TC_ENDBLOCKDATA (classAnnotation, objectAnnotation,
// externalContents).
bool Parser::read_contents_until_end(std::vector<JavaValue>& contents) {
  while (true) {
    if (!need(1, "annotation contents (TC_ENDBLOCKDATA expected)")) {
      return false;
    }
    if (static_cast<std::uint8_t>(m_bytes[m_pos]) == kTcEndBlockData) {
      ++m_pos;
      return true;
    }
    if (!read_content(contents, false)) {
      return false;
    }
  }
}

bool Parser::read_content(std::vector<JavaValue>& contents, bool top_level) {
  const std::size_t offset = m_pos;
  const auto code = static_cast<std::uint8_t>(m_bytes[m_pos]);
  if (code == kTcBlockData || code == kTcBlockDataLong) {
    ++m_pos;
    return read_block_data(code, contents);
  }
  if (code == kTcReset) {
    // ObjectInputStream accepts a reset only between top-level objects.
    if (!top_level) {
      return error_at(offset, "TC_RESET inside an object");
    }
    ++m_pos;
    m_handles.clear();
    return true;
  }
  if (code == kTcEndBlockData) {
    return error_at(offset, "unexpected TC_ENDBLOCKDATA at the top level");
  }
  JavaValue value;
  if (!read_object(value) || !charge(sizeof(JavaValue))) {
    return false;
  }
  contents.push_back(value);
  return true;
}

bool Parser::read_block_data(std::uint8_t code, std::vector<JavaValue>& contents) {
  std::size_t length = 0;
  if (code == kTcBlockData) {
    std::uint8_t short_length = 0;
    if (!read_u8("TC_BLOCKDATA length", short_length)) {
      return false;
    }
    length = short_length;
  } else {
    const std::size_t offset = m_pos;
    std::int32_t long_length = 0;
    if (!read_i32("TC_BLOCKDATALONG length", long_length)) {
      return false;
    }
    if (long_length < 0) {
      return error_at(offset, "negative TC_BLOCKDATALONG length {}", long_length);
    }
    length = static_cast<std::size_t>(long_length);
  }
  std::string_view raw;
  if (!read_raw(length, "block data", raw) || !charge(length)) {
    return false;
  }
  // Adjacent records are one byte stream to a reader (readUTF may span them): merge them.
  if (!contents.empty()) {
    if (const auto* ref = std::get_if<JavaRef>(&contents.back())) {
      if (auto* previous = std::get_if<JavaBlockData>(&m_stream.entities[ref->index])) {
        previous->bytes.append(raw);
        return true;
      }
    }
  }
  std::uint32_t index = 0;
  if (!add_entity(JavaBlockData{std::string(raw)}, index) || !charge(sizeof(JavaValue))) {
    return false;
  }
  contents.push_back(JavaRef{index});
  return true;
}

bool Parser::read_object(JavaValue& out) {
  DepthGuard guard(m_depth);
  if (!enter()) {
    return false;
  }
  const std::size_t offset = m_pos;
  std::uint8_t code = 0;
  if (!read_u8("type code", code)) {
    return false;
  }
  switch (code) {
  case kTcNull:
    out = std::monostate{};
    return true;
  case kTcReference: {
    std::uint32_t index = 0;
    if (!resolve_handle(offset, index)) {
      return false;
    }
    out = JavaRef{index};
    return true;
  }
  case kTcClassDesc:
  case kTcProxyClassDesc: {
    std::uint32_t index = 0;
    if (!read_new_class_desc(code, index)) {
      return false;
    }
    out = JavaRef{index};
    return true;
  }
  case kTcObject:
    return read_new_object(out);
  case kTcString:
  case kTcLongString:
    return read_new_string(code, out);
  case kTcArray:
    return read_new_array(out);
  case kTcEnum:
    return read_new_enum(out);
  case kTcClass:
    return read_new_class(out);
  case kTcException:
    return error_at(offset, "TC_EXCEPTION: the writer failed while serializing and wrote the "
                            "exception into the stream");
  case kTcBlockData:
  case kTcBlockDataLong:
    return error_at(offset, "block data where an object was expected");
  case kTcEndBlockData:
    return error_at(offset, "TC_ENDBLOCKDATA where an object was expected");
  case kTcReset:
    return error_at(offset, "TC_RESET inside an object");
  default:
    return error_at(offset, "unknown type code 0x{:02x}", code);
  }
}

// classDesc: a new descriptor, a reference to a complete one, or (when allowed) null.
bool Parser::read_class_desc(bool allow_null, std::optional<std::uint32_t>& out) {
  const std::size_t offset = m_pos;
  std::uint8_t code = 0;
  if (!read_u8("class descriptor", code)) {
    return false;
  }
  out.reset();
  switch (code) {
  case kTcNull:
    if (!allow_null) {
      return error_at(offset, "null class descriptor");
    }
    return true;
  case kTcClassDesc:
  case kTcProxyClassDesc: {
    std::uint32_t index = 0;
    if (!read_new_class_desc(code, index)) {
      return false;
    }
    out = index;
    return true;
  }
  case kTcReference: {
    std::uint32_t index = 0;
    if (!resolve_handle(offset, index)) {
      return false;
    }
    if (!std::holds_alternative<JavaClassDesc>(m_stream.entities[index])) {
      return error_at(offset, "TC_REFERENCE where a class descriptor was expected points to "
                              "another kind of object");
    }
    // A descriptor still being read (its own superclass, or used in its own annotation) would
    // make the class hierarchy a cycle.
    if (!m_complete_desc[index]) {
      return error_at(offset, "TC_REFERENCE to a class descriptor that is still being read");
    }
    out = index;
    return true;
  }
  default:
    return error_at(offset, "type code 0x{:02x} where a class descriptor was expected", code);
  }
}

bool Parser::read_new_class_desc(std::uint8_t code, std::uint32_t& index) {
  DepthGuard guard(m_depth);
  if (!enter()) {
    return false;
  }
  const std::size_t offset = m_pos - 1;
  if (code == kTcProxyClassDesc) {
    if (!add_entity(JavaClassDesc{}, index) || !assign_handle(index)) {
      return false;
    }
    auto& desc = std::get<JavaClassDesc>(m_stream.entities[index]);
    desc.proxy = true;
    desc.flags = kScSerializable;
    const std::size_t count_offset = m_pos;
    std::int32_t count = 0;
    if (!read_i32("proxy interface count", count)) {
      return false;
    }
    if (count < 0 || count > kMaxProxyInterfaces) {
      return error_at(count_offset, "invalid proxy interface count {}", count);
    }
    for (std::int32_t i = 0; i < count; ++i) {
      std::string name;
      if (!read_utf("proxy interface name", name) || !charge(sizeof(std::string))) {
        return false;
      }
      desc.proxy_interfaces.push_back(std::move(name));
    }
  } else {
    std::string name;
    std::int64_t uid = 0;
    if (!read_utf("class name", name) || !read_i64("serialVersionUID", uid)) {
      return false;
    }
    if (!add_entity(JavaClassDesc{}, index) || !assign_handle(index)) {
      return false;
    }
    auto& desc = std::get<JavaClassDesc>(m_stream.entities[index]);
    desc.name = std::move(name);
    desc.serial_version_uid = uid;
    const std::size_t flags_offset = m_pos;
    if (!read_u8("classDescFlags", desc.flags)) {
      return false;
    }
    if ((desc.flags & kScSerializable) != 0 && (desc.flags & kScExternalizable) != 0) {
      return error_at(flags_offset, "class {}: serializable and externalizable flags conflict",
                      desc.name);
    }
    const std::size_t count_offset = m_pos;
    std::uint16_t raw_count = 0;
    if (!read_u16("field count", raw_count)) {
      return false;
    }
    const auto count = static_cast<std::int16_t>(raw_count);
    if (count < 0) {
      return error_at(count_offset, "class {}: illegal field count {}", desc.name, count);
    }
    for (std::int16_t i = 0; i < count; ++i) {
      const std::size_t field_offset = m_pos;
      std::uint8_t type = 0;
      JavaFieldDesc field;
      if (!read_u8("field type code", type) || !read_utf("field name", field.name)) {
        return false;
      }
      field.type_code = static_cast<char>(type);
      if (is_object_type(field.type_code)) {
        if (!read_type_string("field type name", field.type_name)) {
          return false;
        }
      } else if (primitive_size(field.type_code) == 0) {
        return error_at(field_offset, "class {}: unknown field type code 0x{:02x}", desc.name,
                        type);
      }
      if (!charge(sizeof(JavaFieldDesc))) {
        return false;
      }
      desc.fields.push_back(std::move(field));
    }
  }
  auto& desc = std::get<JavaClassDesc>(m_stream.entities[index]);
  if (!read_contents_until_end(desc.annotation)) {
    return false;
  }
  return finish_class_desc(index, offset);
}

// superClassDesc, then the derived values that make field lookups cheap.
bool Parser::finish_class_desc(std::uint32_t index, std::size_t offset) {
  std::optional<std::uint32_t> super;
  if (!read_class_desc(true, super)) {
    return false;
  }
  auto& desc = std::get<JavaClassDesc>(m_stream.entities[index]);
  desc.super = super;
  if (super) {
    const auto& parent = std::get<JavaClassDesc>(m_stream.entities[*super]);
    desc.inherited_fields =
        parent.inherited_fields + static_cast<std::uint32_t>(parent.fields.size());
    desc.hierarchy_depth = parent.hierarchy_depth + 1;
    if (desc.hierarchy_depth > kJavaMaxClassHierarchy) {
      return error_at(offset, "class {}: more than {} classes in its hierarchy", desc.name,
                      kJavaMaxClassHierarchy);
    }
  }
  m_complete_desc[index] = true;
  return true;
}

// A (String)object where the grammar wants a string: a new string or a reference to one.
bool Parser::read_type_string(std::string_view what, std::string& out) {
  const std::size_t offset = m_pos;
  JavaValue value;
  if (!read_object(value)) {
    return false;
  }
  const auto* text = m_stream.get<JavaString>(value);
  if (text == nullptr) {
    return error_at(offset, "{} is not a string", what);
  }
  if (!charge(text->value.size())) {
    return false;
  }
  out = text->value;
  return true;
}

bool Parser::read_field_value(char code, std::vector<JavaValue>& values) {
  JavaValue value;
  if (is_object_type(code)) {
    if (!read_object(value)) {
      return false;
    }
  } else {
    std::string_view raw;
    if (!read_raw(primitive_size(code), "primitive field value", raw)) {
      return false;
    }
    value = primitive_value(code, raw.data());
  }
  if (!charge(sizeof(JavaValue))) {
    return false;
  }
  values.push_back(value);
  return true;
}

bool Parser::read_new_object(JavaValue& out) {
  const std::size_t offset = m_pos - 1;
  std::optional<std::uint32_t> desc_index;
  if (!read_class_desc(false, desc_index)) {
    return false;
  }
  std::uint32_t index = 0;
  if (!add_entity(JavaObject{*desc_index, {}, {}}, index) || !assign_handle(index)) {
    return false;
  }
  out = JavaRef{index};
  // References into the deque stay valid while nested reads append entities.
  auto& object = std::get<JavaObject>(m_stream.entities[index]);
  const auto& desc = std::get<JavaClassDesc>(m_stream.entities[*desc_index]);
  if ((desc.flags & kScExternalizable) != 0) {
    if ((desc.flags & kScBlockData) == 0) {
      return error_at(offset,
                      "class {} is Externalizable and written with protocol version 1 "
                      "(no block data): its data cannot be read without the class",
                      desc.name);
    }
    if (!charge(sizeof(JavaAnnotation))) {
      return false;
    }
    object.annotations.push_back(JavaAnnotation{*desc_index, {}});
    return read_contents_until_end(object.annotations.back().contents);
  }
  // Class data superclass first: collect the chain (bounded by kJavaMaxClassHierarchy).
  std::vector<std::uint32_t> chain;
  for (std::optional<std::uint32_t> d = desc_index; d;
       d = std::get<JavaClassDesc>(m_stream.entities[*d]).super) {
    chain.push_back(*d);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const auto& slot = std::get<JavaClassDesc>(m_stream.entities[*it]);
    for (const auto& field : slot.fields) {
      if (!read_field_value(field.type_code, object.values)) {
        return false;
      }
    }
    if ((slot.flags & kScWriteMethod) != 0) {
      if (!charge(sizeof(JavaAnnotation))) {
        return false;
      }
      object.annotations.push_back(JavaAnnotation{*it, {}});
      if (!read_contents_until_end(object.annotations.back().contents)) {
        return false;
      }
    }
  }
  return true;
}

bool Parser::read_new_array(JavaValue& out) {
  const std::size_t offset = m_pos - 1;
  std::optional<std::uint32_t> desc_index;
  if (!read_class_desc(false, desc_index)) {
    return false;
  }
  const auto& desc = std::get<JavaClassDesc>(m_stream.entities[*desc_index]);
  const char element = desc.name.size() >= 2 && desc.name[0] == '[' ? desc.name[1] : '\0';
  if (!is_object_type(element) && primitive_size(element) == 0) {
    return error_at(offset, "TC_ARRAY with class {}, which is not an array class",
                    desc.name.empty() ? "<proxy>" : desc.name);
  }
  std::uint32_t index = 0;
  if (!add_entity(JavaArray{*desc_index, element, 0, {}, {}}, index) || !assign_handle(index)) {
    return false;
  }
  out = JavaRef{index};
  const std::size_t length_offset = m_pos;
  std::int32_t length = 0;
  if (!read_i32("array length", length)) {
    return false;
  }
  if (length < 0) {
    return error_at(length_offset, "negative array length {}", length);
  }
  auto& array = std::get<JavaArray>(m_stream.entities[index]);
  array.length = static_cast<std::uint32_t>(length);
  // Every element takes at least one byte: a length beyond the input fails before allocating.
  const std::size_t element_size = is_object_type(element) ? 1 : primitive_size(element);
  const std::size_t needed = static_cast<std::size_t>(length) * element_size;
  if (needed > remaining()) {
    return error_at(length_offset, "array of {} elements needs at least {} bytes, {} left", length,
                    needed, remaining());
  }
  if (!is_object_type(element)) {
    std::string_view raw;
    if (!read_raw(needed, "array elements", raw) || !charge(needed)) {
      return false;
    }
    array.primitive_bytes.assign(raw);
    return true;
  }
  if (!charge(static_cast<std::size_t>(length) * sizeof(JavaValue))) {
    return false;
  }
  array.elements.reserve(static_cast<std::size_t>(length));
  for (std::int32_t i = 0; i < length; ++i) {
    JavaValue value;
    if (!read_object(value)) {
      return false;
    }
    array.elements.push_back(value);
  }
  return true;
}

bool Parser::read_new_string(std::uint8_t code, JavaValue& out) {
  std::string value;
  if (code == kTcString) {
    if (!read_utf("string", value)) {
      return false;
    }
  } else {
    const std::size_t length_offset = m_pos;
    std::int64_t length = 0;
    if (!read_i64("long string length", length)) {
      return false;
    }
    if (length < 0 || static_cast<std::uint64_t>(length) > remaining()) {
      return error_at(length_offset, "long string of {} bytes, {} left", length, remaining());
    }
    if (!read_utf_body(static_cast<std::size_t>(length), "long string", value)) {
      return false;
    }
  }
  std::uint32_t index = 0;
  if (!add_entity(JavaString{std::move(value)}, index) || !assign_handle(index)) {
    return false;
  }
  out = JavaRef{index};
  return true;
}

bool Parser::read_new_enum(JavaValue& out) {
  const std::size_t offset = m_pos - 1;
  std::optional<std::uint32_t> desc_index;
  if (!read_class_desc(false, desc_index)) {
    return false;
  }
  const auto& desc = std::get<JavaClassDesc>(m_stream.entities[*desc_index]);
  if ((desc.flags & kScEnum) == 0) {
    return error_at(offset, "TC_ENUM with non-enum class {}", desc.name);
  }
  std::uint32_t index = 0;
  if (!add_entity(JavaEnum{*desc_index, {}}, index) || !assign_handle(index)) {
    return false;
  }
  out = JavaRef{index};
  std::string constant;
  if (!read_type_string("enum constant name", constant)) {
    return false;
  }
  std::get<JavaEnum>(m_stream.entities[index]).constant = std::move(constant);
  return true;
}

bool Parser::read_new_class(JavaValue& out) {
  std::optional<std::uint32_t> desc_index;
  if (!read_class_desc(false, desc_index)) {
    return false;
  }
  std::uint32_t index = 0;
  if (!add_entity(JavaClass{*desc_index}, index) || !assign_handle(index)) {
    return false;
  }
  out = JavaRef{index};
  return true;
}

} // namespace

// ---- JavaStream accessors ------------------------------------------------------------------

const std::string* JavaStream::string(const JavaValue& value) const {
  const auto* text = get<JavaString>(value);
  return text == nullptr ? nullptr : &text->value;
}

const JavaClassDesc* JavaStream::class_desc(std::uint32_t index) const {
  return index < entities.size() ? std::get_if<JavaClassDesc>(&entities[index]) : nullptr;
}

std::string_view JavaStream::class_name(const JavaObject& object) const {
  const auto* desc = class_desc(object.class_desc);
  return desc == nullptr ? std::string_view{} : std::string_view{desc->name};
}

std::optional<JavaValue> JavaStream::field(const JavaObject& object, std::string_view name,
                                           std::string_view declaring_class) const {
  std::optional<std::uint32_t> current = object.class_desc;
  // Bounded even for a hand-built model with a cyclic hierarchy.
  for (std::size_t step = 0; current && step < kJavaMaxClassHierarchy; ++step) {
    const auto* desc = class_desc(*current);
    if (desc == nullptr) {
      break;
    }
    if (declaring_class.empty() || desc->name == declaring_class) {
      for (std::size_t i = 0; i < desc->fields.size(); ++i) {
        if (desc->fields[i].name == name) {
          const std::size_t slot = desc->inherited_fields + i;
          if (slot < object.values.size()) {
            return object.values[slot];
          }
          return std::nullopt;
        }
      }
    }
    current = desc->super;
  }
  return std::nullopt;
}

std::vector<std::uint32_t> JavaStream::reachable(const JavaValue& root) const {
  std::vector<std::uint32_t> order;
  std::unordered_set<std::uint32_t> seen;
  const auto visit = [&](const JavaValue& value) {
    const auto* ref = std::get_if<JavaRef>(&value);
    if (ref != nullptr && ref->index < entities.size() && seen.insert(ref->index).second) {
      order.push_back(ref->index);
    }
  };
  const auto visit_index = [&](std::optional<std::uint32_t> index) {
    if (index) {
      visit(JavaRef{*index});
    }
  };
  visit(root);
  for (std::size_t next = 0; next < order.size(); ++next) {
    const JavaEntity& entity = entities[order[next]];
    if (const auto* desc = std::get_if<JavaClassDesc>(&entity)) {
      for (const auto& value : desc->annotation) {
        visit(value);
      }
      visit_index(desc->super);
    } else if (const auto* object = std::get_if<JavaObject>(&entity)) {
      visit_index(object->class_desc);
      for (const auto& value : object->values) {
        visit(value);
      }
      for (const auto& annotation : object->annotations) {
        for (const auto& value : annotation.contents) {
          visit(value);
        }
      }
    } else if (const auto* array = std::get_if<JavaArray>(&entity)) {
      visit_index(array->class_desc);
      for (const auto& value : array->elements) {
        visit(value);
      }
    } else if (const auto* constant = std::get_if<JavaEnum>(&entity)) {
      visit_index(constant->class_desc);
    } else if (const auto* type = std::get_if<JavaClass>(&entity)) {
      visit_index(type->class_desc);
    }
  }
  return order;
}

JavaValue array_element(const JavaArray& array, std::size_t index) {
  if (is_object_type(array.element_type)) {
    return index < array.elements.size() ? array.elements[index] : JavaValue{};
  }
  const std::size_t size = primitive_size(array.element_type);
  if (size == 0 || index >= array.primitive_bytes.size() / size) {
    return std::monostate{};
  }
  return primitive_value(array.element_type, array.primitive_bytes.data() + index * size);
}

Result<JavaStream> parse_java_stream(std::string_view bytes) {
  return Parser(bytes).run();
}

Result<std::string> decode_modified_utf8(std::string_view bytes) {
  std::string out;
  if (const std::size_t bad = decode_mutf8(bytes, out); bad != kNoError) {
    return failf("malformed modified UTF-8 at byte {} (0x{:02x})", bad,
                 static_cast<unsigned char>(bytes[bad]));
  }
  return out;
}

} // namespace flinkha::flink
