// Fuzzes the HA backup manifest parser (flink/ha_backup.hpp, docs/ha-backup-format.md): any bytes
// give a manifest or an Error naming the file, never a crash; a parsed manifest renders again.
#include "flink/ha_backup.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  if (auto manifest = flinkha::flink::parse_manifest(json, "fuzz/manifest.json")) {
    (void)flinkha::flink::manifest_to_json(*manifest);
  }
  return 0;
}
