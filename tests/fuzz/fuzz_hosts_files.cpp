// Fuzzes the conf/masters and conf/workers readers (and validate_host) with arbitrary bytes:
// they must never crash, and every accepted host must pass validate_host.
#include "config/hosts_files.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto masters = flinkha::config::parse_masters(text, "masters")) {
    for (const auto& master : masters->masters) {
      if (flinkha::config::validate_host(master.host) || master.web_ui_port < 0 ||
          master.web_ui_port > 65535 || master.where.line < 1) {
        std::abort();
      }
    }
  }
  if (const auto workers = flinkha::config::parse_workers(text, "workers")) {
    for (const auto& worker : workers->workers) {
      if (flinkha::config::validate_host(worker.host) || worker.where.line < 1) {
        std::abort();
      }
    }
  }
  (void)flinkha::config::validate_host(text);
  return 0;
}
