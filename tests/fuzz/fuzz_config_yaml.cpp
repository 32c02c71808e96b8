// Fuzz target: config.yaml through yaml-cpp and Flink's flattening/typing rules. Any input must
// give a config or an Error, never a crash, a hang or unbounded memory (aliases, deep nesting).
#include "config/flink_conf.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = flinkha::config::parse_standard_yaml(text, "config.yaml");
  if (!parsed && parsed.error().message.empty()) {
    __builtin_trap(); // an error must say something
  }
  return 0;
}
