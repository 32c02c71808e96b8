// Fuzzes the conf/masters and conf/workers readers and the other host and value rules
// (validate_host, parse_quorum_server, check_value_bytes, check_cluster_id) with arbitrary bytes:
// they must never crash, every accepted host must pass validate_host, and every accepted value
// must be free of the bytes check_value_bytes refuses.
#include "config/ha_paths.hpp"
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
  for (const auto& entry : flinkha::config::parse_quorum(text).servers) {
    if (const auto server = flinkha::config::parse_quorum_server(entry)) {
      if (flinkha::config::validate_host(server->host) || server->port < 1 ||
          server->port > 65535) {
        std::abort();
      }
    }
  }
  if (flinkha::config::check_cluster_id(text) && flinkha::config::check_value_bytes(text)) {
    std::abort(); // an accepted cluster-id holds no control byte and is valid UTF-8
  }
  return 0;
}
