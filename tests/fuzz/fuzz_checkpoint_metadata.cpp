// Fuzzes the _metadata header decoder; the corpus holds _metadata files of real Flink 1.20.5
// (serializer version 4) and 2.3.0 (version 6), checkpoints and savepoints.
#include "flink/checkpoint_metadata.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)flinkha::flink::decode_checkpoint_metadata_header(bytes);
  return 0;
}
