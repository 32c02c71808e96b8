#include "flink/state_handle.hpp"

#include "flink/java_serial.hpp"

#include <fmt/format.h>

namespace flinkha::flink {

namespace {

constexpr std::string_view kPathClass = "org.apache.flink.core.fs.Path";
constexpr std::string_view kUriClass = "java.net.URI";
// Wrappers followed before giving up (Flink nests one).
constexpr std::size_t kMaxWrappers = 8;

} // namespace

Result<std::string> flink_path_uri(const JavaStream& stream, const JavaValue& value,
                                   std::string_view holder) {
  const JavaObject* path = stream.object(value);
  if (path == nullptr) {
    return failf("state handle pointer: {}.filePath is not an object", holder);
  }
  if (stream.class_name(*path) != kPathClass) {
    return failf("state handle pointer: {}.filePath is a {}, not a {}", holder,
                 stream.class_name(*path), kPathClass);
  }
  const auto uri_value = stream.field(*path, "uri", kPathClass);
  const JavaObject* uri = uri_value ? stream.object(*uri_value) : nullptr;
  if (uri == nullptr || stream.class_name(*uri) != kUriClass) {
    return failf("state handle pointer: {}.uri is not a java.net.URI object", kPathClass);
  }
  const auto text_value = stream.field(*uri, "string", kUriClass);
  const std::string* text = text_value ? stream.string(*text_value) : nullptr;
  if (text == nullptr) {
    return fail("state handle pointer: java.net.URI without its string field");
  }
  return *text;
}

Result<StateHandlePointer> decode_state_handle_pointer(std::string_view bytes) {
  auto stream = parse_java_stream(bytes);
  if (!stream) {
    return fail("state handle pointer: " + stream.error().message);
  }
  if (stream->contents.empty() || stream->object(stream->contents.front()) == nullptr) {
    return fail("state handle pointer: the stream does not start with an object");
  }
  return state_handle_pointer_of(*stream, stream->contents.front());
}

Result<StateHandlePointer> state_handle_pointer_of(const JavaStream& java, const JavaValue& value) {
  const JavaStream* stream = &java;
  const JavaObject* handle = stream->object(value);
  if (handle == nullptr) {
    return fail("state handle pointer: not an object");
  }
  StateHandlePointer pointer;
  for (std::size_t hop = 0; hop < kMaxWrappers; ++hop) {
    const std::string_view name = stream->class_name(*handle);
    pointer.handle_classes.emplace_back(name);
    if (const auto file_path = stream->field(*handle, "filePath")) {
      auto path = flink_path_uri(*stream, *file_path, name);
      if (!path) {
        return std::unexpected(path.error());
      }
      pointer.path = std::move(*path);
      if (const auto size = stream->field(*handle, "stateSize")) {
        if (const auto* bytes_long = std::get_if<std::int64_t>(&*size)) {
          pointer.state_size = *bytes_long;
        }
      }
      return pointer;
    }
    const auto wrapped = stream->field(*handle, "wrappedStreamStateHandle");
    if (!wrapped) {
      return failf("state handle pointer: {} has neither a filePath nor a "
                   "wrappedStreamStateHandle field: not a file state handle",
                   name);
    }
    handle = stream->object(*wrapped);
    if (handle == nullptr) {
      return failf("state handle pointer: {}.wrappedStreamStateHandle is not an object", name);
    }
  }
  return failf("state handle pointer: more than {} nested state handles", kMaxWrappers);
}

Result<std::int32_t> decode_checkpoint_counter(std::string_view bytes) {
  if (bytes.size() != 4) {
    return failf("checkpoint counter: expected 4 bytes (a big-endian int of Curator SharedCount), "
                 "got {}",
                 bytes.size());
  }
  std::uint32_t value = 0;
  for (const char byte : bytes) {
    value = (value << 8) | static_cast<unsigned char>(byte);
  }
  return static_cast<std::int32_t>(value);
}

} // namespace flinkha::flink
