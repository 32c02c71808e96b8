// Fuzz target: Flink's legacy flink-conf.yaml line parser must never crash on any bytes.
#include "config/flink_conf.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = flinkha::config::parse_legacy_flink_conf(text, "flink-conf.yaml");
  // Every entry must point at a real line of the input.
  for (const auto& entry : parsed.config.entries()) {
    if (entry.where.line <= 0 || entry.key.empty() || entry.value.empty()) {
      __builtin_trap();
    }
  }
  return 0;
}
