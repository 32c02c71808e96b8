// Fuzzes the conf/zoo.cfg reader (java.util.Properties syntax plus server.X parsing) with
// arbitrary bytes: it must never crash, and the servers it accepts must be consistent.
#include "config/hosts_files.hpp"
#include "config/zoo_cfg.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto cfg = flinkha::config::parse_zoo_cfg(text, "zoo.cfg");
  if (!cfg) {
    return 0;
  }
  const flinkha::config::ZkServer* previous = nullptr;
  for (const auto& server : cfg->servers) {
    const int client_port = cfg->client_port_of(server);
    if (flinkha::config::validate_host(server.host) || server.peer_port < 1 ||
        server.peer_port > 65535 || server.leader_port < 1 || server.leader_port > 65535 ||
        client_port < 0 || client_port > 65535 || server.peer_port == server.leader_port ||
        (server.role != "participant" && server.role != "observer") ||
        (previous != nullptr && previous->id >= server.id)) {
      std::abort();
    }
    previous = &server;
  }
  for (const auto& property : cfg->properties) {
    if (cfg->find(property.key) != &property) {
      std::abort(); // keys are unique (last duplicate wins)
    }
  }
  return 0;
}
