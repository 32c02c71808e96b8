// Fuzzes the completedCheckpoint decoder (a Java-serialized CompletedCheckpoint, on top of the
// Java serialization reader); the corpus holds the files real Flink 1.20.5 and 2.3.0 wrote.
#include "flink/completed_checkpoint.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)flinkha::flink::decode_completed_checkpoint(bytes);
  return 0;
}
