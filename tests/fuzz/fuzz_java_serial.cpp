// Fuzzes the generic Java serialization reader (lib/flink/java_serial): any input must give a
// model or an Error, within the documented limits, and every accessor must stay in bounds on
// the model (walking it, cycles included).
#include "flink/java_serial.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flinkha::flink;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)decode_modified_utf8(bytes);
  const auto stream = parse_java_stream(bytes);
  if (!stream) {
    return 0;
  }
  for (const auto& content : stream->contents) {
    for (const std::uint32_t index : stream->reachable(content)) {
      const JavaEntity& entity = stream->entities[index];
      if (const auto* object = std::get_if<JavaObject>(&entity)) {
        (void)stream->class_name(*object);
        if (const auto* desc = stream->class_desc(object->class_desc)) {
          for (const auto& field : desc->fields) {
            (void)stream->field(*object, field.name);
            (void)stream->field(*object, field.name, desc->name);
          }
        }
      } else if (const auto* array = std::get_if<JavaArray>(&entity)) {
        for (std::size_t i = 0; i <= array->length && i < 64; ++i) {
          (void)array_element(*array, i);
        }
      }
    }
  }
  return 0;
}
