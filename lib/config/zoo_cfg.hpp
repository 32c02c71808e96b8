#pragma once
// conf/zoo.cfg, read as a Java properties file the way ZooKeeper's QuorumPeerConfig and Flink's
// FlinkZooKeeperQuorumPeer read it (reference flink-scripts.md §3.3):
//   server.X=host[:peerPort[:leaderPort[:role]]][;[clientAddr:]clientPort]
// ids of any width ("server.001" is id 1), spaces around '=', '#'/'!' comments, line
// continuations and \uXXXX escapes of java.util.Properties.
// Defaults applied as Flink's ZooKeeper launcher does: clientPort 2181, initLimit 10,
// syncLimit 5, peer/leader ports 2888/3888 when omitted.

#include "config/diagnostics.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::config {

struct ZkServer {
  std::int64_t id = 0;
  std::string host;
  int peer_port = 2888;
  int leader_port = 3888;
  std::string role = "participant";          // or "observer"
  std::optional<std::string> client_address; // from ";addr:port"
  std::optional<int> client_port;            // from ";port" / ";addr:port"
  bool ports_given = true; // false when the line names no peer or election port (defaults apply)
  SourceLocation where;

  bool is_voter() const { return role != "observer"; }
};

struct ZkProperty {
  std::string key;
  std::string value;
  SourceLocation where;
};

struct ZooCfg {
  std::filesystem::path path;
  std::vector<ZkProperty> properties; // every key except server.X, last duplicate wins
  std::vector<ZkServer> servers;      // ordered by id
  Diagnostics diagnostics;

  const ZkProperty* find(std::string_view key) const;
  // The client port of a server: its own ";port", else the global clientPort, else 2181.
  int client_port_of(const ZkServer& server) const;
};

Result<ZooCfg> parse_zoo_cfg(std::string_view text, std::string display_name);

// Reads conf_dir/zoo.cfg; empty optional when it does not exist.
Result<std::optional<ZooCfg>> load_zoo_cfg(const std::filesystem::path& conf_dir);

} // namespace flinkha::config
