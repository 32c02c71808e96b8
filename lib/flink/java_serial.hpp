#pragma once
// A bounded reader of the Java Object Serialization Stream Protocol, as java.io.ObjectOutputStream
// writes it (stream version 5, JDK 1.2+; grammar in the JDK "Java Object Serialization
// Specification" ch. 6, constants in java.io.ObjectStreamConstants). Flink stores such streams
// in ZooKeeper: leader connection info and state-handle pointers (reference
// flink-ha-format.md §2.1, §2.2); leader_info.hpp and state_handle.hpp decode those on top.
//
// The reader only builds a model: it loads no class and runs no code. Every object that has a
// wire handle lives once in JavaStream::entities and is referred to by index (JavaRef), so
// back-references and cycles (an object pointing at itself) cost nothing and never recurse.
// Malformed input gives an Error whose message starts with the byte offset
// ("offset 123: unknown type code 0x99"); the limits below bound time, memory and stack.

#include "util/result.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flinkha::flink {

// ---- Limits -------------------------------------------------------------------------------

// Largest stream accepted. ZooKeeper's default jute.maxbuffer is 1 MiB; this leaves room for
// storageDir files read through the same reader.
inline constexpr std::size_t kJavaMaxStreamBytes = 16 * 1024 * 1024;
// Nesting of objects, arrays and class descriptors inside each other (each level is a few stack
// frames). Flink's pointers nest 5 deep.
inline constexpr std::size_t kJavaMaxDepth = 64;
// Objects of every kind in one stream: those with a wire handle (Java's handle table) plus
// block-data runs, which the model stores the same way. Counted across TC_RESET.
inline constexpr std::size_t kJavaMaxHandles = 100'000;
// Serializable classes in one class hierarchy (a descriptor and its superclass descriptors).
inline constexpr std::size_t kJavaMaxClassHierarchy = 64;
// Memory the model may take, roughly counted. Arrays and strings are also bounded by the bytes
// left in the input, so a length field claiming 2^31 elements fails before any allocation.
inline constexpr std::size_t kJavaMaxModelBytes = 4 * kJavaMaxStreamBytes;

// ---- Wire constants (java.io.ObjectStreamConstants) ----------------------------------------

inline constexpr std::uint16_t kJavaStreamMagic = 0xaced;
inline constexpr std::uint16_t kJavaStreamVersion = 5;
inline constexpr std::uint32_t kJavaBaseWireHandle = 0x7e0000;

// classDescFlags
inline constexpr std::uint8_t kScWriteMethod = 0x01; // class has writeObject: objectAnnotation
inline constexpr std::uint8_t kScSerializable = 0x02;
inline constexpr std::uint8_t kScExternalizable = 0x04;
inline constexpr std::uint8_t kScBlockData = 0x08; // externalizable data in block-data mode
inline constexpr std::uint8_t kScEnum = 0x10;

// ---- Model ---------------------------------------------------------------------------------

// Index of an entity in JavaStream::entities: what a wire handle resolves to.
struct JavaRef {
  std::uint32_t index = 0;
  friend bool operator==(JavaRef, JavaRef) = default;
};

// A field value, array element or stream content: null (monostate), a primitive by its Java type
// (boolean, byte, char, short, int, long, float, double), or a reference to an entity.
using JavaValue = std::variant<std::monostate, bool, std::int8_t, char16_t, std::int16_t,
                               std::int32_t, std::int64_t, float, double, JavaRef>;

struct JavaFieldDesc {
  char type_code = 0;    // 'B' 'C' 'D' 'F' 'I' 'J' 'S' 'Z', or 'L' / '[' for object fields
  std::string name;      // field name
  std::string type_name; // object fields: JVM descriptor, e.g. "Ljava/lang/String;"
};

// TC_CLASSDESC or TC_PROXYCLASSDESC.
struct JavaClassDesc {
  std::string name; // binary name ("java.util.UUID", "[I"); empty for a proxy class
  std::int64_t serial_version_uid = 0;
  std::uint8_t flags = 0; // kSc* bits
  std::vector<JavaFieldDesc> fields;
  bool proxy = false;
  std::vector<std::string> proxy_interfaces;
  std::vector<JavaValue> annotation;  // classAnnotation contents
  std::optional<std::uint32_t> super; // entity index of the superclass descriptor
  // Fields of all superclasses: where this class's values start in JavaObject::values.
  std::uint32_t inherited_fields = 0;
  std::uint32_t hierarchy_depth = 1; // 1 + superclass descriptors
};

// The objectAnnotation of one class with writeObject (kScWriteMethod), or the externalContents
// of an Externalizable object (class_desc = the object's class).
struct JavaAnnotation {
  std::uint32_t class_desc = 0;
  std::vector<JavaValue> contents; // block data appear as JavaBlockData entities
};

// TC_OBJECT.
struct JavaObject {
  std::uint32_t class_desc = 0;
  // Field values of every class of the hierarchy, superclass first, each class's in its
  // descriptor's order (empty for an Externalizable object). Use JavaStream::field().
  std::vector<JavaValue> values;
  std::vector<JavaAnnotation> annotations;
};

// TC_ARRAY.
struct JavaArray {
  std::uint32_t class_desc = 0;
  char element_type = 0;           // second char of the class name: primitive code, 'L' or '['
  std::uint32_t length = 0;        // elements
  std::string primitive_bytes;     // primitive elements as on the wire (big-endian)
  std::vector<JavaValue> elements; // object elements
};

// TC_STRING / TC_LONGSTRING, decoded to UTF-8 (see decode_modified_utf8).
struct JavaString {
  std::string value;
};

// TC_ENUM.
struct JavaEnum {
  std::uint32_t class_desc = 0;
  std::string constant;
};

// TC_CLASS (a java.lang.Class object).
struct JavaClass {
  std::uint32_t class_desc = 0;
};

// Adjacent TC_BLOCKDATA / TC_BLOCKDATALONG records (the JDK splits at 1024 bytes; a reader sees
// one byte stream), i.e. what writeInt, writeUTF, write(byte[]) … produced.
struct JavaBlockData {
  std::string bytes;
};

using JavaEntity = std::variant<JavaClassDesc, JavaObject, JavaArray, JavaString, JavaEnum,
                                JavaClass, JavaBlockData>;

// A parsed stream. Accessors never recurse and never loop: hierarchies are acyclic by
// construction (a descriptor's superclass is complete before it) and bounded.
struct JavaStream {
  std::vector<JavaValue> contents; // top-level contents in stream order
  std::deque<JavaEntity> entities;

  // The entity a value refers to, when it is a JavaRef to a T; nullptr otherwise.
  template <typename T>
  const T* get(const JavaValue& value) const {
    const auto* ref = std::get_if<JavaRef>(&value);
    if (ref == nullptr || ref->index >= entities.size()) {
      return nullptr;
    }
    return std::get_if<T>(&entities[ref->index]);
  }
  const JavaObject* object(const JavaValue& value) const { return get<JavaObject>(value); }
  const std::string* string(const JavaValue& value) const;

  // The descriptor at an entity index; nullptr when it is not one.
  const JavaClassDesc* class_desc(std::uint32_t index) const;
  std::string_view class_name(const JavaObject& object) const;

  // Value of field `name`, searching the object's class first, then its superclasses (so a
  // shadowing field wins), or only the class named `declaring_class` when given.
  std::optional<JavaValue> field(const JavaObject& object, std::string_view name,
                                 std::string_view declaring_class = {}) const;

  // Every entity reachable from `root` (fields, elements, annotations, descriptors), each once,
  // in breadth-first order; safe on cycles.
  std::vector<std::uint32_t> reachable(const JavaValue& root) const;
};

// Element `index` of an array (primitive or object); null when out of range.
JavaValue array_element(const JavaArray& array, std::size_t index);

// ---- Reading -------------------------------------------------------------------------------

// Parses a whole stream: magic, version, then contents up to the end.
Result<JavaStream> parse_java_stream(std::string_view bytes);

// Java's modified UTF-8 (DataInput.readUTF without the length prefix) to UTF-8: 0xC0 0x80 and a
// plain 0x00 are NUL, surrogate pairs (two 3-byte sequences) become one 4-byte sequence, an
// unpaired surrogate becomes U+FFFD (as Java's UTF-8 encoder substitutes it). Malformed input
// (as readUTF rejects it) gives an error naming the byte index.
Result<std::string> decode_modified_utf8(std::string_view bytes);

} // namespace flinkha::flink
