// Fuzzes the decoders of what Flink stores in HA znodes on top of the Java serialization reader:
// state-handle pointers, leader connection info and the checkpoint counter.
#include "flink/leader_info.hpp"
#include "flink/state_handle.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flinkha::flink;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)decode_state_handle_pointer(bytes);
  (void)decode_leader_information(bytes);
  (void)decode_checkpoint_counter(bytes);
  return 0;
}
