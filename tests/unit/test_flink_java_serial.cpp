#include "flink/java_serial.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using flinkha::flink::array_element;
using flinkha::flink::decode_modified_utf8;
using flinkha::flink::JavaArray;
using flinkha::flink::JavaBlockData;
using flinkha::flink::JavaClass;
using flinkha::flink::JavaClassDesc;
using flinkha::flink::JavaEnum;
using flinkha::flink::JavaObject;
using flinkha::flink::JavaRef;
using flinkha::flink::JavaStream;
using flinkha::flink::JavaValue;
using flinkha::flink::kJavaMaxHandles;
using flinkha::flink::kJavaMaxStreamBytes;
using flinkha::flink::parse_java_stream;

namespace {

std::string java_fixture(std::string_view name) {
  return flinkha::test::fixture("java/" + std::string(name));
}

JavaStream parse_fixture(std::string_view name) {
  auto stream = parse_java_stream(java_fixture(name));
  REQUIRE_MESSAGE(stream.has_value(), (stream ? "" : stream.error().message));
  return std::move(*stream);
}

const JavaObject& root_object(const JavaStream& stream) {
  REQUIRE(stream.contents.size() >= 1);
  const JavaObject* object = stream.object(stream.contents.front());
  REQUIRE(object != nullptr);
  return *object;
}

const JavaArray& root_array(const JavaStream& stream) {
  REQUIRE(stream.contents.size() == 1);
  const JavaArray* array = stream.get<JavaArray>(stream.contents.front());
  REQUIRE(array != nullptr);
  return *array;
}

template <typename T>
T field_as(const JavaStream& stream, const JavaObject& object, std::string_view name,
           std::string_view declaring_class = {}) {
  const auto value = stream.field(object, name, declaring_class);
  REQUIRE_MESSAGE(value.has_value(), name);
  REQUIRE_MESSAGE(std::holds_alternative<T>(*value), name);
  return std::get<T>(*value);
}

std::string string_field(const JavaStream& stream, const JavaObject& object, std::string_view name,
                         std::string_view declaring_class = {}) {
  const auto value = stream.field(object, name, declaring_class);
  REQUIRE(value.has_value());
  const std::string* text = stream.string(*value);
  REQUIRE(text != nullptr);
  return *text;
}

std::string hex_bytes(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

void require_error_with_offset(std::string_view bytes, std::string_view expected_part = {}) {
  const auto stream = parse_java_stream(bytes);
  REQUIRE_FALSE(stream.has_value());
  CAPTURE(stream.error().message);
  CHECK(stream.error().message.starts_with("offset "));
  if (!expected_part.empty()) {
    CHECK(stream.error().message.find(expected_part) != std::string::npos);
  }
}

const std::vector<std::string_view> kAllFixtures = {"leader_pekko_dispatcher.bin",
                                                    "leader_rest.bin",
                                                    "leader_akka_negative.bin",
                                                    "leader_non_ascii.bin",
                                                    "leader_empty_address.bin",
                                                    "leader_nul_char.bin",
                                                    "leader_long_address.bin",
                                                    "leader_null_session.bin",
                                                    "state_handle_file.bin",
                                                    "state_handle_hdfs.bin",
                                                    "state_handle_non_ascii.bin",
                                                    "state_handle_legacy_1_1.bin",
                                                    "state_handle_real_flink-1.20.5.bin",
                                                    "state_handle_real_flink-2.3.0.bin",
                                                    "java_primitives.bin",
                                                    "java_hierarchy.bin",
                                                    "java_backrefs.bin",
                                                    "java_arrays.bin",
                                                    "java_enum.bin",
                                                    "java_long_string.bin",
                                                    "java_proxy.bin",
                                                    "java_class.bin",
                                                    "java_write_object.bin",
                                                    "java_externalizable.bin",
                                                    "java_reset.bin",
                                                    "java_modified_utf8.bin",
                                                    "java_top_level_mixed.bin",
                                                    "java_deep_ok.bin"};

// Fixtures holding exactly one top-level object: none of their proper prefixes is a stream,
// except the bare 4-byte header.
const std::vector<std::string_view> kSingleObjectFixtures = {
    "state_handle_file.bin",  "state_handle_legacy_1_1.bin",
    "java_primitives.bin",    "java_hierarchy.bin",
    "java_backrefs.bin",      "java_arrays.bin",
    "java_enum.bin",          "java_proxy.bin",
    "java_class.bin",         "java_externalizable.bin",
    "java_modified_utf8.bin", "java_deep_ok.bin"};

} // namespace

TEST_CASE("java_serial: every fixture parses") {
  for (const auto name : kAllFixtures) {
    CAPTURE(name);
    const auto stream = parse_java_stream(java_fixture(name));
    CHECK_MESSAGE(stream.has_value(), (stream ? "" : stream.error().message));
  }
}

TEST_CASE("java_serial: primitive fields of every type") {
  const auto stream = parse_fixture("java_primitives.bin");
  const auto& object = root_object(stream);
  CHECK(stream.class_name(object) == "GenerateFixtures$AllPrimitives");
  const auto* desc = stream.class_desc(object.class_desc);
  REQUIRE(desc != nullptr);
  CHECK(desc->serial_version_uid == 42);
  CHECK(desc->flags == flinkha::flink::kScSerializable);
  REQUIRE(desc->fields.size() == 10);
  // ObjectStreamClass order: primitives by name, then objects by name.
  CHECK(desc->fields[0].name == "b");
  CHECK(desc->fields[8].name == "nothing");
  CHECK(desc->fields[8].type_name == "Ljava/lang/Object;");
  CHECK(desc->fields[9].type_name == "Ljava/lang/String;");
  CHECK(field_as<std::int8_t>(stream, object, "b") == -128);
  CHECK(field_as<char16_t>(stream, object, "c") == u'\u20ac');
  CHECK(field_as<double>(stream, object, "d") == -0.5);
  CHECK(field_as<float>(stream, object, "f") == 3.25f);
  CHECK(field_as<std::int32_t>(stream, object, "i") == INT32_MIN);
  CHECK(field_as<std::int64_t>(stream, object, "j") == INT64_MAX);
  CHECK(field_as<std::int16_t>(stream, object, "s") == -12345);
  CHECK(field_as<bool>(stream, object, "z") == true);
  CHECK(string_field(stream, object, "str") == "hello");
  CHECK(std::holds_alternative<std::monostate>(*stream.field(object, "nothing")));
  CHECK_FALSE(stream.field(object, "missing").has_value());
}

TEST_CASE("java_serial: class data superclass first, shadowed fields per class") {
  const auto stream = parse_fixture("java_hierarchy.bin");
  const auto& object = root_object(stream);
  CHECK(stream.class_name(object) == "GenerateFixtures$Derived");
  CHECK(object.values.size() == 4);
  CHECK(field_as<std::int32_t>(stream, object, "baseValue") == 11);
  CHECK(field_as<std::int32_t>(stream, object, "derivedValue") == 22);
  CHECK(string_field(stream, object, "name") == "derived"); // most-derived class wins
  CHECK(string_field(stream, object, "name", "GenerateFixtures$Base") == "base");
  CHECK(string_field(stream, object, "name", "GenerateFixtures$Derived") == "derived");
  const auto* desc = stream.class_desc(object.class_desc);
  REQUIRE(desc != nullptr);
  REQUIRE(desc->super.has_value());
  CHECK(stream.class_desc(*desc->super)->name == "GenerateFixtures$Base");
  CHECK(desc->inherited_fields == 2);
  CHECK(desc->hierarchy_depth == 2);
}

TEST_CASE("java_serial: back-references and cycles are shared references") {
  const auto stream = parse_fixture("java_backrefs.bin");
  const auto& list = root_object(stream);
  CHECK(stream.class_name(list) == "java.util.ArrayList");
  CHECK(field_as<std::int32_t>(stream, list, "size") == 6);
  // ArrayList.writeObject: defaultWriteObject, writeInt(size), then each element.
  REQUIRE(list.annotations.size() == 1);
  const auto& contents = list.annotations[0].contents;
  REQUIRE(contents.size() == 7);
  const auto* capacity = stream.get<JavaBlockData>(contents[0]);
  REQUIRE(capacity != nullptr);
  CHECK(capacity->bytes == std::string("\0\0\0\x06", 4));
  CHECK(*stream.string(contents[1]) == "shared");
  CHECK(std::get<JavaRef>(contents[1]) == std::get<JavaRef>(contents[2]));
  CHECK(std::get<JavaRef>(contents[3]) == std::get<JavaRef>(contents[4]));

  const JavaObject* self = stream.object(contents[3]);
  REQUIRE(self != nullptr);
  CHECK(field_as<std::int32_t>(stream, *self, "id") == 1);
  CHECK(field_as<JavaRef>(stream, *self, "next") == std::get<JavaRef>(contents[3]));

  const JavaObject* a = stream.object(contents[5]);
  const JavaObject* b = stream.object(contents[6]);
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(field_as<JavaRef>(stream, *a, "next") == std::get<JavaRef>(contents[6]));
  CHECK(field_as<JavaRef>(stream, *b, "next") == std::get<JavaRef>(contents[5]));

  // Walking the graph visits each entity once despite the cycles.
  const auto reachable = stream.reachable(stream.contents.front());
  auto sorted = reachable;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  CHECK(std::find(reachable.begin(), reachable.end(), std::get<JavaRef>(contents[6]).index) !=
        reachable.end());
}

TEST_CASE("java_serial: primitive and object arrays") {
  const auto stream = parse_fixture("java_arrays.bin");
  const auto& outer = root_array(stream);
  CHECK(outer.element_type == 'L');
  REQUIRE(outer.length == 11);
  const auto element = [&](std::size_t i) -> const JavaArray& {
    const auto* array = stream.get<JavaArray>(array_element(outer, i));
    REQUIRE(array != nullptr);
    return *array;
  };
  const auto& ints = element(0);
  CHECK(stream.class_desc(ints.class_desc)->name == "[I");
  REQUIRE(ints.length == 3);
  CHECK(std::get<std::int32_t>(array_element(ints, 0)) == 1);
  CHECK(std::get<std::int32_t>(array_element(ints, 1)) == -2);
  CHECK(std::get<std::int32_t>(array_element(ints, 2)) == INT32_MAX);
  CHECK(std::holds_alternative<std::monostate>(array_element(ints, 3)));
  CHECK(element(1).primitive_bytes == std::string("\x00\xff\x7f", 3));
  CHECK(std::get<std::int8_t>(array_element(element(1), 1)) == -1);
  CHECK(std::get<std::int64_t>(array_element(element(2), 0)) == -1);
  CHECK(std::get<std::int64_t>(array_element(element(2), 1)) == (std::int64_t{1} << 40));
  CHECK(std::get<double>(array_element(element(3), 0)) == 1.5);
  CHECK(std::get<double>(array_element(element(3), 1)) == -2.0);
  CHECK(std::get<float>(array_element(element(4), 0)) == 0.25f);
  CHECK(std::get<std::int16_t>(array_element(element(5), 1)) == 300);
  CHECK(std::get<char16_t>(array_element(element(6), 1)) == u'\u00e9');
  CHECK(std::get<bool>(array_element(element(7), 0)) == true);
  CHECK(std::get<bool>(array_element(element(7), 1)) == false);
  const auto& strings = element(8);
  CHECK(stream.class_desc(strings.class_desc)->name == "[Ljava.lang.String;");
  REQUIRE(strings.length == 3);
  CHECK(*stream.string(array_element(strings, 0)) == "a");
  CHECK(std::holds_alternative<std::monostate>(array_element(strings, 1)));
  CHECK(*stream.string(array_element(strings, 2)) == "b");
  const auto& nested = element(9);
  CHECK(nested.element_type == '[');
  const auto* second = stream.get<JavaArray>(array_element(nested, 1));
  REQUIRE(second != nullptr);
  CHECK(std::get<std::int32_t>(array_element(*second, 1)) == 3);
  CHECK(element(10).length == 0);
}

TEST_CASE("java_serial: enums, with back-references to constants") {
  const auto stream = parse_fixture("java_enum.bin");
  const auto& outer = root_array(stream);
  REQUIRE(outer.length == 5);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"java.util.concurrent.TimeUnit", "SECONDS"},
      {"GenerateFixtures$Color", "GREEN"},
      {"GenerateFixtures$Color", "GREEN"},
      {"GenerateFixtures$Color", "RED"},
      {"java.util.concurrent.TimeUnit", "SECONDS"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto* constant = stream.get<JavaEnum>(outer.elements[i]);
    REQUIRE(constant != nullptr);
    CHECK(stream.class_desc(constant->class_desc)->name == expected[i].first);
    CHECK(constant->constant == expected[i].second);
  }
  CHECK(std::get<JavaRef>(outer.elements[1]) == std::get<JavaRef>(outer.elements[2]));
  const auto* color = stream.class_desc(stream.get<JavaEnum>(outer.elements[1])->class_desc);
  CHECK((color->flags & flinkha::flink::kScEnum) != 0);
  CHECK(stream.class_desc(*color->super)->name == "java.lang.Enum");
}

TEST_CASE("java_serial: TC_LONGSTRING beyond 65535 bytes") {
  const auto stream = parse_fixture("java_long_string.bin");
  REQUIRE(stream.contents.size() == 1);
  const std::string* text = stream.string(stream.contents[0]);
  REQUIRE(text != nullptr);
  CHECK(text->size() == 70003);
  CHECK(text->starts_with("xxxx"));
  CHECK(text->ends_with("x€"));
}

TEST_CASE("java_serial: dynamic proxy class descriptors") {
  const auto stream = parse_fixture("java_proxy.bin");
  const auto& proxy = root_object(stream);
  const auto* desc = stream.class_desc(proxy.class_desc);
  REQUIRE(desc != nullptr);
  CHECK(desc->proxy);
  CHECK(desc->name.empty());
  CHECK(desc->proxy_interfaces ==
        std::vector<std::string>{"java.lang.Runnable", "java.lang.Comparable"});
  CHECK(stream.class_desc(*desc->super)->name == "java.lang.reflect.Proxy");
  const auto handler_value = stream.field(proxy, "h", "java.lang.reflect.Proxy");
  REQUIRE(handler_value.has_value());
  const JavaObject* handler = stream.object(*handler_value);
  REQUIRE(handler != nullptr);
  CHECK(stream.class_name(*handler) == "GenerateFixtures$Handler");
  CHECK(string_field(stream, *handler, "tag") == "handler");
}

TEST_CASE("java_serial: TC_CLASS objects") {
  const auto stream = parse_fixture("java_class.bin");
  const auto& outer = root_array(stream);
  REQUIRE(outer.length == 3);
  const std::vector<std::string> names = {"java.lang.String", "[I", "GenerateFixtures$Color"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto* type = stream.get<JavaClass>(outer.elements[i]);
    REQUIRE(type != nullptr);
    CHECK(stream.class_desc(type->class_desc)->name == names[i]);
  }
}

TEST_CASE("java_serial: writeObject annotations and TC_BLOCKDATALONG") {
  const auto stream = parse_fixture("java_write_object.bin");
  REQUIRE(stream.contents.size() == 2);
  const JavaObject* custom = stream.object(stream.contents[0]);
  REQUIRE(custom != nullptr);
  CHECK(field_as<std::int32_t>(stream, *custom, "value") == 5);
  REQUIRE(custom->annotations.size() == 1);
  const auto& contents = custom->annotations[0].contents;
  REQUIRE(contents.size() == 2);
  const auto* block = stream.get<JavaBlockData>(contents[0]);
  REQUIRE(block != nullptr);
  REQUIRE(block->bytes.size() == 304); // writeInt + 300 bytes, merged across records
  CHECK(block->bytes.substr(0, 4) == "\x01\x02\x03\x04");
  CHECK(*stream.string(contents[1]) == "extra");

  const JavaObject* map = stream.object(stream.contents[1]);
  REQUIRE(map != nullptr);
  CHECK(stream.class_name(*map) == "java.util.HashMap");
  CHECK(field_as<float>(stream, *map, "loadFactor") == 0.75f);
  REQUIRE(map->annotations.size() == 1);
  const auto& entries = map->annotations[0].contents;
  REQUIRE(entries.size() == 3); // buckets + size, key, value
  CHECK(*stream.string(entries[1]) == "k");
  const JavaObject* one = stream.object(entries[2]);
  REQUIRE(one != nullptr);
  CHECK(stream.class_name(*one) == "java.lang.Integer");
  CHECK(field_as<std::int32_t>(stream, *one, "value") == 1);
}

TEST_CASE("java_serial: Externalizable in block-data mode") {
  const auto stream = parse_fixture("java_externalizable.bin");
  const auto& object = root_object(stream);
  const auto* desc = stream.class_desc(object.class_desc);
  CHECK(desc->flags == (flinkha::flink::kScExternalizable | flinkha::flink::kScBlockData));
  CHECK(object.values.empty());
  REQUIRE(object.annotations.size() == 1);
  const auto& contents = object.annotations[0].contents;
  REQUIRE(contents.size() == 2);
  CHECK(stream.get<JavaBlockData>(contents[0])->bytes == std::string("\0\0\0\x4d\0\x03"
                                                                     "ext",
                                                                     9));
  CHECK(*stream.string(contents[1]) == "inner");
}

TEST_CASE("java_serial: TC_RESET starts a new handle table") {
  const auto stream = parse_fixture("java_reset.bin");
  REQUIRE(stream.contents.size() == 3);
  CHECK(std::get<JavaRef>(stream.contents[0]) == std::get<JavaRef>(stream.contents[1]));
  CHECK_FALSE(std::get<JavaRef>(stream.contents[0]) == std::get<JavaRef>(stream.contents[2]));
  CHECK(*stream.string(stream.contents[2]) == "again");
  // After the reset the first handle is the new string: a reference back to the old table fails.
  std::string bytes = java_fixture("java_reset.bin");
  bytes += hex_bytes("71007e0001");
  require_error_with_offset(bytes, "TC_REFERENCE to handle 0x7e0001");
}

TEST_CASE("java_serial: modified UTF-8 strings") {
  const auto stream = parse_fixture("java_modified_utf8.bin");
  const auto& outer = root_array(stream);
  const std::vector<std::string> expected = {"",
                                             std::string("a\0b", 3),
                                             "é",
                                             "€",
                                             "😀",
                                             "\xef\xbf\xbd", // lone high surrogate → U+FFFD
                                             "\xef\xbf\xbd", // lone low surrogate → U+FFFD
                                             "x\xf4\x8f\xbf\xbfy"}; // U+10FFFF
  REQUIRE(outer.length == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(*stream.string(outer.elements[i]) == expected[i]);
  }
}

TEST_CASE("java_serial: decode_modified_utf8 follows DataInput.readUTF") {
  CHECK(*decode_modified_utf8(hex_bytes("c080")) == std::string("\0", 1));
  CHECK(*decode_modified_utf8(std::string("a\0", 2)) == std::string("a\0", 2));
  CHECK(*decode_modified_utf8(hex_bytes("eda0bdedb880")) == "😀");
  CHECK(*decode_modified_utf8(hex_bytes("edb880eda0bd")) == "\xef\xbf\xbd\xef\xbf\xbd");
  const auto stray = decode_modified_utf8(hex_bytes("4180"));
  REQUIRE_FALSE(stray.has_value());
  CHECK(stray.error().message.find("byte 1") != std::string::npos);
  CHECK_FALSE(decode_modified_utf8(hex_bytes("e282")).has_value());     // partial at end
  CHECK_FALSE(decode_modified_utf8(hex_bytes("f09f9880")).has_value()); // 4-byte form
  CHECK_FALSE(decode_modified_utf8(hex_bytes("c041")).has_value());
}

TEST_CASE("java_serial: top-level block data is merged across records") {
  const auto stream = parse_fixture("java_top_level_mixed.bin");
  REQUIRE(stream.contents.size() == 3);
  CHECK(stream.get<JavaBlockData>(stream.contents[0])->bytes == std::string("\0\0\0\x07", 4));
  CHECK(*stream.string(stream.contents[1]) == "between");
  const auto& tail = stream.get<JavaBlockData>(stream.contents[2])->bytes;
  REQUIRE(tail.size() == 2006);
  CHECK(tail.substr(2000) == std::string("\0\x04tail", 6));
}

TEST_CASE("java_serial: nesting limit") {
  const auto ok = parse_fixture("java_deep_ok.bin");
  const JavaObject* node = &root_object(ok);
  int length = 1;
  while (const auto next = ok.field(*node, "next")) {
    node = ok.object(*next);
    if (node == nullptr) {
      break;
    }
    ++length;
  }
  CHECK(length == 20);
  require_error_with_offset(java_fixture("java_deep_too_deep.bin"), "nested more than 64");
}

TEST_CASE("java_serial: a serialized exception is an error") {
  require_error_with_offset(java_fixture("java_exception.bin"), "TC_EXCEPTION");
}

TEST_CASE("java_serial: every truncation fails with an offset, never crashes") {
  for (const auto name : kAllFixtures) {
    CAPTURE(name);
    const std::string bytes = java_fixture(name);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      const auto stream = parse_java_stream(std::string_view(bytes).substr(0, size));
      if (!stream) {
        CHECK(stream.error().message.starts_with("offset "));
      }
    }
  }
  for (const auto name : kSingleObjectFixtures) {
    CAPTURE(name);
    const std::string bytes = java_fixture(name);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      if (size == 4) {
        CHECK(parse_java_stream(std::string_view(bytes).substr(0, size)).has_value());
        continue;
      }
      CAPTURE(size);
      const auto stream = parse_java_stream(std::string_view(bytes).substr(0, size));
      REQUIRE_FALSE(stream.has_value());
      CHECK(stream.error().message.starts_with("offset "));
    }
  }
  require_error_with_offset("", "offset 0: truncated");
}

TEST_CASE("java_serial: bad magic and version") {
  std::string bytes = java_fixture("state_handle_file.bin");
  bytes[0] = '\xca';
  require_error_with_offset(bytes, "offset 0: bad stream magic 0xcaed");
  bytes = java_fixture("state_handle_file.bin");
  bytes[3] = '\x04';
  require_error_with_offset(bytes, "offset 2: unsupported stream version 4");
  require_error_with_offset("{\"json\": true}", "bad stream magic");
}

TEST_CASE("java_serial: a huge array length fails fast") {
  std::string bytes = java_fixture("java_arrays.bin");
  // The int[] {1, -2, MAX}: length 3 then its elements.
  const std::string ints = hex_bytes("0000000300000001fffffffe7fffffff");
  const auto at = bytes.find(ints);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, 4, hex_bytes("7fffffff"));
  require_error_with_offset(bytes, fmt::format("offset {}: array of 2147483647 elements", at));
  bytes.replace(at, 4, hex_bytes("ffffffff"));
  require_error_with_offset(bytes, "negative array length -1");
  // The outer Object[] (11 elements): each element needs at least one byte.
  bytes = java_fixture("java_arrays.bin");
  const auto outer = bytes.find(hex_bytes("0000000b"));
  REQUIRE(outer != std::string::npos);
  bytes.replace(outer, 4, hex_bytes("7fffffff"));
  require_error_with_offset(bytes, "array of 2147483647 elements");
}

TEST_CASE("java_serial: huge string and block lengths fail fast") {
  require_error_with_offset(hex_bytes("aced00057c7fffffffffffffff41"), "long string of");
  require_error_with_offset(hex_bytes("aced00057a7fffffff41"), "block data needs 2147483647");
  require_error_with_offset(hex_bytes("aced0005740005414243"), "offset 7: truncated stream");
}

TEST_CASE("java_serial: a handle pointing forward is an error") {
  std::string bytes = java_fixture("java_backrefs.bin");
  const auto at = bytes.find(hex_bytes("71007e00"));
  REQUIRE(at != std::string::npos);
  bytes[at + 4] = '\x7f'; // beyond the handles assigned so far
  require_error_with_offset(bytes, fmt::format("offset {}: TC_REFERENCE to handle 0x7e007f", at));
  bytes[at + 2] = '\x00'; // below baseWireHandle
  require_error_with_offset(bytes, "TC_REFERENCE to handle 0x7f");
}

TEST_CASE("java_serial: a class descriptor cannot be its own superclass") {
  // TC_OBJECT, TC_CLASSDESC "A" uid 1, SC_SERIALIZABLE, no fields, no annotation, super =
  // TC_REFERENCE to its own handle 0x7e0000.
  require_error_with_offset(
      hex_bytes("aced00057372000141000000000000000102000078"
                "71007e0000"),
      "offset 21: TC_REFERENCE to a class descriptor that is still being read");
}

TEST_CASE("java_serial: structural errors name the offset") {
  require_error_with_offset(hex_bytes("aced000599"), "offset 4: unknown type code 0x99");
  require_error_with_offset(hex_bytes("aced000578"), "offset 4: unexpected TC_ENDBLOCKDATA");
  // A field type code that is no type.
  require_error_with_offset(hex_bytes("aced000573720001410000000000000001020001510001617870"),
                            "offset 20: class A: unknown field type code 0x51");
  // TC_ARRAY whose class is not an array class.
  require_error_with_offset(hex_bytes("aced000575720001410000000000000001020000787000000000"),
                            "offset 4: TC_ARRAY with class A");
  // TC_ENUM with a class without SC_ENUM.
  require_error_with_offset(hex_bytes("aced00057e7200014100000000000000010200007870740001"),
                            "offset 4: TC_ENUM with non-enum class A");
  // Externalizable without SC_BLOCK_DATA (protocol version 1) cannot be skipped.
  require_error_with_offset(hex_bytes("aced0005737200014100000000000000010400007870"),
                            "protocol version 1");
}

TEST_CASE("java_serial: object and size limits") {
  std::string many = hex_bytes("aced0005");
  for (std::size_t i = 0; i <= kJavaMaxHandles; ++i) {
    many += hex_bytes("740000");
  }
  require_error_with_offset(many, "more than 100000 objects");
  const std::string huge(kJavaMaxStreamBytes + 1, '\0');
  require_error_with_offset(huge, "exceeds the limit");
}
